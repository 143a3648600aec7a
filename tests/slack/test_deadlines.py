"""Slack gives up after 3 s: an answer that cannot be ready in time saves nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
import urllib.request

from sqlalchemy.engine import make_url

from bot.actions.models import ActionItem
from tests.conftest import RunningBot


def _hold_write_lock(db_url: str, seconds: float, held: threading.Event) -> None:
    """Another process's writer (a backup, `sqlite3` at a shell) holding the file."""
    path = make_url(db_url).database
    conn = sqlite3.connect(str(path), timeout=1, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_a_write_blocked_by_another_process_is_refused_in_time(
    running_sqlite: RunningBot,
) -> None:
    running = running_sqlite
    held = threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(running.bot.rt.settings.database_url, 4.0, held)
    )
    holder.start()
    try:
        assert held.wait(5)
        started = time.monotonic()
        answer = running.command("/action", "add review the charter", user_id="U1")
        elapsed = time.monotonic() - started
        # /healthz does not queue behind the lock either.
        health_started = time.monotonic()
        with urllib.request.urlopen(f"{running.url}/healthz", timeout=5) as health:
            assert health.status == 200
        health_elapsed = time.monotonic() - health_started
    finally:
        holder.join(10)
    assert not holder.is_alive()
    assert elapsed < 3.0, f"acknowledged after {elapsed:.2f}s"
    assert "nothing was saved" in answer.reply_text
    assert health_elapsed < 1.0, f"/healthz took {health_elapsed:.2f}s"
    with running.bot.rt.db.read() as s:
        assert s.query(ActionItem).count() == 0
    # Once the lock is gone the same command works.
    assert "#1" in running.command("/action", "add review the charter").reply_text


def test_a_replayed_signed_request_is_not_run_twice(running: RunningBot) -> None:
    from urllib.parse import urlencode

    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "C1",
            "channel_name": "general",
            "user_id": "U1",
            "user_name": "alice",
            "command": "/action",
            "text": "add replayed once",
            "trigger_id": "1.2.abc",
            "response_url": "https://hooks.slack.com/commands/T1/1/abc",
        }
    )
    at = int(time.time())
    first = running.sender.post_raw(body, timestamp=at)
    again = running.sender.post_raw(body, timestamp=at)
    assert first.status == 200 and "#1" in first.reply_text
    assert again.status == 200 and again.body == b""
    with running.bot.rt.db.read() as s:
        assert [a.text for a in s.query(ActionItem)] == ["replayed once"]
    # A new signature (a later timestamp) is a new request, and runs.
    later = running.sender.post_raw(body.replace("once", "twice"), timestamp=at + 1)
    assert "#2" in later.reply_text
