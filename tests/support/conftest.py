"""Helpers for the support desk tests: a small catalog and a way to load it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot
from tests.harness.fakeslack import FakeSlack

CATALOG = """\
providers:
  - name: Whamcloud
    role: product team
    collaboration: integrated
    channel: "#lustre-support"
    escalation: [U2]
  - name: F5 OpenStack Team
    role: product team
    collaboration: contributing
    channel: "#f5-openstack"
  - name: Volunteers
    role: platform integrator
    collaboration: community
products:
  - name: OpenSFS Lustre 2.15
    aliases: [lustre, lustre 2.15]
    version: "2.15"
    providers:
      - provider: Whamcloud
        tier: extended
        level: L3
  - name: F5 OpenStack LBaaSv2 plugin
    aliases: [lbaas]
    providers:
      - provider: F5 OpenStack Team
        tier: premium
        level: L2
  - name: Community scripts
    providers:
      - provider: Volunteers
        tier: best-effort
  - name: Orphan tool
"""


#: The triage channels the test catalogs (CATALOG, examples/catalog.yaml) name: the
#: import looks their names up in Slack, so they exist in the fake workspace.
TRIAGE_CHANNELS = {
    "lustre-support": "CLUSTRE",
    "f5-openstack": "CF5",
    "egi-core-support": "CEGICORE",
    "arc-support": "CARC",
    "community-platforms": "CCOMMUNITY",
}


def add_triage_channels(fake: FakeSlack) -> None:
    """The channels the test catalogs name, as they exist in the workspace."""
    for name, channel_id in TRIAGE_CHANNELS.items():
        fake.add_channel(channel_id, name)


def run_cli(
    monkeypatch: pytest.MonkeyPatch, db_url: str, *args: str, fake: FakeSlack | None = None
) -> int:
    """`wgbot ARGS` on the database; with the fake Slack, SLACK_BOT_TOKEN reaches it."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    if fake is not None:
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("SLACK_API_URL", fake.url)
    return main(list(args))


def load_catalog(
    running: RunningBot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    text: str = CATALOG,
    team: str = "T1",
) -> int:
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return run_cli(
        monkeypatch,
        running.bot.rt.settings.database_url,
        "catalog",
        "import",
        str(path),
        "--team",
        team,
        fake=running.fake,
    )


@pytest.fixture
def desk(running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    """A running bot whose workspace T1 has the small catalog; triage channels exist."""
    running.fake.add_channel("CLUSTRE", "lustre-support", members=["U2"])
    running.fake.add_channel("CF5", "f5-openstack", members=["U3"])
    assert load_catalog(running, monkeypatch, tmp_path) == 0
    return running
