"""`wgbot doctor`: one line per check, with what to do; status 0 only when all are ok."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.db import Database
from bot.doctor import run_doctor
from bot.meetings.models import MeetingSeries
from bot.models import Workspace
from bot.slack.doctor import SlackProbe
from bot.slack.oauth import BOT_SCOPES
from bot.support.models import SupportProvider
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, T0
from tests.harness.fakeslack import FakeSlack, manifest_scopes

LINE = re.compile(r"^(ok  |warn|FAIL) [^:]+: .+$")


def _configure(db_url: str, *, team: str = "T1") -> None:
    """A workspace as deployed: a digest channel, two providers' triage channels, a meeting."""
    db = Database(db_url)
    try:
        with db.write() as s:
            s.add(
                Workspace(team_id=team, name="Fake Team", digest_channel="C0DIGEST", created_at=T0)
            )
            s.add(
                SupportProvider(team_id=team, name="Whamcloud", key="whamcloud", channel="C0LUSTRE")
            )
            s.add(SupportProvider(team_id=team, name="F5", key="f5", channel="#f5-openstack"))
            s.add(
                MeetingSeries(
                    team_id=team,
                    number=1,
                    name="LCOO weekly",
                    channel_id="C1",
                    home_tz="Europe/Paris",
                    dtstart=T0,
                    rrule="FREQ=WEEKLY",
                    created_at=T0,
                    reminders_from=T0,
                )
            )
            # Another workspace's channels are not this token's business.
            s.add(SupportProvider(team_id="T2OTHER", name="Other", key="other", channel="C0OTHER"))
    finally:
        db.dispose()


def _channels(fake: FakeSlack) -> None:
    fake.add_channel("C0DIGEST", "wg-digest")
    fake.add_channel("C0LUSTRE", "lustre-support", is_private=True)
    fake.add_channel("CF5", "f5-openstack")


