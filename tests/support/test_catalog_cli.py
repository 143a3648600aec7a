"""`wgbot catalog import` on a fresh single-workspace install finds its workspace itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.cli import main
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.harness.fakeslack import FakeSlack
from tests.support.conftest import CATALOG, add_triage_channels


def _fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlack | None) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    if fake is not None:
        add_triage_channels(fake)  # the channels the catalog names exist in Slack
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("SLACK_API_URL", fake.url)
    (tmp_path / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    return url


def _providers(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                (str(r[0]), str(r[1]))
                for r in conn.execute(text("select team_id, name from support_providers"))
            ]
    finally:
        engine.dispose()


def test_fresh_install_imports_into_the_workspace_of_the_bot_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack
) -> None:
    url = _fresh(tmp_path, monkeypatch, fake_slack)
    assert main(["catalog", "import", str(tmp_path / "catalog.yaml")]) == 0
    assert fake_slack.calls_to("auth.test"), "the workspace comes from auth.test"
    teams = {team for team, _ in _providers(url)}
    assert teams == {fake_slack.team_id}


def test_without_a_token_or_a_workspace_the_answer_says_to_pass_team(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _fresh(tmp_path, monkeypatch, None)
    assert main(["catalog", "import", str(tmp_path / "catalog.yaml")]) == 2
    err = capsys.readouterr().err
    assert "pass --team" in err and "SLACK_BOT_TOKEN" in err
    assert _providers(url) == []
