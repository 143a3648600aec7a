"""The people of a provider's week, for the desk tests: each in their own zone.

Whamcloud (lustre) answers from #lustre-support (CLUSTRE): its escalation contact is
in Los Angeles, a triage channel member in Berlin. The reporter files from Tokyo; a
bystander in São Paulo is in #general only; a workspace admin works from Sydney.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.support.models import SupportIssue, SupportIssueEvent
from tests.conftest import RunningBot
from tests.harness.slackclient import _collect_text
from tests.support.conftest import CATALOG, load_catalog

REPORTER = "U0TOKYO01"  # Asia/Tokyo
CONTACT = "U0LAX0001"  # America/Los_Angeles: Whamcloud's escalation contact
TRIAGER = "U0BERLIN1"  # Europe/Berlin: a member of #lustre-support
BYSTANDER = "U0SAOPAU1"  # America/Sao_Paulo: in #general only
WS_ADMIN = "U0SYDADM1"  # Australia/Sydney: a workspace admin, nobody's contact
TRIAGE = "CLUSTRE"
GENERAL = "C1"


def seat_people(rb: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    """The people, their channels, and the catalog with Whamcloud's contact in LA."""
    fake = rb.fake
    fake.add_user(REPORTER, tz="Asia/Tokyo", name="kenji")
    fake.add_user(CONTACT, tz="America/Los_Angeles", name="lena")
    fake.add_user(TRIAGER, tz="Europe/Berlin", name="jonas")
    fake.add_user(BYSTANDER, tz="America/Sao_Paulo", name="ana")
    fake.add_user(WS_ADMIN, tz="Australia/Sydney", name="mia", is_admin=True)
    everyone = [REPORTER, CONTACT, TRIAGER, BYSTANDER, WS_ADMIN]
    fake.add_channel(GENERAL, "general", members=["U1", "U2", "U3", "UADMIN", *everyone])
    fake.add_channel(TRIAGE, "lustre-support", members=[TRIAGER])
    fake.add_channel("CF5", "f5-openstack", members=["U3"])
    catalog = CATALOG.replace("escalation: [U2]", f"escalation: [{CONTACT}]")
    assert load_catalog(rb, monkeypatch, tmp_path, text=catalog) == 0
    return rb


def say(rb: RunningBot, user: str, args: str, channel: str = GENERAL) -> str:
    """`/issue ARGS` as `user`; the ephemeral answer's text."""
    resp = rb.command("/issue", args, user_id=user, channel_id=channel)
    assert resp.status == 200
    assert resp.json()["response_type"] == "ephemeral"
    return resp.reply_text


def shown(rb: RunningBot, user: str, args: str, channel: str = GENERAL) -> str:
    """`/issue ARGS` as `user`: the text of the answer's blocks, as Slack shows it."""
    resp = rb.command("/issue", args, user_id=user, channel_id=channel)
    assert resp.status == 200
    data = resp.json()
    assert data["response_type"] == "ephemeral" and data.get("blocks"), data
    parts: list[str] = []
    _collect_text(data["blocks"], parts)
    return "\n".join(parts)


def issue_row(rb: RunningBot, number: int) -> dict[str, Any]:
    """An issue's stored state, as plain values."""
    with rb.bot.rt.db.read() as s:
        issue = s.scalars(select(SupportIssue).where(SupportIssue.number == number)).one()
        return {
            "status": issue.status,
            "assignee": issue.assignee,
            "first_response_at": issue.first_response_at,
            "closed_at": issue.closed_at,
            "response_due": issue.response_due,
            "resolution": issue.resolution,
        }


def events(rb: RunningBot, number: int) -> list[tuple[str | None, str, str]]:
    """An issue's history as (actor, kind, text), oldest first."""
    with rb.bot.rt.db.read() as s:
        issue = s.scalars(select(SupportIssue).where(SupportIssue.number == number)).one()
        rows = s.scalars(
            select(SupportIssueEvent)
            .where(SupportIssueEvent.issue_id == issue.id)
            .order_by(SupportIssueEvent.id)
        )
        return [(e.actor, e.kind, e.text) for e in rows]
