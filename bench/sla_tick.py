"""The SLA tick over 10,000 open business-hours issues (issue 14): one tick ≤ 200 ms.

A SQLite database gets 10,000 open issues filed over the past two weeks under a
Mon–Fri 09:00–17:00 Paris calendar with French holidays (deadlines counted by
bot.support.clocks, as filing does); then `check_sla` runs once on a quiet Sunday
(nothing due: business deadlines never fall on a weekend) and once on Monday 11:00,
when the first two business hours after the weekend have come due.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from bench.harness import Bench, Row, migrate

ISSUES = 10_000
TARGET_MS = 200.0
# Extended tier: first response / resolution minutes per severity.
TARGETS = {"S1": (240, 2880), "S2": (480, 7200), "S3": (1440, 21600), "S4": (4320, 43200)}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _seed(path: str, now: datetime, handled: datetime) -> float:
    """Insert the issues; returns the seconds spent computing their business deadlines."""
    from bot.support import business_hours, clocks

    cal = business_hours.make(
        zone="Europe/Paris", days="mon-fri", hours="09:00-17:00", holidays="FR"
    )
    stored = json.dumps(cal.to_json())
    rnd = random.Random(14)
    rows = []
    spent = 0.0
    for n in range(1, ISSUES + 1):
        filed = now - timedelta(minutes=rnd.randrange(5, 14 * 24 * 60))
        severity = rnd.choice(list(TARGETS))
        response, resolution = TARGETS[severity]
        t = time.perf_counter()
        due = clocks.deadlines(cal, now=filed, response_min=response, resolution_min=resolution)
        spent += time.perf_counter() - t
        acked = rnd.random() < 0.6
        # Ticks before `handled` already warned and escalated what was due then
        # (first responses and resolutions alike).
        escalated = not acked and due.response_due is not None and due.response_due <= handled
        warned = due.warn_at is not None and due.warn_at <= handled
        missed = due.resolution_due is not None and due.resolution_due <= handled
        rows.append(
            (
                n,
                severity,
                "acknowledged" if acked else "open",
                _stamp(filed),
                _stamp(filed),
                _stamp(due.response_due) if due.response_due else None,
                _stamp(due.resolution_due) if due.resolution_due else None,
                # Earlier ticks already handled what was due before the weekend.
                None if acked or escalated or warned or not due.warn_at else _stamp(due.warn_at),
                _stamp(handled) if escalated else None,
                _stamp(handled) if missed else None,
                stored,
            )
        )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO support_issues (team_id, number, title, description, severity, status,"
        " is_open, reporter, triage_channel, created_at, updated_at, response_due,"
        " resolution_due, warn_at, escalated_at, resolution_escalated_at, sla_calendar)"
        " VALUES ('T1', ?, 'An issue', '', ?, ?, 1, 'U1', 'C1', ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")
    conn.close()
    return spent


def run(bench: Bench, fake_url: str) -> None:
    from sqlalchemy import select

    from bot.db import Database
    from bot.support import sla
    from bot.support.models import SupportIssue

    path = bench.workdir / "sla_tick.db"
    url = f"sqlite:///{path}"
    migrate(url, fake_url)
    monday = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)  # Mon 11:00 in Paris
    friday_close = datetime(2027, 1, 8, 16, 0, tzinfo=UTC)  # Fri 17:00 in Paris
    spent = _seed(str(path), monday, friday_close)
    bench.add(
        Row(
            f"business-hours deadlines of {ISSUES:,} issues (filing's share)",
            spent * 1000 / ISSUES,
            "ms",
            "per issue",
        )
    )
    db = Database(url, pool_size=2)
    try:
        for label, moment in (
            ("quiet Sunday", monday - timedelta(hours=20)),
            ("Monday 11:00 Paris", monday),
        ):
            with db.write() as s:  # warm up: a connection, compiled statements
                s.execute(select(SupportIssue.id).limit(1))
            t = time.perf_counter()
            with db.write() as s:
                effects = sla.check_sla(s, now=moment)
            took = (time.perf_counter() - t) * 1000
            bench.add(
                Row(
                    f"SLA tick over {ISSUES:,} open business-hours issues ({label})",
                    took,
                    "ms",
                    f"<= {TARGET_MS:.0f} ms",
                    took <= TARGET_MS,
                    note=f"{effects} warnings/escalations",
                )
            )
    finally:
        db.dispose()
