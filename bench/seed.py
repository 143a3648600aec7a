"""Data for the feature benchmarks: 100,000 issues, and a 2,000-line meeting."""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from bench.load import signed_command


def seed_issues(db_url: str, n: int) -> None:
    """n issues in workspace T1 with a catalog of a few products (bulk, not via Slack)."""
    from bot.db import Database
    from bot.models import Counter, Workspace
    from bot.support.models import SupportIssue

    db = Database(db_url)
    now = datetime.now(UTC)
    with db.write() as s:
        if s.get(Workspace, "T1") is None:
            s.add(Workspace(team_id="T1", name="bench", created_at=now))
        rows = []
        for i in range(1, n + 1):
            opened = now - timedelta(minutes=n - i)
            closed = i % 3 == 0
            rows.append(
                {
                    "team_id": "T1",
                    "number": i,
                    "title": f"bench issue {i}",
                    "description": "",
                    "severity": f"S{i % 4 + 1}",
                    "status": "closed" if closed else "open",
                    "is_open": not closed,
                    "reporter": f"U{i % 4 + 1}",
                    "triage_channel": "C1",
                    "created_at": opened,
                    "updated_at": opened,
                    "closed_at": opened + timedelta(hours=1) if closed else None,
                }
            )
            if len(rows) == 5000:
                s.execute(insert(SupportIssue), rows)
                rows = []
        if rows:
            s.execute(insert(SupportIssue), rows)
        counter = s.get(Counter, ("T1", "issue"))
        if counter is None:
            s.add(Counter(team_id="T1", name="issue", value=n))
        else:
            counter.value = n
    db.dispose()


def _post(port: int, body: bytes, headers: dict[str, str]) -> tuple[float, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t0 = time.perf_counter()
    conn.request("POST", "/slack/events", body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    ms = (time.perf_counter() - t0) * 1000
    conn.close()
    return ms, data


def _signed(body: bytes, content_type: str) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(b"bench-secret", f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


@dataclass(frozen=True)
class Published:
    ms: float  # the Publish click, answered (minutes, log page and Slack messages stored)
    public_id: str
    lines: int  # lines said in the channel during the meeting


def publish_minutes_ms(port: int, lines: int = 2000, db_url: str | None = None) -> Published:
    """Hold a 2,000-line meeting over signed HTTP, then time the Publish click."""
    import json

    body, headers = signed_command(
        "bench-secret", "/minutes", "start bench meeting", user="U1", channel="CMIN"
    )
    _post(port, body, headers)
    kinds = [
        "#topic",
        "#info",
        "#agreed",
        "#idea",
        "#link https://example.org",
        "#action <@U2>",
        "",
        "",
    ]
    for i in range(lines):
        prefix = kinds[i % len(kinds)] if i % 20 != 0 else "#topic"
        text = f"{prefix} line {i} of the meeting".strip()
        event = {
            "token": "x",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"EvBench{i}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel": "CMIN",
                "user": ["U1", "U2", "U3"][i % 3],
                "text": text,
                "ts": f"{1700000000 + i}.000100",
            },
        }
        raw = json.dumps(event).encode()
        _post(port, raw, _signed(raw, "application/json"))
    body, headers = signed_command("bench-secret", "/minutes", "end", user="U1", channel="CMIN")
    _post(port, body, headers)
    meeting_id, public_id = _latest_meeting(port)
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "1.2.3",
        "channel": {"id": "DU1"},
        "container": {"type": "message", "channel_id": "DU1", "message_ts": "1.1"},
        "actions": [
            {"type": "button", "action_id": "minutes_publish", "value": meeting_id, "block_id": "b"}
        ],
    }
    raw = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    ms, _ = _post(port, raw, _signed(raw, "application/x-www-form-urlencoded"))
    return Published(ms, public_id, lines)


def _latest_meeting(port: int) -> tuple[str, str]:
    import os

    from bot.db import Database
    from bot.minutes.models import Meeting

    db = Database(os.environ["WGBOT_BENCH_DB"])
    try:
        with db.read() as s:
            meeting = s.query(Meeting).order_by(Meeting.id.desc()).first()
            assert meeting is not None
            return str(meeting.id), meeting.public_id
    finally:
        db.dispose()
