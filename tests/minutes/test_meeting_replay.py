"""Whole meetings replayed through signed message events and slash commands."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.actions.models import ActionItem
from bot.minutes.models import Attendee, MeetingItem
from bot.services import hooks
from tests.conftest import RunningBot, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.rooms import Room, deliver_all, dm_texts


def _items(running: RunningBot, meeting_id: int) -> list[tuple[str, str]]:
    with running.bot.rt.db.read() as s:
        rows = (
            s.query(MeetingItem)
            .filter_by(meeting_id=meeting_id)
            .order_by(MeetingItem.position, MeetingItem.id)
            .all()
        )
        return [(r.kind, r.text) for r in rows]


def test_whole_meeting_is_captured_and_published(running: RunningBot, room: Room) -> None:
    # An item from before the meeting: it shows up as carried over.
    old = running.command("/action", "add <@U3|chie> update the wiki by dec 20", user_id="U3")
    assert "#1" in old.reply_text
    started = room.cmd("start Operators sync")
    assert "Operators sync" in started and "has started" in started
    assert room.meeting().chairs == ["U1"]

    room.say("hello everyone", user="U2")
    room.cmd("here AT&T", user="U1")
    room.cmd("attendee <@U2|bob> NTT")
    t1 = room.say("#topic Member joining procedure")
    room.say("#agreed new members introduce themselves at a general meeting")
    room.say("#info the procedure is on the wiki", user="U2")
    room.say(
        "#link <https://wiki.openstack.org/wiki/Procedure|procedure> for new groups", user="U2"
    )
    action_ts = room.say("#action <@U2|bob> write the welcome mail due 2026-12-04")
    room.say("just chatting here", user="U3", thread_ts=t1)
    room.say("#topic Barcelona summit")
    room.say("#idea a joint session with the telco group", user="U3")
    room.say("#help who can book a room?", user="U3")
    room.cmd("decision we meet at the design summit")
    room.cmd("action <@U1|alice> <@U3|chie> set up the etherpad", user="U2")
    room.say("#accepted the etherpad plan")
    room.say("#rejected a separate ops session")
    running.deliver()

    # Every captured line was acknowledged with a reaction after it was stored.
    assert "white_check_mark" in running.fake.reactions("C1", t1)
    assert "white_check_mark" in running.fake.reactions("C1", action_ts)

    meeting = room.meeting()
    items = _items(running, meeting.id)
    assert [k for k, _ in items] == [
        "topic",
        "agreed",
        "info",
        "link",
        "action",
        "topic",
        "idea",
        "help",
        "agreed",
        "action",
        "accepted",
        "rejected",
    ]
    with running.bot.rt.db.read() as s:
        actions = s.query(ActionItem).filter_by(team_id="T1").order_by(ActionItem.number).all()
        assert [(a.number, a.owners) for a in actions] == [
            (1, ["U3"]),
            (2, ["U2"]),
            (3, ["U1", "U3"]),
        ]
        assert actions[1].text == "write the welcome mail"
        assert str(actions[1].due_date) == "2026-12-04"
        lines = {
            a.user_id: (a.lines, a.company)
            for a in s.query(Attendee).filter_by(meeting_id=meeting.id)
        }
    assert lines["U2"] == (4, "NTT")  # hello, #info, #link, /minutes action
    assert lines["U1"][1] == "AT&T"
    assert lines["U3"][0] == 3

    ended = room.cmd("end")
    assert "has ended" in ended
    running.deliver()
    drafts = dm_texts(running, "U1")
    assert drafts and "Draft minutes" in drafts[-1]
    assert room.meeting().status == "ended"
    # Capture stopped: later lines are not recorded.
    room.say("#info too late")
    assert len(_items(running, meeting.id)) == len(items)

    published = room.publish("U1")
    assert published.status == "published"
    text = room.posted_text()
    # Topics in order, with their decisions and notes.
    assert text.index("1. Member joining procedure") < text.index("2. Barcelona summit")
    assert "*Decision:* new members introduce themselves" in text
    assert "the procedure is on the wiki" in text
    assert "*Idea:* a joint session" in text
    assert "*Help wanted:* who can book a room?" in text
    assert "*Accepted:* the etherpad plan" in text and "*Rejected:* a separate ops session" in text
    # Links show their real address; a typed label cannot hide it.
    assert "*Link:* procedure (https://wiki.openstack.org/wiki/Procedure) for new groups" in text
    # Attendees with companies, escaped.
    assert "AT&amp;T — <@U1>" in text and "NTT — <@U2>" in text
    # Action items: persistent numbers, owners, new and carried over.
    # Due dates are Slack date tokens (each reader's Slack names the day).
    assert re.search(
        r"\*#2\* write the welcome mail — <@U2> · due <!date\^\d+\^\{date_short_pretty\}"
        r"\|2026-12-04> · _new_",
        text,
    )
    assert "*#3* set up the etherpad — <@U1>, <@U3>" in text
    assert re.search(
        r"\*#1\* update the wiki — <@U3> · due <!date\^\d+\^\{date_short_pretty\}"
        r"\|2026-12-20> · _carried over_",
        text,
    )
    # People present with their line counts.
    assert "<@U2> (4)" in text and "<@U3> (3)" in text
    assert published.public_id in text  # links to the HTML and Markdown renderings
    assert running.fake.violations == []

    # Markdown and HTML were uploaded and are served at stable URLs.
    names = [f.filename for f in running.fake.uploaded_files]
    assert any(n.endswith(".md") for n in names) and any(n.endswith(".html") for n in names)
    md = running.sender.get(f"/minutes/{published.public_id}.md")
    assert md.status == 200
    assert "| AT&T | alice |" in md.text
    # Plain dates, with the owner's zone when it is not the meeting's (Paris).
    assert (
        "| 2 | write the welcome mail | @bob | 2026-12-04 (America/Los_Angeles) | new |" in md.text
    )
    assert "| 1 | update the wiki | @chie | 2026-12-20 (Asia/Tokyo) | carried over |" in md.text
    assert "### 1. Member joining procedure" in md.text
    assert "- 1.1. Decision: new members introduce themselves at a general meeting" in md.text
    html = running.sender.get(f"/minutes/{published.public_id}.html")
    assert html.status == 200 and "AT&amp;T" in html.text
    assert "script-src" not in (html.header("Content-Security-Policy") or "x")
    assert "default-src 'none'" in (html.header("Content-Security-Policy") or "")
    # The row id is not the public id: counting does not find minutes.
    assert running.sender.get(f"/minutes/{published.id}.html").status == 404

    listing = room.cmd("list")
    assert "Operators sync" in listing and published.public_id in listing
    shown = room.cmd(f"show {published.id}")
    assert "Member joining procedure" in shown
    # Another workspace cannot see it.
    other = running.command("/minutes", f"show {published.id}", team_id="T2")
    assert "no minutes" in other.reply_text.lower()
    again = running.sender.block_action(
        "minutes_publish", str(published.id), user_id="U1", channel_id="DU1"
    )
    assert again.status == 200
    running.deliver()
    assert "already published" in running.fake.ephemerals[-1]["text"]


def test_undo_edits_deletions_and_empty_lines(running: RunningBot, room: Room) -> None:
    room.cmd("start Undo test")
    room.say("#topic First")
    room.say("#info keep me", user="U2")
    room.say("#info drop me", user="U2")
    room.say("#undo", user="U2")  # their own last item
    room.say("#info chair's note")
    room.say("#undo", user="U2")  # not theirs and not a chair: refused
    edited = room.say("#info tpyo here", user="U3")
    room.edit(edited, "#info typo fixed", user="U3")
    gone = room.say("#idea delete this", user="U3")
    room.delete(gone, user="U3")
    act = room.say("#action <@U2|bob> first draft")
    room.edit(act, "#action <@U3|chie> second draft by 2026-12-10")
    room.say("#topic")  # empty: answered, not stored
    room.say("#action ")
    running.deliver()
    meeting = room.meeting()
    assert _items(running, meeting.id) == [
        ("topic", "First"),
        ("info", "keep me"),
        ("info", "chair's note"),
        ("info", "typo fixed"),
        ("action", "<@U3|chie> second draft by 2026-12-10"),
    ]
    with running.bot.rt.db.read() as s:
        (item,) = s.query(ActionItem).filter_by(team_id="T1").all()
        assert (item.owners, item.text, str(item.due_date)) == (
            ["U3"],
            "second draft",
            "2026-12-10",
        )
    notes = [e["text"] for e in running.fake.ephemerals]
    assert any("#topic needs a title" in n for n in notes)
    assert any("#action needs a task" in n for n in notes)
    assert any("Only a chair can undo" in n for n in notes)
    # Undoing an action withdraws its number, which is never reused.
    room.say("#undo")
    running.command("/action", "add follow up")
    with running.bot.rt.db.read() as s:
        numbers = {a.number: a.status for a in s.query(ActionItem).filter_by(team_id="T1")}
    assert numbers == {1: "withdrawn", 2: "open"}
    assert "no action item #1" in running.command("/action", "show 1").reply_text


def test_chair_rules(running: RunningBot, room: Room) -> None:
    assert "no live meeting" in room.cmd("topic Hello").lower()
    room.cmd("start Chairs")
    assert "already live" in room.cmd("start Again", user="U2")
    room.say("#topic Not a chair", user="U2")
    room.say("#agreed not a chair either", user="U2")
    room.say("#chair <@U2|bob>", user="U3")
    assert "Only a chair" in room.cmd("end", user="U2")
    assert "Only a chair" in room.cmd("topic nope", user="U3")
    room.say("#chair <@U2|bob>")
    room.say("#topic Now a chair", user="U2")
    room.say("#meetingname Chairs meeting", user="U2")
    room.say("#unchair <@U1|alice>", user="U2")
    running.deliver()
    meeting = room.meeting()
    assert meeting.chairs == ["U2"] and meeting.name == "Chairs meeting"
    assert _items(running, meeting.id) == [("topic", "Now a chair")]
    assert "Only a chair" in room.cmd("unchair <@U2>", user="U1")
    room.say("#endmeeting", user="U2")
    running.deliver()
    assert room.meeting().status == "ended"
    assert any("Draft minutes" in t for t in dm_texts(running, "U2"))
    # Only chairs publish.
    running.sender.block_action("minutes_publish", str(meeting.id), user_id="U3", channel_id="C1")
    running.deliver()
    assert "Only a chair" in running.fake.ephemerals[-1]["text"]
    assert room.meeting().status == "ended"


def test_attaches_to_scheduled_meeting_and_anyone_ends_after_it(
    running: RunningBot, room: Room, scheduled_slot: list[hooks.MeetingSlot]
) -> None:
    now = running.clock.now()
    scheduled_slot.append(
        hooks.MeetingSlot(
            series_id=7,
            name="LCOO weekly",
            channel_id="C1",
            start=now - timedelta(minutes=5),
            end=now + timedelta(hours=1),
            tz="America/Los_Angeles",
            chairs=("U3",),
            agenda_url="https://etherpad.example.org/p/lcoo",
        )
    )
    scheduled_slot.append(
        hooks.MeetingSlot(
            series_id=7,
            name="LCOO weekly",
            channel_id="C1",
            start=now + timedelta(days=7),
            end=now + timedelta(days=7, hours=1),
            tz="America/Los_Angeles",
        )
    )
    room.cmd("start whatever", user="U2")
    meeting = room.meeting()
    assert (meeting.name, meeting.chairs, meeting.series_id) == ("LCOO weekly", ["U2", "U3"], 7)
    room.say("#topic Agenda", user="U3")
    assert "Only a chair" in room.cmd("end", user="U1")
    running.clock.advance(timedelta(hours=1, minutes=1))
    assert "has ended" in room.cmd("end", user="U1")
    room.publish("U3")
    text = room.posted_text()
    assert "04:00–05:01 America/Los_Angeles" in text  # header in the series' zone
    assert "etherpad.example.org/p/lcoo" in text
    # Next session: a Slack date token and the time in each member's zone.
    next_start = int((now + timedelta(days=7)).timestamp())
    assert f"<!date^{next_start}^" in text
    for zone in ("Europe/Paris", "America/Los_Angeles", "Asia/Tokyo", "UTC"):
        assert zone in text
    assert "Mon 30 Nov 21:00" in text  # 12:00 UTC in Tokyo


def test_bad_input_answers(running: RunningBot, room: Room) -> None:
    assert "Start one with" in room.cmd("")
    assert "no live meeting" in room.cmd("end").lower()
    assert "no live meeting" in room.cmd("here ACME").lower()
    room.cmd("start Bad input")
    assert "needs some text" in room.cmd("info")
    assert "not a user mention" in room.cmd("attendee bob")
    assert "does not know" in room.cmd("attendee <@U404NOBODY>")
    # A past due date does not lose the item: recorded without one, and said so.
    answer = room.cmd("action <@U2> old thing due 2020-01-01")
    assert "Recorded action item #1" in answer and "without a due date" in answer
    assert "in the past" in answer
    assert "Removed" in room.cmd("undo")
    assert "nothing to undo" in room.cmd("undo")
    assert "no subcommand" in room.cmd("frobnicate")
    assert "no minutes with id 999" in room.cmd("show 999")
    assert "not a count number" in room.cmd("list lots")
    with running.bot.rt.db.read() as s:
        # Taken back with #undo: its number stays used.
        assert [a.status for a in s.query(ActionItem)] == ["withdrawn"]


def test_one_meeting_per_channel_and_workspace_isolation(running: RunningBot) -> None:
    a = Room(running, "C1", "T1")
    b = Room(running, "C1", "T2")
    a.cmd("start Team one")
    b.cmd("start Team two")  # same channel id in another workspace: separate
    a.say("#topic T1 topic")
    b.say("#topic T2 topic")
    assert _items(running, a.meeting().id) == [("topic", "T1 topic")]
    assert _items(running, b.meeting().id) == [("topic", "T2 topic")]
    assert a.meeting().id != b.meeting().id


def test_capture_survives_a_restart_mid_meeting(sqlite_url: str, fake_slack: FakeSlack) -> None:
    first = start_bot(sqlite_url, fake_slack)
    try:
        room = Room(first)
        room.cmd("start Restartable")
        acked = room.say("#topic Before the restart")
        room.say("#action <@U2|bob> survive restarts")
        # The bot dies before delivering anything, reactions included.
    finally:
        first.stop()
    second = start_bot(sqlite_url, fake_slack)
    try:
        room = Room(second)
        deliver_all(second)  # what the first process owed is delivered now
        assert "white_check_mark" in fake_slack.reactions("C1", acked)
        room.say("#info after the restart")
        room.cmd("end")
        room.publish()
        text = room.posted_text()
        assert "1. Before the restart" in text
        assert "*Action #1:* survive restarts — <@U2>" in text
        assert "after the restart" in text
    finally:
        second.stop()
