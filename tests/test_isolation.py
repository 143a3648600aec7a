"""Workspace isolation across every feature: from workspace A nothing of workspace B
can be read or changed, by command, button, modal, calendar token or minutes URL."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.actions.models import ActionItem
from bot.meetings.models import MeetingSeries
from bot.minutes.models import Meeting
from bot.support.models import SupportIssue
from tests.conftest import RunningBot

B = "T2"
SECRET_WORDS = "zebra-confidential"


def seed_workspace_b(rb: RunningBot) -> dict[str, str]:
    """Data in workspace B, made through its own slash commands."""

    def b(command: str, text: str, **kw: str) -> str:
        resp = rb.command(command, text, team_id=B, user_id="UADMIN", **kw)
        assert resp.status == 200
        return resp.reply_text

    # B's support channel exists (in B), so the new issue's notice is delivered there.
    rb.fake.add_channel("CB1", "b-support", members=["UADMIN"])
    b(
        "/support",
        f'add provider "{SECRET_WORDS} Inc" role="product team" collaboration=integrated channel=<#CB1|b-support>',
    )
    b("/support", f'add product "{SECRET_WORDS} FS" aliases=zfs')
    b("/support", f'assign "{SECRET_WORDS} FS" "{SECRET_WORDS} Inc" premium L3')
    assert "#1" in b("/issue", f"file S1 zfs: {SECRET_WORDS} outage")
    assert "Scheduled" in b(
        "/meeting", f'schedule "{SECRET_WORDS} sync" every tuesday at 16:00 UTC'
    )
    assert "#1" in b("/action", f"add <@U2> {SECRET_WORDS} task")
    b("/minutes", f"start {SECRET_WORDS} meeting")
    rb.sender.message(f"#topic {SECRET_WORDS} topic", user_id="UADMIN", team_id=B)
    b("/minutes", "end")
    rb.deliver()
    with rb.bot.rt.db.read() as s:
        meeting = s.scalars(select(Meeting).where(Meeting.team_id == B)).one()
        return {"meeting_id": str(meeting.id), "public_id": meeting.public_id}


def test_nothing_of_workspace_b_is_visible_or_changeable_from_a(running: RunningBot) -> None:
    ids = seed_workspace_b(running)
    rb = running

    def a(command: str, text: str) -> str:
        resp = rb.command(command, text, team_id="T1", user_id="UADMIN")
        assert resp.status == 200
        return resp.reply_text

    answers = [
        a("/support", "lookup zfs"),
        a("/support", "providers"),
        a("/support", "products"),
        a("/support", "metrics all"),
        a("/issue", "list all"),
        a("/issue", "show 1"),
        a("/issue", "ack 1"),
        a("/issue", "comment 1 hello"),
        a("/issue", "close 1 done"),
        a("/meeting", "list all"),
        a("/meeting", "next 1"),
        a("/meeting", "cancel 1"),
        a("/meeting", "skip 1 2026-12-01"),
        a("/action", "list all"),
        a("/action", "show 1"),
        a("/action", "done 1"),
        a("/action", "assign 1 <@U3>"),
        a("/minutes", "list 50"),
        a("/minutes", f"show {ids['meeting_id']}"),
        a("/minutes", f"show {ids['public_id']}"),
    ]
    for text in answers:
        assert SECRET_WORDS not in text, text
    # Asking for B's things by name finds nothing (the answer only echoes the question).
    assert "did you mean" not in a("/support", f"{SECRET_WORDS} FS").lower().replace(
        SECRET_WORDS, ""
    )
    assert "no meeting series" in a("/meeting", f'next "{SECRET_WORDS} sync"')
    # Buttons and modals carrying B's numbers or ids, clicked from A.
    for action_id, value in [
        ("issue_ack", "1"),
        ("issue_close", "1"),
        ("issue_reopen", "1"),
        ("minutes_publish", ids["meeting_id"]),
        ("minutes_edit", ids["meeting_id"]),
    ]:
        assert (
            rb.sender.block_action(action_id, value, user_id="UADMIN", team_id="T1").status == 200
        )
    rb.deliver()
    for eph in rb.fake.ephemerals:
        assert SECRET_WORDS not in str(eph)
    # Nothing of B changed.
    with rb.bot.rt.db.read() as s:
        issue = s.scalars(select(SupportIssue).where(SupportIssue.team_id == B)).one()
        assert issue.status == "open" and issue.first_response_at is None
        assert (
            s.scalars(select(MeetingSeries).where(MeetingSeries.team_id == B)).one().cancelled_at
            is None
        )
        assert s.scalars(select(ActionItem).where(ActionItem.team_id == B)).one().status == "open"
        assert s.scalars(select(Meeting).where(Meeting.team_id == B)).one().status != "published"
        # Nothing was created in A as a side effect.
        assert s.scalars(select(SupportIssue).where(SupportIssue.team_id == "T1")).first() is None


def test_calendar_feed_and_minutes_urls_belong_to_one_workspace(running: RunningBot) -> None:
    seed_workspace_b(running)
    running.command(
        "/meeting", 'schedule "A sync" every monday at 10:00 UTC', team_id="T1", user_id="U1"
    )
    listed = running.command("/meeting", "list", team_id="T1", user_id="U1").reply_text
    feed = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", listed)
    assert feed, listed
    body = running.sender.get(f"/calendar/{feed.group(1)}.ics").text
    assert "A sync" in body and SECRET_WORDS not in body
    # Row ids and counters are not minutes addresses.
    for guess in ("1", "2", "3"):
        assert running.sender.get(f"/minutes/{guess}.html").status == 404
        assert running.sender.get(f"/minutes/{guess}.md").status == 404
    assert running.sender.get("/calendar/not-a-token.ics").status == 404
