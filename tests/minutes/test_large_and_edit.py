"""Big meetings stay within Block Kit limits; chairs fix, remove and reorder items."""

from __future__ import annotations

import time

import pytest

from bot.commands.base import MessageEvent
from bot.minutes.models import MeetingItem
from tests.conftest import RunningBot
from tests.harness.rooms import Room, new_ts

KINDS = ["info", "agreed", "idea", "link", "help", "action", "accepted", "rejected", "info"]


def replay(running: RunningBot, lines: list[tuple[str, str]], channel: str = "C1") -> None:
    """Feed message events to the same dispatcher the Bolt listener calls."""
    for i, (user, text) in enumerate(lines):
        event = MessageEvent(channel_id=channel, user_id=user, text=text, ts=new_ts())
        # Said in the channel, as Slack keeps it (the bot reacts to it).
        running.fake.add_message(channel, text, user=user, ts=event.ts)
        assert running.bot.dispatcher.run_message("T1", f"EvBulk{time.time_ns()}-{i}", event)
        if i % 50 == 49:
            running.deliver()  # as the delivery thread would, during the meeting


# 1,500 lines already need several messages; the 3,000-line meeting is the slow variant.
@pytest.mark.parametrize("size", [1500, pytest.param(3000, marks=pytest.mark.slow)])
def test_a_meeting_of_thousands_of_lines_publishes_within_limits(
    running_sqlite: RunningBot, size: int
) -> None:
    # About Slack's limits rather than storage: SQLite only, to keep the suite quick.
    running, room = running_sqlite, Room(running_sqlite)
    topics = size // 30
    room.cmd("start Marathon")
    room.say("#topic Opening via HTTP")
    lines: list[tuple[str, str]] = []
    for n in range(size):
        user = ["U1", "U2", "U3"][n % 3]
        if n % 30 == 0:
            lines.append(("U1", f"#topic Topic {n // 30 + 1:03d} & <friends>"))
        elif n % 3 == 1:
            lines.append((user, f"chatter line {n}"))
        else:
            kind = KINDS[n % len(KINDS)]
            extra = "x" * (n % 250)
            owner = "<@U2|bob> " if kind == "action" else ""
            lines.append(("U1", f"#{kind} {owner}item {n} with *stars* & <tags> {extra}"))
    replay(running, lines)
    room.cmd("end")
    room.publish()
    assert running.fake.violations == []
    posted = [
        m for m in running.fake.messages("C1") if m.get("blocks") and "Minutes of" in m["text"]
    ]
    assert len(posted) > 1
    assert all(len(m["blocks"]) <= 50 for m in posted)
    assert "(1/" in posted[0]["text"] and f"({len(posted)}/{len(posted)})" in posted[-1]["text"]
    text = room.posted_text()
    positions = [text.index(f"Topic {k:03d} &amp; &lt;friends&gt;") for k in range(1, topics + 1)]
    assert positions == sorted(positions)  # every topic, in order, across the messages
    assert "<tags>" not in text and "&lt;tags&gt;" in text
    assert "<@U2> (" in text  # people present with line counts
    md = running.sender.get(f"/minutes/{room.meeting().public_id}.md").text
    assert md.count("\n### ") == topics + 1


def _open_edit(running: RunningBot, room: Room) -> dict:  # type: ignore[type-arg]
    meeting = room.meeting()
    running.sender.block_action("minutes_edit", str(meeting.id), user_id="U1", channel_id="DU1")
    running.fake.wait_for_call("views.open")
    (view,) = running.fake.views.values()
    return view


def test_edit_modal_fixes_removes_reorders(running: RunningBot, room: Room) -> None:
    room.cmd("start Edit me")
    room.say("#topic Budget")
    room.say("#agreed spend less", user="U1")
    room.say("#info tpyo", user="U2")
    room.say("#topic Travel")
    room.say("#action <@U2|bob> book flights")
    room.say("#idea remove me", user="U3")
    room.cmd("end")
    view = _open_edit(running, room)
    assert running.fake.violations == []
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    text = inputs[0]["element"]["initial_value"]
    lines = text.splitlines()
    assert [ln.split("] ", 1)[1].split(" ", 1)[0] for ln in lines] == [
        "#topic",
        "#agreed",
        "#info",
        "#topic",
        "#action",
        "#idea",
    ]
    meeting = room.meeting()

    # A problem keeps the modal open with an error and changes nothing.
    bad = running.sender.view_submission(
        "minutes_edit",
        {"edit_0": {"lines": {"type": "plain_text_input", "value": "no kind here"}}},
        private_metadata=view["private_metadata"],
    )
    assert bad.json()["response_action"] == "errors"
    assert "line 1" in bad.json()["errors"]["edit_0"]

    by_kind = {ln.split("] ", 1)[1]: ln.split("]", 1)[0] + "]" for ln in lines}
    t_budget, t_travel = by_kind["#topic Budget"], by_kind["#topic Travel"]
    new_text = "\n".join(
        [
            f"{t_travel} #topic Travel plans",
            f"{by_kind['#action book flights']} #action book cheap flights",
            f"{t_budget} #topic Budget",
            f"{by_kind['#info tpyo']} #info typo",
            f"{by_kind['#agreed spend less']} #decision spend much less",
            "#link https://example.org/budget",
        ]
    )
    ok = running.sender.view_submission(
        "minutes_edit",
        {"edit_0": {"lines": {"type": "plain_text_input", "value": new_text}}},
        private_metadata=view["private_metadata"],
    )
    assert ok.status == 200 and not ok.json()
    with running.bot.rt.db.read() as s:
        rows = (
            s.query(MeetingItem)
            .filter_by(meeting_id=meeting.id)
            .order_by(MeetingItem.position)
            .all()
        )
        assert [(r.kind, r.text) for r in rows] == [
            ("topic", "Travel plans"),
            ("action", "<@U2|bob> book flights"),
            ("topic", "Budget"),
            ("info", "typo"),
            ("agreed", "spend much less"),
            ("link", "https://example.org/budget"),
        ]
    running.deliver()
    assert "1 removed" in running.fake.messages("DU1")[-1]["text"]
    # Non-chairs cannot edit.
    denied = running.sender.view_submission(
        "minutes_edit",
        {"edit_0": {"lines": {"type": "plain_text_input", "value": ""}}},
        private_metadata=view["private_metadata"],
        user_id="U3",
    )
    assert denied.status == 200
    room.publish()
    posted = room.posted_text()
    assert posted.index("1. Travel plans") < posted.index("2. Budget")
    assert "*Action #1:* book cheap flights — <@U2>" in posted
    assert "remove me" not in posted
    assert running.fake.violations == []
