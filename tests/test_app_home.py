"""The App Home as a personal dashboard, through the signed HTTP path and the fake Slack.

People in Paris (U1, who types the commands), Los Angeles (U2) and Tokyo (U3) open
their Home tab; what each sees is what the fake Slack's views.publish recorded.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.actions import service as actions
from bot.commands import home
from bot.models import OutboxMessage
from tests.conftest import RunningBot
from tests.harness.slackclient import _collect_text
from tests.support.conftest import load_catalog

# The suite's now is Monday 2026-11-23 12:00 UTC; the SWG meets on Tuesdays, 16:00 UTC.
SWG_NEXT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def open_home(rb: RunningBot, user: str) -> dict[str, Any]:
    """The user opens the Home tab; the tab Slack then shows them."""
    resp = rb.sender.event({"type": "app_home_opened", "user": user, "tab": "home"})
    assert resp.status == 200
    rb.deliver()
    return rb.fake.home_tabs[user]


def text_of(view: dict[str, Any]) -> str:
    parts: list[str] = []
    _collect_text(view["blocks"], parts)
    return "\n".join(parts)


def section_text(view: dict[str, Any], title: str) -> str:
    """The text between the header `title` and the next header."""
    out: list[str] = []
    inside = False
    for block in view["blocks"]:
        if block["type"] == "header":
            inside = title in block["text"]["text"]
            continue
        if inside:
            _collect_text([block], out)
    assert inside or out, f"no section {title!r} in {text_of(view)}"
    return "\n".join(out)


def publishes_for(rb: RunningBot, user: str) -> int:
    return sum(1 for c in rb.fake.calls_to("views.publish") if c.params.get("user_id") == user)


def ok(rb: RunningBot, command: str, text: str, **kw: Any) -> str:
    resp = rb.command(command, text, **kw)
    assert resp.status == 200
    reply = resp.reply_text
    assert "went wrong" not in reply and ":warning:" not in reply, reply
    return reply


@pytest.fixture
def desk(running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    """Workspace T1 with the support catalog: Whamcloud (escalation contact U2) triages
    lustre issues in #lustre-support, where U4 (Berlin) is a member."""
    running.fake.add_user("U4", tz="Europe/Berlin", name="dora")
    running.fake.add_channel("CLUSTRE", "lustre-support", members=["U4"])
    running.fake.add_channel("CF5", "f5-openstack", members=["U1"])
    running.fake.add_channel("C2", "ops", members=["U1"])
    assert load_catalog(running, monkeypatch, tmp_path) == 0
    return running


