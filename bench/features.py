"""Feature benchmarks: suggest, minutes publishing, issue list at scale, reminder lag."""

from __future__ import annotations

import statistics
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import PARTICIPANTS, SECRET, Bench, Row, migrate, start_bot, stop
from bench.load import signed_command
from bench.seed import publish_minutes_ms, seed_issues


def timed_command(
    port: int, command: str, text: str, *, user: str = "U1", channel: str = "C1"
) -> tuple[float, str]:
    body, headers = signed_command(SECRET, command, text, user=user, channel=channel)
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=30) as r:
        data = r.read().decode()
    return (time.perf_counter() - t0) * 1000, data


def median_of(port: int, command: str, text: str, runs: int = 20, **kw: Any) -> tuple[float, str]:
    timed_command(port, command, text, **kw)  # warm caches (users.info, templates)
    times = []
    last = ""
    for _ in range(runs):
        ms, last = timed_command(port, command, text, **kw)
        times.append(ms)
    return statistics.median(times), last


def run(bench: Bench, fake: Any) -> None:
    import os

    db_url = f"sqlite:///{bench.workdir / 'features.db'}"
    os.environ["WGBOT_BENCH_DB"] = db_url
    migrate(db_url, fake.url)
    seed_issues(db_url, 100_000)
    proc, port, _ = start_bot(db_url, fake.url)
    try:
        mentions = " ".join(f"<@{u}>" for u in PARTICIPANTS)
        ms, answer = median_of(port, "/meeting", f"suggest 1h for {mentions} within 7 days")
        ok = "Traceback" not in answer and "went wrong" not in answer
        bench.add(
            Row(
                "/meeting suggest, 50 people in 12 zones, 7 days (HTTP)",
                ms,
                "ms",
                "<= 50",
                ms <= 50 and ok,
            )
        )
        ms, answer = median_of(port, "/issue", "list all")
        ok = "Traceback" not in answer and "went wrong" not in answer
        bench.add(Row("/issue list over 100,000 issues (HTTP)", ms, "ms", "<= 20", ms <= 20 and ok))
        _minutes(bench, port)
    finally:
        stop(proc)


def _minutes(bench: Bench, port: int) -> None:
    """Publishing renders the minutes (Slack, Markdown, HTML) and the full log page."""
    done = publish_minutes_ms(port)
    # Counted only if what was published is whole: every line in the log, and the
    # minutes' entries pointing at their lines there.
    base = f"http://127.0.0.1:{port}/minutes/{done.public_id}"
    with urllib.request.urlopen(f"{base}/log.html", timeout=30) as r:
        log = r.read().decode()
    with urllib.request.urlopen(f"{base}.html", timeout=30) as r:
        html = r.read().decode()
    whole = log.count('<div class="line') == done.lines and "/log.html#l-" in html
    bench.add(
        Row(
            "publish minutes of a 2,000-line meeting, log page included",
            done.ms,
            "ms",
            "<= 200",
            done.ms <= 200 and whole,
            note="" if whole else "log page incomplete",
        )
    )


def reminder_lag(bench: Bench, fake: Any, count: int = 10_000, window: float = 100.0) -> None:
    """10,000 pending reminders falling due over `window` seconds; lag = posted - due."""
    from bot.db import Database
    from bot.meetings.models import MeetingSeries
    from bot.models import Workspace

    db_url = f"sqlite:///{bench.workdir / 'reminders.db'}"
    migrate(db_url, fake.url)
    # Whole seconds: meeting times carry no fractions of a second.
    start = (datetime.now(UTC) + timedelta(seconds=15)).replace(microsecond=0)
    due: dict[str, datetime] = {}
    db = Database(db_url)
    with db.write() as s:
        s.add(Workspace(team_id="T1", name="bench", created_at=datetime.now(UTC)))
        for i in range(count):
            at = start + timedelta(seconds=int(window * i / count))
            name = f"bench-{i:05d}"
            due[name] = at
            s.add(
                MeetingSeries(
                    team_id="T1",
                    number=i + 1,
                    name=name,
                    channel_id=f"C{i % 50 + 1000}",
                    home_tz="UTC",
                    dtstart=at + timedelta(minutes=1),
                    rrule="",
                    exdates=[],
                    duration_minutes=30,
                    chairs=[],
                    reminder_offsets=[1],
                    created_by="U1",
                    created_at=datetime.now(UTC),
                    reminders_from=datetime.now(UTC),
                )
            )
    db.dispose()
    fake.reset()
    proc, _port, _ = start_bot(db_url, fake.url)
    try:
        deadline = time.time() + (start - datetime.now(UTC)).total_seconds() + window + 30
        while time.time() < deadline:
            if len(fake.calls_to("chat.postMessage")) >= count:
                break
            time.sleep(0.5)
    finally:
        stop(proc)
    lags = []
    for call in fake.calls_to("chat.postMessage"):
        text = str(call.params.get("text", ""))
        name = text.removeprefix("Reminder: ").split(" starts", 1)[0]
        if name in due:
            lags.append(call.at - due[name].timestamp())
    lags.sort()
    posted = len(lags)
    if not lags:
        bench.add(Row("reminders posted", 0, "", f"= {count}", False))
        return
    p50 = lags[len(lags) // 2]
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    bench.extra["reminder_lag"] = {"posted": posted, "p50_s": p50, "p99_s": p99, "max_s": lags[-1]}
    bench.add(Row(f"reminders posted of {count}", posted, "", f"= {count}", posted == count))
    bench.add(Row("reminder lag p50 (posted - due)", p50, "s", "", None))
    bench.add(Row("reminder lag p99 (posted - due)", p99, "s", "<= 1", p99 <= 1.0))
