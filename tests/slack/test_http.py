"""The real server: signed slash commands, signature checks, health, help for every family."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.app import registry
from bot.models import OutboxMessage
from tests.conftest import RunningBot
from tests.harness.slackclient import sign

FAMILIES = registry().families


def test_wg_help_answers_with_every_family(running: RunningBot) -> None:
    resp = running.command("/wg", "help")
    assert resp.status == 200
    body = resp.json()
    assert body["response_type"] == "ephemeral"
    text = resp.reply_text
    for name in FAMILIES:
        assert f"/{name}" in text
    assert running.fake.violations == []


def test_every_family_has_help_through_slash_and_umbrella(running: RunningBot) -> None:
    for name in FAMILIES:
        direct = running.command(f"/{name}", "help")
        umbrella = running.command("/wg", f"{name} help")
        assert direct.status == umbrella.status == 200
        assert direct.reply_text == umbrella.reply_text
        assert f"/{name}" in direct.reply_text


def test_unknown_subcommand_names_problem_and_usage(running: RunningBot) -> None:
    resp = running.command("/wg", "frobnicate now")
    assert resp.status == 200
    body = resp.json()
    assert body["response_type"] == "ephemeral"
    assert "frobnicate" in body["text"]
    assert "Usage" in body["text"]
    assert "Traceback" not in resp.text


def test_unsigned_and_badly_signed_requests_are_refused(running: RunningBot) -> None:
    body = b"command=%2Fwg&text=help&team_id=T1&user_id=U1&channel_id=C1"
    ct = "application/x-www-form-urlencoded"
    assert running.sender.post_raw(body, ct, sign=False).status == 401
    assert running.sender.post_raw(body, ct, secret="wrong-secret").status == 401
    assert running.sender.post_raw(body, ct, timestamp=int(time.time()) - 600).status == 401
    ts = int(time.time())
    good_sig = sign(running.sender.signing_secret, ts, body)
    changed = body.replace(b"help", b"admins+add+%3C%40U9%3E")
    assert running.sender.post_raw(changed, ct, timestamp=ts, signature=good_sig).status == 401


def test_healthz(running: RunningBot) -> None:
    resp = running.sender.get("/healthz")
    assert resp.status == 200
    assert json.loads(resp.body)["status"] == "ok"


def test_healthz_503_when_database_is_gone(running: RunningBot) -> None:
    db = running.bot.rt.db
    assert running.sender.get("/healthz").status == 200
    if db.sqlite:
        # The file really goes away (a disk unmounted, a restore half done).
        from sqlalchemy.engine import make_url

        path = Path(str(make_url(db.url).database))
        path.rename(path.with_suffix(".gone"))
        try:
            assert running.sender.get("/healthz").status == 503
        finally:
            path.with_suffix(".gone").rename(path)
    else:
        # A server that cannot be reached.
        db.url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
        db._ping_engine = None
        assert running.sender.get("/healthz").status == 503


def test_unknown_path_is_404(running: RunningBot) -> None:
    assert running.sender.get("/nothing-here").status == 404


def test_admin_change_refused_for_non_admin_and_nothing_written(running: RunningBot) -> None:
    resp = running.command("/wg", "admins add <@U2>", user_id="U1")
    assert resp.status == 200
    assert "only workspace admins" in resp.reply_text
    resp = running.command("/wg", "admins list", user_id="U1")
    assert "U2" not in resp.reply_text
    ok = running.command("/wg", "admins add <@U2|bob>", user_id="UADMIN")
    assert "now a bot admin" in ok.reply_text
    assert "<@U2>" in running.command("/wg", "admins list").reply_text


def test_event_url_verification_and_duplicate_events(running: RunningBot) -> None:
    resp = running.sender.url_verification("challenge-123")
    assert resp.status == 200
    assert "challenge-123" in resp.text
    first = running.sender.message("hello", event_id="Ev1")
    again = running.sender.message("hello", event_id="Ev1", retry_num=1)
    assert first.status == again.status == 200
    from bot.models import ProcessedEvent

    with running.bot.rt.db.read() as s:
        assert s.query(ProcessedEvent).filter_by(event_id="Ev1").count() == 1
        assert s.query(OutboxMessage).count() == 0
