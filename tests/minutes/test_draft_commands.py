"""The draft's buttons as commands: /minutes draft, edit and publish, chairs only."""

from __future__ import annotations

from bot.minutes.models import MeetingItem
from tests.conftest import RunningBot
from tests.harness.rooms import Room, deliver_all, dm_texts


def _ended_meeting(room: Room) -> None:
    room.cmd("start Budget review")  # U1 (alice) chairs
    room.say("#topic Travel")
    room.say("#agreed fly economy")
    room.say("#info hotels are dear", user="U2")
    room.cmd("end")
    deliver_all(room.running)


def _minutes_posted(running: RunningBot) -> list[str]:
    return [m["text"] for m in running.fake.messages("C1") if "Minutes of" in m.get("text", "")]


def test_publish_by_command_is_for_chairs_and_writes_nothing_otherwise(
    running: RunningBot, room: Room
) -> None:
    _ended_meeting(room)
    denied = room.cmd("publish", user="U2")
    assert "Only a chair of *Budget review* (<@U1>) can publish the minutes" in denied
    deliver_all(running)
    meeting = room.meeting()
    assert meeting.status == "ended" and meeting.published_at is None and not meeting.html
    assert _minutes_posted(running) == [] and running.fake.uploaded_files == []

    # A live meeting cannot be published, nor minutes that do not exist.
    assert "no minutes with id 999" in room.cmd("publish 999")
    assert "Give one minutes id" in room.cmd("publish 1 2")

    done = room.cmd("publish")  # this channel's latest draft
    assert "Published the minutes of *Budget review*" in done
    assert f"/minutes/{room.meeting().public_id}.html" in done
    deliver_all(running)
    assert room.meeting().status == "published"
    assert _minutes_posted(running) == ["Minutes of Budget review"]
    assert sorted(f.filename.rsplit(".", 1)[1] for f in running.fake.uploaded_files) == [
        "html",
        "md",
    ]
    # Once only, whichever way it is asked.
    assert "already published" in room.cmd(f"publish {meeting.id}")
    assert len(_minutes_posted(running)) == 1
    assert running.fake.violations == []


def test_publish_while_live_is_refused(running: RunningBot, room: Room) -> None:
    room.cmd("start Still going")
    room.say("#topic One")
    answer = room.cmd("publish")
    assert "still live" in answer and "/minutes end" in answer
    assert room.meeting().status == "live"
    deliver_all(running)
    assert _minutes_posted(running) == []


def test_publish_in_a_direct_message_takes_the_draft_you_chair(
    running: RunningBot, room: Room
) -> None:
    _ended_meeting(room)
    # Bob chairs nothing: in his DM there is no draft of his.
    nothing = running.command("/minutes", "publish", user_id="U2", channel_id="DU2")
    assert "no minutes that you chair" in nothing.reply_text
    done = running.command("/minutes", "publish", user_id="U1", channel_id="DU1")
    assert "Published the minutes of *Budget review*" in done.reply_text
    deliver_all(running)
    assert room.meeting().status == "published"


def test_draft_shows_the_buttons_and_edit_opens_the_form_for_chairs_only(
    running: RunningBot, room: Room
) -> None:
    _ended_meeting(room)
    assert "Only a chair of *Budget review*" in room.cmd("draft", user="U2")
    shown = running.command("/minutes", "draft")
    assert "Draft minutes: Budget review" in shown.reply_text
    buttons = [
        (e["action_id"], e["value"])
        for b in shown.json()["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    meeting = room.meeting()
    assert buttons == [("minutes_edit", str(meeting.id)), ("minutes_publish", str(meeting.id))]

    refused = room.cmd("edit", user="U2")
    assert "Only a chair of *Budget review* (<@U1>) can edit the minutes" in refused
    assert running.fake.views == {}

    opened = running.command("/minutes", "edit")
    assert opened.status == 200
    running.fake.wait_for_call("views.open")
    (view,) = running.fake.views.values()
    assert view["callback_id"] == "minutes_edit"
    lines = next(b for b in view["blocks"] if b["type"] == "input")["element"]["initial_value"]
    topic, agreed, info = lines.splitlines()
    assert topic.endswith("#topic Travel") and info.endswith("#info hotels are dear")
    ok = running.sender.view_submission(
        "minutes_edit",
        {
            "edit_0": {
                "lines": {
                    "type": "plain_text_input",
                    "value": f"{topic.split()[0]} #topic Travel policy\n{agreed}",
                }
            }
        },
        private_metadata=view["private_metadata"],
    )
    assert ok.status == 200 and not ok.json()
    with running.bot.rt.db.read() as s:
        kept = s.query(MeetingItem).filter_by(meeting_id=meeting.id).order_by("position").all()
        assert [(i.kind, i.text) for i in kept] == [
            ("topic", "Travel policy"),
            ("agreed", "fly economy"),
        ]
    # The draft's Publish button does what /minutes publish does.
    running.sender.block_action("minutes_publish", str(meeting.id), user_id="U1", channel_id="DU1")
    deliver_all(running)
    assert room.meeting().status == "published"
    assert any("Published the minutes" in e["text"] for e in running.fake.ephemerals)
    assert any("Draft minutes" in t for t in dm_texts(running, "U1"))
    assert "already published" in room.cmd("edit")
    assert running.fake.violations == []
