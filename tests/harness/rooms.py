"""Helpers to replay meetings through the signed HTTP path."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from bot.minutes.models import Meeting
from bot.services import hooks
from tests.conftest import RunningBot

_ts = itertools.count(1)


def new_ts() -> str:
    return f"1790000000.{next(_ts):06d}"


class Room:
    """A channel where people talk to the running bot."""

    def __init__(self, running: RunningBot, channel: str = "C1", team: str = "T1") -> None:
        self.running = running
        self.channel = channel
        self.team = team

    def say(self, text: str, user: str = "U1", *, thread_ts: str | None = None) -> str:
        ts = new_ts()
        resp = self.running.sender.message(
            text,
            user_id=user,
            channel_id=self.channel,
            ts=ts,
            thread_ts=thread_ts,
            team_id=self.team,
        )
        assert resp.status == 200
        return ts

    def edit(self, ts: str, text: str, user: str = "U1") -> None:
        resp = self.running.sender.event(
            {
                "type": "message",
                "subtype": "message_changed",
                "channel": self.channel,
                "hidden": True,
                "ts": new_ts(),
                "message": {"type": "message", "user": user, "text": text, "ts": ts},
                "previous_message": {"type": "message", "user": user, "text": "", "ts": ts},
            },
            team_id=self.team,
        )
        assert resp.status == 200

    def delete(self, ts: str, user: str = "U1") -> None:
        resp = self.running.sender.event(
            {
                "type": "message",
                "subtype": "message_deleted",
                "channel": self.channel,
                "hidden": True,
                "ts": new_ts(),
                "deleted_ts": ts,
                "previous_message": {"type": "message", "user": user, "text": "x", "ts": ts},
            },
            team_id=self.team,
        )
        assert resp.status == 200

    def cmd(self, text: str, user: str = "U1", command: str = "/minutes") -> str:
        resp = self.running.command(
            command, text, user_id=user, channel_id=self.channel, team_id=self.team
        )
        assert resp.status == 200
        return resp.reply_text

    def meeting(self) -> Meeting:
        with self.running.bot.rt.db.read() as s:
            row = (
                s.query(Meeting)
                .filter_by(team_id=self.team, channel_id=self.channel)
                .order_by(Meeting.id.desc())
                .first()
            )
            assert row is not None
            return row

    def publish(self, user: str = "U1") -> Meeting:
        meeting = self.meeting()
        resp = self.running.sender.block_action(
            "minutes_publish",
            str(meeting.id),
            user_id=user,
            channel_id=f"D{user}",
            team_id=self.team,
        )
        assert resp.status == 200
        deliver_all(self.running)
        return self.meeting()

    def posted_text(self) -> str:
        """Everything the bot posted in the channel, blocks included, in order."""
        out: list[str] = []
        for m in self.running.fake.messages(self.channel):
            if m.get("bot_id"):
                out.append(m.get("text", ""))
                out.extend(_block_texts(m.get("blocks") or []))
        return "\n".join(out)


def deliver_all(running: RunningBot) -> None:
    """Deliver until the outbox is empty (one drain sends ~100 rows per channel)."""
    while running.deliver():
        pass


def _block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if "text" in b and isinstance(b["text"], dict):
            out.append(b["text"].get("text", ""))
        for e in b.get("elements", []) or []:
            if isinstance(e, dict) and isinstance(e.get("text"), str):
                out.append(e["text"])
        for f in b.get("fields", []) or []:
            out.append(f.get("text", ""))
    return out


def dm_texts(running: RunningBot, user: str) -> list[str]:
    return [
        "\n".join([m.get("text", ""), *_block_texts(m.get("blocks") or [])])
        for m in running.fake.messages(f"D{user}")
    ]


@pytest.fixture
def room(running: RunningBot) -> Room:
    return Room(running)


@pytest.fixture
def room_sqlite(running_sqlite: RunningBot) -> Room:
    return Room(running_sqlite)


@pytest.fixture
def scheduled_slot(running: RunningBot) -> Iterator[list[hooks.MeetingSlot]]:
    """Plays the meetings feature: slots appended here are what the hooks answer."""
    slots: list[hooks.MeetingSlot] = []

    def current(_s: Any, team: str, channel: str, now: Any) -> hooks.MeetingSlot | None:
        return next((x for x in slots if x.channel_id == channel and x.start <= now < x.end), None)

    def upcoming(_s: Any, team: str, channel: str, now: Any) -> hooks.MeetingSlot | None:
        later = [x for x in slots if x.channel_id == channel and x.start > now]
        return min(later, key=lambda x: x.start) if later else None

    # Ahead of the meetings feature's own lookups, on this bot only.
    running.bot.rt.hooks.current_meeting.insert(0, current)
    running.bot.rt.hooks.next_meeting.insert(0, upcoming)
    yield slots