def test_each_reader_sees_their_meetings_items_and_issues_in_their_zone(desk: RunningBot) -> None:
    ok(desk, "/meeting", 'schedule "SWG" every tuesday at 16:00 UTC')
    ok(desk, "/meeting", 'schedule "Ops sync" every monday at 18:00 UTC in <#C2|ops>')
    ok(desk, "/action", "add <@U3|chie> review the draft by friday")  # typed in Paris
    ok(desk, "/action", "add <@U2|bob> book the room by 2026-11-25")
    ok(desk, "/action", "add <@U2|bob> <@U3|chie> shared notes")
    ok(desk, "/action", "add <@U1|alice> not theirs by friday")
    ok(desk, "/issue", "file S3 lustre: slow ls on big dirs", user_id="U3")
    ok(desk, "/issue", "file S2 lbaas: pool member flaps", user_id="U1")
    ok(desk, "/issue", "assign 2 <@U2|bob>")

    tokyo = open_home(desk, "U3")
    meetings = section_text(tokyo, "Your next meetings")
    epoch = int(SWG_NEXT.timestamp())
    # Slack renders the token in the reader's zone; the fallback is Tokyo's own time.
    assert f"<!date^{epoch}^{{date_short_pretty}} {{time}}|Wed 25 Nov 01:00 JST>" in meetings
    assert "SWG" in meetings and "<#C1>" in meetings
    assert "Ops sync" not in meetings  # not a member of #ops
    items = section_text(tokyo, "Your open action items")
    # Due on chie's Friday (her calendar, not the Paris writer's): a date token at
    # midday of that Friday in Tokyo, the reader's zone.
    noon = int(datetime(2026, 11, 27, 3, 0, tzinfo=UTC).timestamp())
    assert "review the draft" in items
    assert f"<!date^{noon}^{{date_short_pretty}}|2026-11-27>" in items
    assert "shared notes" in items and "no due date" in items
    assert "book the room" not in items and "not theirs" not in items
    # Soonest due first, undated last.
    assert items.index("review the draft") < items.index("shared notes")
    issues = section_text(tokyo, "Your support issues")
    assert "#1" in issues and "slow ls on big dirs" in issues and "you filed it" in issues
    # An S3 issue of the extended tier: first response within 24 h.
    assert "response due <!date^" in issues and "Tue 24 Nov 21:00 JST" in issues
    assert "pool member flaps" not in issues
    assert "Open issues of" not in text_of(tokyo)  # nobody's contact

    la = open_home(desk, "U2")
    meetings = section_text(la, "Your next meetings")
    assert f"<!date^{epoch}^" in meetings and "Tue 24 Nov 08:00 PST" in meetings
    assert "Ops sync" not in meetings
    items = section_text(la, "Your open action items")
    # Bob's own Wednesday: midday in Los Angeles.
    noon_la = int(datetime(2026, 11, 25, 20, 0, tzinfo=UTC).timestamp())
    assert "book the room" in items
    assert f"<!date^{noon_la}^{{date_short_pretty}}|2026-11-25>" in items
    assert items.index("book the room") < items.index("shared notes")
    assert "review the draft" not in items
    issues = section_text(la, "Your support issues")
    assert "pool member flaps" in issues and "assigned to you" in issues
    assert "slow ls" not in issues

    paris = open_home(desk, "U1")
    assert "Ops sync" in section_text(paris, "Your next meetings")
    assert desk.fake.violations == []


def test_a_provider_contact_sees_its_open_issues_nearest_to_a_breach(desk: RunningBot) -> None:
    ok(desk, "/issue", "file S3 lustre: slow ls", user_id="U3")  # response within 24 h
    ok(desk, "/issue", "file S1 lustre: MDS down", user_id="U3")  # within 4 h
    ok(desk, "/issue", "file S4 lustre: typo in docs", user_id="U3")  # within 72 h
    ok(desk, "/issue", "file S1 lbaas: not Whamcloud's", user_id="U3")
    ok(desk, "/issue", "file S2 lustre: closed one", user_id="U3")
    ok(desk, "/issue", "close 5 fixed", user_id="U3")

    def queue(user: str) -> list[int]:
        text = section_text(open_home(desk, user), "Open issues of Whamcloud")
        return [int(n) for n in re.findall(r"\*#(\d+)\*", text)]

    # U2 is Whamcloud's escalation contact; U4 a member of its triage channel.
    assert queue("U2") == [2, 1, 3]
    assert queue("U4") == [2, 1, 3]
    # Answered: #2's next deadline is its resolution (48 h), after #1's response (24 h).
    ok(desk, "/issue", "ack 2", user_id="U2")
    assert queue("U2") == [1, 2, 3]
    # Past #1's deadline: still first, and marked.
    desk.advance(datetime(2026, 11, 24, 13, 0, tzinfo=UTC) - desk.clock.now())
    text = section_text(open_home(desk, "U2"), "Open issues of Whamcloud")
    assert text.index("slow ls") < text.index(":rotating_light: breached")
    # U1 is in F5's triage channel only; U3 filed them all but is nobody's contact.
    paris = text_of(open_home(desk, "U1"))
    assert "Open issues of F5 OpenStack Team" in paris
    assert "Open issues of Whamcloud" not in paris
    assert "Open issues of" not in text_of(open_home(desk, "U3"))
    assert desk.fake.violations == []