@pytest.fixture(autouse=True)
def _keep_root_logging() -> Iterator[None]:
    """main() configures the root logger for a process: give pytest's handlers back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def doctor_env(
    sqlite_url: str, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> FakeSlack:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    for name in list(os.environ):
        if name.startswith(("SLACK_", "DATABASE_URL", "PUBLIC_URL", "PORT", "WGBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("PUBLIC_URL", "https://wgbot.example.org")
    _configure(sqlite_url)
    _channels(fake_slack)
    return fake_slack


def _doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    status = main(["doctor"])
    out = capsys.readouterr().out.strip().splitlines()
    assert all(LINE.match(line) for line in out), out
    return status, {line[5:].split(":", 1)[0]: line for line in out}


def test_a_healthy_deployment_is_all_ok(
    doctor_env: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = _doctor(capsys)
    assert status == 0, "\n".join(lines.values())
    assert list(lines) == [
        "config",
        "database",
        "revision",
        "token",
        "scopes",
        "channel #f5-openstack (CF5)",
        "channel C0DIGEST",
        "channel C0LUSTRE",
        "channel C1",
        "clock",
    ]
    assert all(line.startswith("ok   ") for line in lines.values())
    assert lines["token"] == "ok   token: workspace Fake Team (T1), bot user UBOT"
    assert "(triage for Whamcloud)" in lines["channel C0LUSTRE"]
    assert "(weekly digest)" in lines["channel C0DIGEST"]
    assert "(meeting LCOO weekly)" in lines["channel C1"]
    assert "C0OTHER" not in "\n".join(lines)
    # The checks asked Slack, not a cache: auth.test once, each channel once.
    assert len(doctor_env.calls_to("auth.test")) == 1
    infos = sorted(c.params["channel"] for c in doctor_env.calls_to("conversations.info"))
    assert infos == ["C0DIGEST", "C0LUSTRE", "C1", "CF5"]


def test_each_problem_is_a_line_with_what_to_do(
    doctor_env: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = doctor_env
    fake.revoke_scope("chat:write.public")
    fake.revoke_scope("reactions:write")
    fake.remove_bot("C0LUSTRE")  # private: only an invitation brings it back
    fake.remove_bot("CF5")  # public: the bot joins it when it first needs to
    fake.add_channel("C0DIGEST", "wg-digest", is_archived=True)
    status, lines = _doctor(capsys)
    assert status == 1
    assert lines["scopes"] == (
        "FAIL scopes: missing chat:write.public, reactions:write — add them from manifest.yml "
        "(OAuth & Permissions → Bot Token Scopes) and reinstall the app"
    )
    assert lines["channel C0LUSTRE"].startswith("FAIL channel C0LUSTRE: Slack does not show it")
    assert "invite the bot" in lines["channel C0LUSTRE"]
    assert lines["channel #f5-openstack (CF5)"].startswith("warn ")
    assert "/invite @wgbot" in lines["channel #f5-openstack (CF5)"]
    assert lines["channel C0DIGEST"] == (
        "FAIL channel C0DIGEST: archived (weekly digest) — unarchive it or configure another one"
    )
    assert lines["channel C1"].startswith("ok   ")
    for name in ("config", "database", "revision", "token", "clock"):
        assert lines[name].startswith("ok   "), lines[name]


def test_a_revoked_token_stops_the_slack_checks(
    doctor_env: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor_env.fail("auth.test", error="token_revoked")
    status, lines = _doctor(capsys)
    assert status == 1
    assert lines["token"] == (
        "FAIL token: auth.test answered token_revoked — check SLACK_BOT_TOKEN "
        "(Slack app settings → OAuth & Permissions) and SLACK_API_URL"
    )
    assert "scopes" not in lines and "clock" not in lines
    assert doctor_env.calls_to("conversations.info") == []


def test_an_unmigrated_and_a_missing_database(
    doctor_env: FakeSlack,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = os.environ["DATABASE_URL"]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0007_workspace_uninstalled'")
    status, lines = _doctor(capsys)
    assert status == 1
    assert lines["revision"].startswith(
        "FAIL revision: the database is at 0007_workspace_uninstalled"
    )
    assert lines["revision"].endswith("— run `wgbot migrate`")
    assert lines["channels"].startswith("warn channels: not checked")

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nothing-here.db'}")
    status, lines = _doctor(capsys)
    assert status == 1
    assert lines["database"].endswith("the file does not exist — run `wgbot migrate`")
    assert "revision" not in lines
    assert not (tmp_path / "nothing-here.db").exists()  # the doctor created nothing


def test_clock_skew(doctor_env: FakeSlack) -> None:
    settings = load_settings(dotenv=None)
    for skew, status in ((0, "ok"), (-45, "warn"), (420, "FAIL")):
        checks = run_doctor(
            settings,
            SlackProbe(BOT_TOKEN, doctor_env.url),
            now=lambda skew=skew: datetime.now(UTC) + timedelta(seconds=skew),
        )
        [clock] = [c for c in checks if c.name == "clock"]
        assert clock.status == status, clock.line()
    assert "ahead of Slack" in clock.detail and "refused" in clock.detail
    assert "NTP" in clock.fix


def test_without_a_token_slack_is_not_asked(
    doctor_env: FakeSlack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    status, lines = _doctor(capsys)
    assert status == 1
    assert lines["config"].startswith("warn config: no Slack credentials")
    assert lines["token"].startswith("warn token: no SLACK_BOT_TOKEN")
    assert doctor_env.calls == []


def test_the_scopes_checked_are_the_manifests() -> None:
    assert frozenset(BOT_SCOPES) == manifest_scopes()


def test_the_command_line_prints_no_secret(doctor_env: FakeSlack, tmp_path: Path) -> None:
    env = {**os.environ}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(proc.stdout.splitlines()) == 10
    for secret in (BOT_TOKEN, SIGNING_SECRET):
        assert secret not in proc.stdout + proc.stderr
