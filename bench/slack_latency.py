"""`slack-latency`: acknowledgements while every Slack Web API call takes 200 ms.

The fake Slack answers each call after 200 ms (`hang(None, seconds=0.2)`), from
before the bot starts. Measured over loopback against the real server (SQLite):

* `/meeting next` in channels of 1,000 members none of whom the directory knows
  (each request a channel of its own, so every one meets 1,000 strangers);
* `/action add … by friday` from first-time users (each request a user the bot has
  never seen, whose zone reads the date) at 16 concurrent clients: with the default
  request threads (8) for reference, and with one thread per client (the target's
  setting), since each of them waits ~200 ms for Slack before its transaction and
  holds a request thread meanwhile.

Both were blocked on Slack before: 1,000 users.info in the acknowledgement's path,
and users.info inside the SQLite write transaction.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import SECRET, Bench, Row, migrate, start_bot, stop
from bench.load import run_load, signed_command

SLACK_DELAY_S = 0.2
CHANNELS = 50  # channels of strangers, one per /meeting next
MEMBERS = 1000
CLIENTS_NEXT = 2
CLIENTS_WRITE = 16
NEWCOMERS_PER_CLIENT = 400
ZONES = [
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
]
KNOWN = ["U024BE7LH", "U0G9QF9C6", "W012A3CDE"]


def _seed_series(db_url: str, channels: list[str]) -> None:
    """A weekly meeting in each channel, stored directly (as an earlier scheduling would)."""
    from bot.db import Database
    from bot.meetings.models import MeetingSeries
    from bot.models import Workspace

    now = datetime.now(UTC)
    db = Database(db_url)
    with db.write() as s:
        s.add(Workspace(team_id="T1", name="bench", created_at=now))
        for number, channel in enumerate(channels, start=1):
            s.add(
                MeetingSeries(
                    team_id="T1",
                    number=number,
                    name=f"All hands {number}",
                    channel_id=channel,
                    home_tz="Europe/Paris",
                    dtstart=now + timedelta(days=1),
                    rrule="RRULE:FREQ=WEEKLY",
                    exdates=[],
                    duration_minutes=60,
                    chairs=[KNOWN[0]],
                    reminder_offsets=[],
                    created_by=KNOWN[0],
                    created_at=now,
                    reminders_from=now,
                )
            )
    db.dispose()


def _wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _post(port: int, body: bytes, headers: dict[str, str]) -> tuple[float, bytes]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read()
    return (time.perf_counter() - t0) * 1000, data


def _pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))]


def run(bench: Bench) -> None:
    from tests.harness.fakeslack import FakeSlack

    fake = FakeSlack(require_token=False, strict_channels=False)
    fake.start()
    try:
        _run(bench, fake)
    finally:
        fake.stop()


def _run(bench: Bench, fake: Any) -> None:
    for i, uid in enumerate(KNOWN):
        fake.add_user(uid, tz=ZONES[i], name=f"known{i}")
    fake.add_channel("C1", "general", members=KNOWN)
    db_url = f"sqlite:///{bench.workdir / 'latency.db'}"
    migrate(db_url, fake.url)
    channels = [f"C{n:08d}" for n in range(1, CHANNELS + 1)]
    _seed_series(db_url, channels)

    fake.hang(None, seconds=SLACK_DELAY_S)  # every Web API call, from the start
    proc, port, startup = start_bot(db_url, fake.url)
    try:
        # The start-up fill (users.list) has read the few people there are so far...
        filled = _wait_for(lambda: any(c.status for c in fake.calls_to("users.list")), 15)
        time.sleep(0.5)
        print(
            f"  (bot started in {startup:.2f} s with Slack at {SLACK_DELAY_S * 1000:.0f} ms a "
            f"call; start-up fill {'done' if filled else 'NOT seen'})",
            flush=True,
        )
        # ...and then the strangers arrive: people the directory has never seen.
        for c, channel in enumerate(channels):
            members = [f"U{c:03d}{m:05d}" if m % 4 else f"W{c:03d}{m:05d}" for m in range(MEMBERS)]
            for m, uid in enumerate(members):
                fake.add_user(uid, tz=ZONES[(c + m) % len(ZONES)])
            fake.add_channel(channel, f"wg-{c}", members=members)
        _meeting_next(bench, fake, port, channels)
        # With the default request threads, each first-time user's wait for Slack
        # holds one: the figure for reference.
        _first_time_writes(bench, fake, port, "U8", threads=None)
    finally:
        stop(proc)
    # One request thread per concurrent client: the target's setting.
    proc, port, _ = start_bot(db_url, fake.url, threads=CLIENTS_WRITE)
    try:
        _first_time_writes(bench, fake, port, "U9", threads=CLIENTS_WRITE)
    finally:
        stop(proc)


def _meeting_next(bench: Bench, fake: Any, port: int, channels: list[str]) -> None:
    """Each request in a channel of its own: 1,000 strangers every time."""
    before = len(fake.calls_to("users.info"))
    queue = iter(channels)
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []

    def client() -> None:
        while True:
            with lock:
                channel = next(queue, None)
            if channel is None:
                return
            body, headers = signed_command(
                SECRET, "/meeting", "next", user=KNOWN[0], channel=channel
            )
            ms, data = _post(port, body, headers)
            with lock:
                latencies.append(ms)
                if b"All hands" not in data:
                    failures.append(data[:200].decode(errors="replace"))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS_NEXT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p50, p99 = _pct(latencies, 50), _pct(latencies, 99)
    print(
        f"  /meeting next, {len(latencies)} channels of {MEMBERS} strangers, {CLIENTS_NEXT} "
        f"clients: p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {max(latencies):.1f} ms  "
        f"wrong answers {len(failures)}  (users.info meanwhile: "
        f"{len(fake.calls_to('users.info')) - before}, in the background)",
        flush=True,
    )
    bench.extra["slack_latency_next_ms"] = sorted(latencies)
    bench.add(
        Row(
            "/meeting next p99, 1,000 strangers, Slack 200 ms/call",
            p99,
            "ms",
            "<= 500",
            p99 <= 500 and not failures,
            note=f"p50 {p50:.1f} ms over {len(latencies)} channels",
        )
    )


def _first_time_writes(
    bench: Bench, fake: Any, port: int, prefix: str, *, threads: int | None
) -> None:
    """`/action add … by friday`, every request from someone the bot has never seen."""
    newcomers = [f"{prefix}{i:07d}" for i in range(CLIENTS_WRITE * NEWCOMERS_PER_CLIENT)]
    for i, uid in enumerate(newcomers):
        fake.add_user(uid, tz=ZONES[i % len(ZONES)])
    asked = len(fake.calls_to("users.info"))

    def make(idx: int, seq: int) -> tuple[bytes, dict[str, str]]:
        user = newcomers[idx * NEWCOMERS_PER_CLIENT + seq % NEWCOMERS_PER_CLIENT]
        return signed_command(SECRET, "/action", f"add bench item {idx}-{seq} by friday", user=user)

    setting = f"{threads} request threads" if threads else "default request threads (8)"
    res = run_load(
        f"first-time users' /action add, {setting}",
        port,
        make,
        clients=CLIENTS_WRITE,
        seconds=bench.seconds,
        check=lambda status, data: b"Action item" in data,
    )
    bench.loads.append(res)
    p50, p99 = res.pct(50), res.pct(99)
    print(
        f"  first-time users' /action add, {CLIENTS_WRITE} clients, {setting}: p50 {p50:.1f} ms  "
        f"p99 {p99:.1f} ms  {res.throughput:.0f} req/s  errors {res.errors}  "
        f"(users.info calls {len(fake.calls_to('users.info')) - asked})",
        flush=True,
    )
    name = f"first-time users' write p99 at {CLIENTS_WRITE} clients, Slack 200 ms/call"
    if threads is None:
        bench.add(
            Row(
                f"{name}, default threads",
                p99,
                "ms",
                note=f"p50 {p50:.1f} ms; each waits ~200 ms for Slack holding one of 8 threads",
            )
        )
        return
    bench.add(
        Row(
            f"{name}, {threads} threads",
            p99,
            "ms",
            "<= 500",
            p99 <= 500 and res.errors == 0,
            note=f"p50 {p50:.1f} ms, {res.requests} requests",
        )
    )
