"""The bot hears the meetings it runs: it joins their channel, or says it must be invited.

Slack sends the bot the messages of channels it is in only, while a slash command
answers anywhere. So `/minutes start` in a public channel the bot was never invited to
used to answer, and then lose every `#topic`, `#agreed` and `#action` of the meeting.
Through the signed HTTP path, against a fake Slack that delivers message events only
from the channels the bot is in.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import outbox
from bot.actions.models import ActionItem
from bot.errors import UsageError, WgbotError
from bot.meetings import scheduling
from bot.meetings.models import CalendarFeed, MeetingSeries
from bot.minutes import service as minutes
from bot.minutes.models import Attendee, Meeting, MeetingItem
from bot.models import OutboxMessage
from bot.platform import Membership
from tests.conftest import RunningBot
from tests.harness.rooms import Room, deliver_all
from tests.meetings.test_http_meetings import form_values

TEAM = "T0001"
MARIA, ASHA, PEDRO, KENJI = "U024BE7LH", "W012A3CDE", "U0G9QF9C6", "U061F7AUR"
OPS, DOCS, WORLD, SECRET = "C0123ABCD", "C0456EFGH", "C0789IJKL", "G01ABCDEF"
PEOPLE = {
    MARIA: ("maria", "Europe/Madrid"),
    ASHA: ("asha", "Asia/Kolkata"),
    PEDRO: ("pedro", "America/Mexico_City"),
    KENJI: ("kenji", "Asia/Tokyo"),
}
INVITE = "`/invite @wgbot`"


def add_people(rb: RunningBot) -> None:
    for uid, (name, tz) in PEOPLE.items():
        rb.fake.add_user(uid, tz=tz, name=name, team_id=TEAM)


def count(rb: RunningBot, *models: Any) -> dict[str, int]:
    with rb.bot.rt.db.read() as s:
        return {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0) for m in models
        }


def joins(rb: RunningBot) -> list[str]:
    return [str(c.params.get("channel")) for c in rb.fake.calls_to("conversations.join")]


def test_minutes_start_joins_a_public_channel_and_hears_the_whole_meeting(
    running: RunningBot,
) -> None:
    add_people(running)
    running.fake.add_channel("C0123ABCD", "ops", is_member=False, members=list(PEOPLE))
    room = Room(running, channel=OPS, team=TEAM)

    # Before: Slack does not send the bot what is said in a channel it is not in.
    early = running.sender.message(
        "#topic said before the bot is here", user_id=MARIA, channel_id=OPS, team_id=TEAM
    )
    assert not early.delivered and early.status == 0

    started = running.command(
        "/minutes",
        "start Ops weekly",
        user_id=MARIA,
        channel_id=OPS,
        channel_name="ops",
        team_id=TEAM,
    )
    assert started.status == 200
    body = started.json()
    assert body["response_type"] == "in_channel"
    assert "*Ops weekly* has started" in started.reply_text
    assert "I joined <#C0123ABCD> so that I hear the meeting" in started.reply_text
    assert joins(running) == [OPS] and running.fake.bot_in(OPS)

    # Everything said after it is heard, from people in Madrid, Kolkata, Mexico and Tokyo.
    lines = [
        room.say("#topic Release plan", MARIA),
        room.say("#info the release candidate is tagged", ASHA),
        room.say(f"#action <@{PEDRO}> test the RC on the Mexico cluster due friday", MARIA),
        room.say("#action <@W012A3CDE> <@U061F7AUR> write the notes due friday", ASHA),
        room.say("#agreed ship on 2026-12-01", MARIA),
        room.say("good night from Tokyo", KENJI),
    ]
    deliver_all(running)
    with running.bot.rt.db.read() as s:
        meeting = s.scalars(select(Meeting).where(Meeting.channel_id == OPS)).one()
        items = s.scalars(
            select(MeetingItem)
            .where(MeetingItem.meeting_id == meeting.id)
            .order_by(MeetingItem.position)
        ).all()
        assert [(i.kind, i.text, i.user_id, i.source_ts) for i in items] == [
            ("topic", "Release plan", MARIA, lines[0]),
            ("info", "the release candidate is tagged", ASHA, lines[1]),
            ("action", f"<@{PEDRO}> test the RC on the Mexico cluster due friday", MARIA, lines[2]),
            ("action", f"<@{ASHA}> <@{KENJI}> write the notes due friday", ASHA, lines[3]),
            ("agreed", "ship on 2026-12-01", MARIA, lines[4]),
        ]
        actions = s.scalars(
            select(ActionItem).where(ActionItem.team_id == TEAM).order_by(ActionItem.number)
        ).all()
        # "friday" of each item's (first) owner's calendar, whoever wrote it.
        assert [(a.owners, a.due_date, a.due_tz) for a in actions] == [
            ([PEDRO], date(2026, 11, 27), "America/Mexico_City"),
            ([ASHA, KENJI], date(2026, 11, 27), "Asia/Kolkata"),
        ]
        present = s.scalars(select(Attendee.user_id).where(Attendee.meeting_id == meeting.id))
        assert set(present) == {MARIA, ASHA, KENJI}
    for ts in lines[:5]:
        assert running.fake.reactions(OPS, ts) == ["white_check_mark"]

    ended = room.cmd("end", MARIA)
    assert "*Ops weekly* has ended" in ended
    deliver_all(running)
    with running.bot.rt.db.read() as s:
        assert s.scalars(select(Meeting.status).where(Meeting.channel_id == OPS)).one() == "ended"
    assert any("Ops weekly" in m.get("text", "") for m in running.fake.messages(f"D{MARIA}"))
    assert joins(running) == [OPS]  # once: the bot stays in the channel


def test_a_private_channel_the_bot_is_not_in_is_refused_with_the_invite_hint(
    running: RunningBot,
) -> None:
    add_people(running)
    running.fake.add_channel(
        "G01ABCDEF", "wg-private", is_private=True, is_member=False, members=[MARIA, ASHA, PEDRO]
    )
    running.fake.add_channel(OPS, "ops", members=list(PEOPLE))  # the bot is invited here
    tables = (Meeting, MeetingItem, MeetingSeries, CalendarFeed, ActionItem, OutboxMessage)
    before = count(running, *tables)

    def in_secret(command: str, text: str, user: str = MARIA) -> Any:
        resp = running.command(
            command,
            text,
            user_id=user,
            channel_id=SECRET,
            channel_name="privategroup",
            team_id=TEAM,
        )
        assert resp.status == 200
        assert resp.json()["response_type"] == "ephemeral"
        return resp

    started = in_secret("/minutes", "start Private sync")
    assert "I am not in <#G01ABCDEF>, so I would not hear the meeting" in started.reply_text
    assert INVITE in started.reply_text and "No meeting was started" in started.reply_text

    here = in_secret("/meeting", 'schedule "Private sync" every tuesday at 16:00 UTC', ASHA)
    elsewhere = running.command(
        "/meeting",
        'schedule "Private sync" every tuesday at 16:00 Asia/Kolkata in <#G01ABCDEF|wg-private>',
        user_id=ASHA,
        channel_id=OPS,
        channel_name="ops",
        team_id=TEAM,
    )
    for refused in (here, elsewhere):
        assert refused.json()["response_type"] == "ephemeral"
        assert "I am not in <#G01ABCDEF>" in refused.reply_text
        assert INVITE in refused.reply_text and "Nothing was scheduled" in refused.reply_text
    # The form keeps the problem beside its channel field.
    form = running.sender.view_submission(
        "meeting_schedule",
        form_values(channel=SECRET),
        private_metadata=OPS,
        user_id=PEDRO,
        team_id=TEAM,
    )
    errors = form.json()["errors"]
    assert list(errors) == ["channel"] and INVITE in errors["channel"]

    # What is said there never reaches the bot, and nothing was written.
    said = running.sender.message("#topic secret", user_id=MARIA, channel_id=SECRET, team_id=TEAM)
    assert not said.delivered
    deliver_all(running)
    assert count(running, *tables) == before == dict.fromkeys(before, 0)
    assert joins(running) == []
    assert running.fake.ephemerals == [] and running.fake.messages(SECRET) == []

    # Invited, the bot starts the meeting there (and says nothing about joining).
    running.fake.invite_bot(SECRET)
    ok = running.command(
        "/minutes", "start Private sync", user_id=MARIA, channel_id=SECRET, team_id=TEAM
    )
    assert "has started" in ok.reply_text and "I joined" not in ok.reply_text
    Room(running, channel=SECRET, team=TEAM).say("#topic now heard", MARIA)
    with running.bot.rt.db.read() as s:
        assert s.scalars(select(MeetingItem.text)).all() == ["now heard"]
    assert joins(running) == []


def test_meeting_schedule_joins_a_public_channel_the_bot_is_not_in(running: RunningBot) -> None:
    add_people(running)
    running.fake.add_channel(DOCS, "wg-docs", is_member=False, members=[ASHA, MARIA, KENJI])
    running.fake.add_channel(WORLD, "wg-world", is_member=False, members=list(PEOPLE))
    running.fake.add_channel(OPS, "ops", is_member=False, members=list(PEOPLE))

    # Typed in the channel itself.
    here = running.command(
        "/meeting",
        'schedule "Docs sync" every thursday at 15:00 Asia/Kolkata for 1h',
        user_id=ASHA,
        channel_id=DOCS,
        channel_name="wg-docs",
        team_id=TEAM,
    )
    assert "Scheduled *Docs sync*" in here.reply_text, here.reply_text
    assert "I joined <#C0456EFGH> so that I can post its reminders" in here.reply_text
    # Named from another channel ("in #wg-world").
    elsewhere = running.command(
        "/meeting",
        'schedule "World sync" every tuesday at 16:00 UTC in <#C0789IJKL|wg-world>',
        user_id=MARIA,
        channel_id=DOCS,
        team_id=TEAM,
    )
    assert "Scheduled *World sync*" in elsewhere.reply_text, elsewhere.reply_text
    assert "I joined <#C0789IJKL>" in elsewhere.reply_text
    assert joins(running) == [DOCS, WORLD]

    # The form: the series' channel is joined too.
    form = running.sender.view_submission(
        "meeting_schedule",
        form_values(name="Ops form", channel=OPS),
        private_metadata=DOCS,
        user_id=PEDRO,
        team_id=TEAM,
    )
    assert form.status == 200 and not form.body.strip(), form.text  # the modal closes
    deliver_all(running)
    assert joins(running) == [DOCS, WORLD, OPS]
    [notice] = [e for e in running.fake.ephemerals if "Ops form" in e["text"]]
    assert notice["channel"] == OPS and notice["user"] == PEDRO
    assert "I joined <#C0123ABCD>" in json.dumps(notice["blocks"])

    with running.bot.rt.db.read() as s:
        rows = {r.name: r.channel_id for r in s.scalars(select(MeetingSeries))}
    assert rows == {"Docs sync": DOCS, "World sync": WORLD, "Ops form": OPS}
    assert all(running.fake.hears(c) for c in (DOCS, WORLD, OPS))


def test_the_confirm_button_makes_sure_of_the_channel_too(running: RunningBot) -> None:
    add_people(running)
    running.fake.add_channel(OPS, "ops", members=list(PEOPLE))
    running.fake.add_channel(WORLD, "wg-world", is_member=False, members=list(PEOPLE))

    def schedule(text: str) -> Any:
        return running.command(
            "/meeting", f"schedule {text}", user_id=MARIA, channel_id=OPS, team_id=TEAM
        )

    assert "Scheduled" in schedule('"Ops" every tuesday at 16:00 UTC').reply_text
    clash = schedule('"Clash" on 2026-12-01 at 16:30 UTC')
    assert "would clash" in clash.reply_text
    [button] = [b["elements"][0] for b in clash.json()["blocks"] if b.get("type") == "actions"]
    # The button carries the draft: here, moved to a channel the bot is not in.
    payload = json.loads(button["value"])
    draft = json.loads(payload["d"])
    draft["channel_id"] = WORLD
    payload["d"] = json.dumps(draft)
    clicked = running.sender.block_action(
        "meeting_confirm", json.dumps(payload), user_id=MARIA, channel_id=OPS, team_id=TEAM
    )
    assert clicked.status == 200
    deliver_all(running)
    assert joins(running) == [WORLD]
    [notice] = [e for e in running.fake.ephemerals if "Clash" in e["text"]]
    assert notice["channel"] == OPS and "I joined <#C0789IJKL>" in json.dumps(notice["blocks"])
    with running.bot.rt.db.read() as s:
        assert (
            s.scalars(select(MeetingSeries.channel_id).where(MeetingSeries.name == "Clash")).one()
            == WORLD
        )


def test_slack_unreachable_starts_nothing_and_says_so(running: RunningBot) -> None:
    add_people(running)
    running.fake.add_channel(OPS, "ops", is_member=False, members=list(PEOPLE))
    running.fake.fail("conversations.info", status=500, times=1)
    resp = running.command("/minutes", "start Ops", user_id=KENJI, channel_id=OPS, team_id=TEAM)
    assert resp.json()["response_type"] == "ephemeral"
    assert "I could not reach Slack to make sure I am in <#C0123ABCD>" in resp.reply_text
    assert count(running, Meeting) == {"minutes_meetings": 0}
    assert joins(running) == [] and not running.fake.bot_in(OPS)
    # Slack answers again: the next try joins and starts.
    again = running.command("/minutes", "start Ops", user_id=KENJI, channel_id=OPS, team_id=TEAM)
    assert "has started" in again.reply_text and "I joined <#C0123ABCD>" in again.reply_text


def test_slack_too_slow_to_answer_leaves_the_answer_its_time(running: RunningBot) -> None:
    """Asking Slack never eats the time the transaction needs: a plain answer, in time."""
    add_people(running)
    running.fake.add_channel(OPS, "ops", is_member=False, members=list(PEOPLE))
    running.fake.latency("conversations.info", 2.8)  # past Slack's own 3 s, with the rest
    started = time.monotonic()
    resp = running.command("/minutes", "start Ops", user_id=KENJI, channel_id=OPS, team_id=TEAM)
    took = time.monotonic() - started
    assert took < 3.0, took
    assert "I could not reach Slack to make sure I am in <#C0123ABCD>" in resp.reply_text
    assert "too busy" not in resp.reply_text
    assert count(running, Meeting) == {"minutes_meetings": 0}
    running.fake.latency("conversations.info", None)
    again = running.command("/minutes", "start Ops", user_id=KENJI, channel_id=OPS, team_id=TEAM)
    assert "has started" in again.reply_text


def test_a_reminder_reaches_a_channel_the_bot_was_removed_from(running: RunningBot) -> None:
    """Without chat:write.public, the outbox joins the public channel and posts again."""
    add_people(running)
    running.fake.add_channel(OPS, "ops", is_member=False, members=list(PEOPLE))
    scheduled = running.command(
        "/meeting",
        'schedule "Ops weekly" every tuesday at 16:00 UTC',
        user_id=PEDRO,
        channel_id=OPS,
        team_id=TEAM,
    )
    assert "I joined <#C0123ABCD>" in scheduled.reply_text
    running.fake.remove_bot(OPS)
    running.fake.revoke_scope("chat:write.public")
    running.run_jobs(at=datetime(2026, 11, 23, 16, 0, 30, tzinfo=UTC))  # a day before
    deliver_all(running)
    posted = [m for m in running.fake.messages(OPS) if "Ops weekly" in m["text"]]
    assert len(posted) == 1, running.fake.methods()
    assert [c.error for c in running.fake.calls_to("chat.postMessage")] == ["not_in_channel", None]
    assert joins(running) == [OPS, OPS] and running.fake.bot_in(OPS)


def test_an_unconfirmed_post_in_a_channel_the_bot_is_not_in_is_found_after_joining(
    running_sqlite: RunningBot,
) -> None:
    """Only members read a channel's history: the outbox joins before looking there."""
    rb = running_sqlite
    rb.fake.add_channel(OPS, "ops", is_member=False, members=list(PEOPLE))
    # Slack takes the message (chat:write.public) but answers too late.
    rb.fake.hang("chat.postMessage", seconds=3, times=1)
    transport = rb.bot.worker.transport
    transport._timeout = 1  # type: ignore[attr-defined]
    transport._clients.clear()  # type: ignore[attr-defined]
    with rb.bot.rt.db.write() as s:
        row = outbox.post_message(
            s, team_id=TEAM, channel=OPS, text="Reminder: Ops weekly", now=rb.clock.now()
        )
        assert row is not None
        row_id = row.id
    rb.deliver()
    rb.fake.wait_until(lambda: len(rb.fake.messages(OPS)) == 1, timeout=5)
    rb.advance(timedelta(minutes=5))
    rb.deliver()
    with rb.bot.rt.db.read() as s:
        found = s.get(OutboxMessage, row_id)
        assert found is not None and found.status == "sent"
    assert [m["text"] for m in rb.fake.messages(OPS)] == ["Reminder: Ops weekly"]
    history = rb.fake.calls_to("conversations.history")
    assert [c.error for c in history] == ["not_in_channel", None]
    assert joins(rb) == [OPS]


