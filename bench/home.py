"""App Home benchmark: the tab of a member with 200 items, built and queued over signed HTTP.

The member (U1) has 120 open action items, 40 open issues filed or assigned, 30 in the
queue of a provider they are the escalation contact of, and 10 meeting series in their
channel; the workspace around them holds thousands more. An app_home_opened event is
answered once the tab is built and queued in the outbox (process_before_response), so
the round trip over loopback is the server-side time.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.harness import SECRET, Bench, Row, migrate, start_bot, stop

USER = "U1"
OTHERS = ["U2", "U3", "U4"]


def seed_home(db_url: str) -> int:
    """The member's 200 items, and others' around them; returns the member's count."""
    from bot.actions.models import ActionItem
    from bot.db import Database
    from bot.meetings.models import MeetingSeries
    from bot.models import Counter, Workspace
    from bot.support.models import SupportIssue, SupportProduct, SupportProvider

    db = Database(db_url)
    now = datetime.now(UTC)
    mine = 0
    with db.write() as s:
        if s.get(Workspace, "T1") is None:
            s.add(Workspace(team_id="T1", name="bench", created_at=now))
        items = []
        for i in range(1, 2001):
            owner = USER if i <= 120 else OTHERS[i % 3]
            mine += owner == USER
            due = date.today() + timedelta(days=i % 30) if i % 4 else None
            items.append(
                {
                    "team_id": "T1",
                    "number": i,
                    "text": f"bench action item {i} <@{owner}>",
                    "owners": [owner],
                    "created_by": OTHERS[0],
                    "channel_id": "C1",
                    "due_date": due,
                    "due_tz": "Europe/Paris" if due else None,
                    "due_at": datetime.combine(due, datetime.min.time(), UTC) if due else None,
                    "status": "open",
                    "created_at": now,
                }
            )
        s.execute(insert(ActionItem), items)
        s.add(Counter(team_id="T1", name="action_item", value=len(items)))
        product = SupportProduct(team_id="T1", name="Bench product", key="bench product")
        contact = SupportProvider(
            team_id="T1", name="Bench provider", key="bench provider", escalation=[USER]
        )
        other = SupportProvider(team_id="T1", name="Other provider", key="other provider")
        s.add_all([product, contact, other])
        s.flush()
        issues = []
        for i in range(1, 5001):
            filed_by_me = i <= 25
            assigned_to_me = 25 < i <= 40
            queued = 40 < i <= 70
            mine += filed_by_me or assigned_to_me or queued
            issues.append(
                {
                    "team_id": "T1",
                    "number": i,
                    "title": f"bench issue {i}",
                    "description": "",
                    "severity": f"S{i % 4 + 1}",
                    "status": "open",
                    "is_open": True,
                    "product_id": product.id,
                    "provider_id": contact.id if queued else other.id,
                    "tier": "extended",
                    "reporter": USER if filed_by_me else OTHERS[i % 3],
                    "assignee": USER if assigned_to_me else None,
                    "triage_channel": "C1",
                    "created_at": now,
                    "updated_at": now,
                    "response_due": now + timedelta(hours=i % 72),
                    "resolution_due": now + timedelta(hours=100 + i % 300),
                }
            )
        s.execute(insert(SupportIssue), issues)
        s.add(Counter(team_id="T1", name="support_issue", value=len(issues)))
        for i in range(1, 11):
            start = now.replace(hour=i + 6, minute=0, second=0, microsecond=0)
            s.add(
                MeetingSeries(
                    team_id="T1",
                    number=i,
                    name=f"bench meeting {i}",
                    channel_id="C1",
                    home_tz="Europe/Paris",
                    dtstart=start,
                    rrule="RRULE:FREQ=WEEKLY;WKST=MO",
                    exdates=[],
                    duration_minutes=60,
                    chairs=[],
                    reminder_offsets=[],
                    created_at=now,
                    reminders_from=now,
                )
            )
            mine += 1
    db.dispose()
    return mine


def _event(user: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"EvHome{time.perf_counter_ns()}",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "tab": "home"},
        }
    ).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }
    return body, headers


def open_home_ms(port: int, user: str = USER) -> float:
    body, headers = _event(user)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t0 = time.perf_counter()
    conn.request("POST", "/slack/events", body=body, headers=headers)
    resp = conn.getresponse()
    resp.read()
    ms = (time.perf_counter() - t0) * 1000
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"app_home_opened answered {resp.status}")
    return ms


def run(bench: Bench, fake: Any, runs: int = 30) -> None:
    db_url = f"sqlite:///{bench.workdir / 'home.db'}"
    migrate(db_url, fake.url)
    items = seed_home(db_url)
    proc, port, _ = start_bot(db_url, fake.url)
    try:
        # Warm up: the member's zone and the channel's members are asked of Slack once.
        for _ in range(3):
            open_home_ms(port)
        ms = statistics.median(open_home_ms(port) for _ in range(runs))
        bench.add(
            Row(f"App Home for a user with {items} items (HTTP)", ms, "ms", "<= 50", ms <= 50)
        )
    finally:
        stop(proc)
