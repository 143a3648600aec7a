"""Fault injection: Slack misbehaving, processes killed, PostgreSQL restarted.

After recovery every acknowledged write is present and every owed message is
delivered exactly once.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import outbox
from bot.db import Database
from bot.models import OutboxMessage
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, T0, RunningBot, start_bot
from tests.harness.ci import in_ci
from tests.harness.fakeslack import FakeSlack
from tests.harness.guards import join_all
from tests.harness.pgserver import PgServer


def _enqueue(db_url: str, fake: FakeSlack, n: int, channels: int = 5, prefix: str = "msg") -> None:
    from datetime import UTC, datetime

    for c in range(channels):  # the channels exist in Slack
        fake.add_channel(f"C{c + 100}", f"channel-{c + 100}")
    db = Database(db_url)
    try:
        with db.write() as s:
            now = datetime.now(UTC)
            for i in range(n):
                outbox.post_message(
                    s, team_id="T1", channel=f"C{i % channels + 100}", text=f"{prefix}-{i}", now=now
                )
    finally:
        db.dispose()


def _worker_env(db_url: str, fake: FakeSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=db_url,
        WGBOT_OUTBOX_LEASE_SECONDS="15",
        LOG_LEVEL="WARNING",
    )
    return env


def _spawn_worker(db_url: str, fake: FakeSlack, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker", *args],
        env=_worker_env(db_url, fake),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _posted(fake: FakeSlack, prefix: str) -> Counter[str]:
    return Counter(m["text"] for m in fake.messages() if str(m.get("text", "")).startswith(prefix))


def _statuses(db_url: str) -> Counter[str]:
    db = Database(db_url)
    try:
        with db.read() as s:
            return Counter(r.status for r in s.query(OutboxMessage).all())
    finally:
        db.dispose()


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_slack_down_then_back_delivers_everything_once(running: RunningBot) -> None:
    """429s with Retry-After, 500s and hanging calls, for a simulated minute and more."""
    for lane in range(3):
        running.fake.add_channel(f"C{lane + 50}", f"lane-{lane}")
    for i in range(30):
        with running.bot.rt.db.write() as s:
            outbox.post_message(
                s, team_id="T1", channel=f"C{i % 3 + 50}", text=f"owed-{i}", now=running.clock.now()
            )
    running.fake.fail("chat.postMessage", status=429, retry_after=5, times=10)
    running.fake.fail("chat.postMessage", status=500, times=10)
    running.fake.fail("conversations.history", status=500, times=3)
    # Simulated time, one-second steps: backoff is capped at a minute, so after the
    # failures stop everything goes out within a few simulated minutes.
    for _ in range(900):
        running.deliver()
        if len(_posted(running.fake, "owed-")) == 30:
            break
        running.advance(timedelta(seconds=1))
    assert running.clock.now() - T0 < timedelta(minutes=10)
    posted = _posted(running.fake, "owed-")
    assert posted == Counter({f"owed-{i}": 1 for i in range(30)})
    for lane in range(3):
        texts = [m["text"] for m in running.fake.messages(f"C{lane + 50}")]
        assert texts == [f"owed-{i}" for i in range(30) if i % 3 == lane]


# 18 s of delivering under kill -9: in `make test-slow` (CI runs it); the quick suite
# keeps the kill during a live meeting below.
@pytest.mark.slow
def test_sigkill_during_delivery_loses_and_duplicates_nothing(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    _enqueue(sqlite_url, fake_slack, 60, prefix="kill")
    # Slow Slack: every post takes a while, so the kill lands mid-call.
    fake_slack.hang("chat.postMessage", seconds=0.2)
    first = _spawn_worker(sqlite_url, fake_slack)
    _wait(lambda: len(_posted(fake_slack, "kill")) >= 10, 60, "some deliveries")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    fake_slack.clear_failures()
    second = _spawn_worker(sqlite_url, fake_slack)
    try:
        _wait(lambda: _statuses(sqlite_url) == Counter({"sent": 60}), 90, "all rows sent")
    finally:
        second.terminate()
        second.wait(10)
    assert _posted(fake_slack, "kill") == Counter({f"kill-{i}": 1 for i in range(60)})


@pytest.mark.postgres
def test_two_worker_processes_on_postgres_deliver_once(pg_url: str, fake_slack: FakeSlack) -> None:
    _enqueue(pg_url, fake_slack, 200, channels=20, prefix="pair")
    procs = [_spawn_worker(pg_url, fake_slack) for _ in range(2)]
    try:
        _wait(lambda: _statuses(pg_url) == Counter({"sent": 200}), 90, "all rows sent")
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    assert _posted(fake_slack, "pair") == Counter({f"pair-{i}": 1 for i in range(200)})
    calls = Counter(c.params["text"] for c in fake_slack.calls_to("chat.postMessage"))
    assert max(calls.values()) == 1


@pytest.fixture
def own_pg(tmp_path: Path) -> Iterator[PgServer]:
    from tests.harness.pgserver import available

    ok, why = available()
    if not ok:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {why}")
        pytest.skip(why)
    server = PgServer(settings={"synchronous_commit": "on"})
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.postgres
def test_postgres_restart_while_commands_arrive(own_pg: PgServer, fake_slack: FakeSlack) -> None:
    from bot.migrate import upgrade

    url = own_pg.create_database("restart")
    upgrade(url)
    rb = start_bot(url, fake_slack)
    acknowledged: list[str] = []
    refused: list[str] = []
    stop = threading.Event()

    def send() -> None:
        n = 0
        while not stop.is_set():
            uid = f"UR{n:05d}"
            n += 1
            resp = rb.command("/wg", f"admins add <@{uid}>", user_id="UADMIN")
            assert resp.status == 200 and "Traceback" not in resp.text
            (acknowledged if "is now a bot admin" in resp.reply_text else refused).append(uid)

    try:
        sender = threading.Thread(target=send)
        sender.start()
        _wait(lambda: len(acknowledged) >= 20, 30, "commands before the restart")
        own_pg.restart()
        _wait(lambda: len(acknowledged) >= 60, 60, "commands after the restart")
        stop.set()
        join_all([sender], 30)
        listed = rb.command("/wg", "admins list").reply_text
        for uid in acknowledged:
            assert f"<@{uid}>" in listed, f"{uid} was acknowledged but is missing"
        for uid in refused:
            assert f"<@{uid}>" not in listed, f"{uid} was refused but half-written"
    finally:
        stop.set()
        rb.stop()


def _serve(db_url: str, fake: FakeSlack, port: int) -> subprocess.Popen[str]:
    env = _worker_env(db_url, fake)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_during_a_live_meeting_loses_no_acknowledged_line(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    from tests.harness.slackclient import SlackSender
    from tests.test_serve_process import free_port, wait_http

    port = free_port()
    # With the fake: the lines said exist in Slack's history (the bot reacts to them).
    sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake=fake_slack)
    first = _serve(sqlite_url, fake_slack, port)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        assert (
            "started"
            in sender.command("/minutes", "start crash drill", user_id="U1").reply_text.lower()
        )
        for i in range(15):
            assert (
                sender.message(
                    f"#info before the crash {i}", user_id="U1", ts=f"1800000000.{i:06d}"
                ).status
                == 200
            )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    second = _serve(sqlite_url, fake_slack, port)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        for i in range(5):
            sender.message(f"#info after the crash {i}", user_id="U1", ts=f"1800000001.{i:06d}")
        sender.command("/minutes", "end", user_id="U1")
        listed = sender.command("/minutes", "list", user_id="U1").reply_text
        ids = re.findall(r"\*(\d+)\* · crash drill", listed)
        assert ids, listed
        draft = sender.command("/minutes", f"show {ids[0]}", user_id="U1").reply_text
        for i in range(15):
            assert f"before the crash {i}" in draft, draft[:500]
        for i in range(5):
            assert f"after the crash {i}" in draft
        # Every acknowledged line got its reaction, once, across the crash.
        _wait(
            lambda: sum(1 for c in fake_slack.calls_to("reactions.add") if c.ok) >= 20,
            60,
            "all reactions",
        )
        reacted = Counter(
            c.params["timestamp"] for c in fake_slack.calls_to("reactions.add") if c.ok
        )
        assert len(reacted) == 20 and max(reacted.values()) == 1
    finally:
        second.terminate()
        second.wait(10)


# Two processes over an hour of reminders (11 s): in `make test-slow`; the quick suite
# keeps two workers delivering the outbox once on PostgreSQL.
@pytest.mark.slow
@pytest.mark.postgres
def test_two_worker_processes_post_each_meeting_reminder_once(
    pg_url: str, fake_slack: FakeSlack
) -> None:
    from datetime import UTC, datetime

    from bot.meetings.models import MeetingSeries
    from bot.models import Workspace

    now = datetime.now(UTC).replace(microsecond=0)
    db = Database(pg_url)
    with db.write() as s:
        s.add(Workspace(team_id="T1", name="t", created_at=now))
        for i in range(5):
            # Each meeting's 1-minute reminder falls due a few seconds from now.
            s.add(
                MeetingSeries(
                    team_id="T1",
                    number=i + 1,
                    name=f"twice-{i}",
                    channel_id="C1",
                    home_tz="UTC",
                    dtstart=now + timedelta(minutes=1, seconds=4 + i),
                    rrule="",
                    exdates=[],
                    duration_minutes=30,
                    chairs=[],
                    reminder_offsets=[1],
                    created_by="U1",
                    created_at=now,
                    reminders_from=now,
                )
            )
    db.dispose()
    procs = [_spawn_worker(pg_url, fake_slack) for _ in range(2)]
    try:
        _wait(lambda: len(_posted(fake_slack, "Reminder: twice-")) == 5, 60, "five reminders")
        time.sleep(3)  # a second poster would have posted by now
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)
    posted = _posted(fake_slack, "Reminder: twice-")
    assert len(posted) == 5 and max(posted.values()) == 1