def test_changes_republish_the_tabs_of_those_who_opened_them(desk: RunningBot) -> None:
    ok(desk, "/action", "add <@U2|bob> <@U1|alice> write the summary")
    before = section_text(open_home(desk, "U2"), "Your open action items")
    assert "write the summary" in before
    contact = open_home(desk, "U4")
    assert "No open issues" in section_text(contact, "Open issues of Whamcloud")
    counts = {u: publishes_for(desk, u) for u in ("U1", "U2", "U4")}
    assert counts["U1"] == 0

    ok(desk, "/action", "done 1")  # U1 closes it: both owners' tabs change
    desk.deliver()
    assert publishes_for(desk, "U2") == counts["U2"] + 1
    assert publishes_for(desk, "U1") == 0  # never opened the tab
    assert "write the summary" not in text_of(desk.fake.home_tabs["U2"])

    # Reassigned from U2 to U3: the old owner's tab loses it (U3 never opened theirs).
    ok(desk, "/action", "add <@U2|bob> order pizza", user_id="U2")
    desk.deliver()
    assert "order pizza" in text_of(desk.fake.home_tabs["U2"])
    ok(desk, "/action", "assign 2 <@U3|chie>", user_id="U2")
    desk.deliver()
    assert "order pizza" not in text_of(desk.fake.home_tabs["U2"])
    assert publishes_for(desk, "U2") == counts["U2"] + 3

    ok(desk, "/issue", "file S1 lustre: MDS down", user_id="U3")
    desk.deliver()
    # U4 sees it in the provider's queue; U3 filed it but never opened the tab.
    assert publishes_for(desk, "U4") == counts["U4"] + 1
    assert "MDS down" in section_text(desk.fake.home_tabs["U4"], "Open issues of Whamcloud")
    assert publishes_for(desk, "U3") == 0
    # A comment changes nothing the tabs show: no publish.
    ok(desk, "/issue", "comment 1 looking", user_id="U2")
    desk.deliver()
    assert publishes_for(desk, "U4") == counts["U4"] + 1
    assert desk.fake.violations == []


def test_a_waiting_publish_is_replaced_not_repeated(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    rb.sender.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    ok(rb, "/action", "add <@U2|bob> first")
    ok(rb, "/action", "add <@U2|bob> second")
    with rb.bot.rt.db.read() as s:
        rows = list(s.scalars(select(OutboxMessage).where(OutboxMessage.method == "views.publish")))
        assert len(rows) == 1 and rows[0].status == "pending"
    rb.deliver()
    assert publishes_for(rb, "U2") == 1
    items = section_text(rb.fake.home_tabs["U2"], "Your open action items")
    assert "first" in items and "second" in items


def test_a_big_channel_is_republished_partly_now_partly_by_the_job(
    running_sqlite: RunningBot,
) -> None:
    rb = running_sqlite
    people = [f"U{i:03d}X" for i in range(home.INLINE_REFRESH + 4)]
    for uid in people:
        rb.fake.add_user(uid, tz="Asia/Kolkata")
    rb.fake.add_channel("C3", "big", members=["U1", *people])
    ok(rb, "/meeting", 'schedule "Town hall" every thursday at 10:00 UTC in <#C3|big>')
    for uid in people:
        assert "Town hall" in text_of(open_home(rb, uid))
    before = {uid: publishes_for(rb, uid) for uid in people}
    ok(rb, "/meeting", 'edit "Town hall" time 11:00', channel_id="C3", channel_name="big")
    rb.deliver()
    now = [u for u in people if publishes_for(rb, u) > before[u]]
    assert len(now) == home.INLINE_REFRESH
    rb.run_jobs()
    assert all(publishes_for(rb, u) == before[u] + 1 for u in people)
    assert all("10:00 IST" not in text_of(rb.fake.home_tabs[u]) for u in people)
    assert "Thu 26 Nov 16:30 IST" in text_of(rb.fake.home_tabs[people[-1]])


def test_250_items_stay_within_slacks_view_limits(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    with rb.bot.rt.db.write() as s:
        for i in range(250):
            actions.add_item(
                s,
                team_id="T1",
                text=f"item {i} " + "x" * 1990,
                owners=["U2"],
                created_by="U1",
                now=rb.clock.now(),
            )
    view = open_home(rb, "U2")
    assert len(view["blocks"]) <= 100
    texts = [b["text"]["text"] for b in view["blocks"] if "text" in b]
    assert all(len(t) <= 3000 for t in texts)
    items = section_text(view, "Your open action items")
    shown = len(re.findall(r"\*#\d+\*", items))
    assert 0 < shown < 250 and f"… and {250 - shown} more" in items
    assert "/action list mine" in items
    assert rb.fake.violations == []