# -- the rules, as the services apply them to a Membership --------------------------------

PROBLEMS = {
    "private": INVITE,
    "archived": "is archived",
    "not_found": "does not know the channel",
    "unavailable": "could not reach Slack",
}


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_the_rules_refuse_a_channel_the_bot_does_not_hear(problem: str) -> None:
    # The longest channel ids Slack hands out; the form shows 150 characters.
    channel = "G01ABCDEF12"
    hearing = Membership(channel, is_member=False, problem=problem)
    with pytest.raises(WgbotError) as minutes_refused:
        minutes.require_hearing(hearing, channel_id=channel)
    with pytest.raises(UsageError) as series_refused:
        scheduling.require_hearing(hearing, channel_id=channel)
    for refused in (str(minutes_refused.value), series_refused.value.message):
        assert PROBLEMS[problem] in refused and f"<#{channel}>" in refused
    assert series_refused.value.field == "channel"
    assert len(series_refused.value.message) <= 150


def test_the_rules_let_a_member_through_and_check_the_channel() -> None:
    for hearing in (Membership(OPS, is_member=True), Membership(OPS, True, joined_now=True)):
        minutes.require_hearing(hearing, channel_id=OPS)
        scheduling.require_hearing(hearing, channel_id=OPS)
    with pytest.raises(ValueError, match="given for"):
        minutes.require_hearing(Membership(DOCS, is_member=True), channel_id=OPS)
    with pytest.raises(ValueError, match="given for"):
        scheduling.require_hearing(Membership(DOCS, is_member=True), channel_id=OPS)
