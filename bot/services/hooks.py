"""Extension points between features, so that each feature stays independent.

The meetings feature declares what a meeting is (in its install); the minutes and
action-item features read it here and work without it. The minutes feature says who
chairs the meeting it runs live in a channel, for the action items' edit rule. Each
hook is a list of plain functions; for the meeting lookups the first non-None answer
wins. The running bot holds one FeatureHooks (on its Runtime), so tests and the
console each get their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class MeetingSlot:
    """One occurrence of a scheduled meeting series, in plain values."""

    series_id: int
    name: str
    channel_id: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    tz: str  # the series' home IANA zone
    chairs: tuple[str, ...] = ()
    agenda_url: str | None = None
    join_url: str | None = None


SlotLookup = Callable[[Session, str, str, datetime], MeetingSlot | None]
ReminderSection = Callable[[Session, str, str, datetime], str | None]
ChairsLookup = Callable[[Session, str, str, datetime], Iterable[str]]
# (session, row) -> whose App Home shows this row, before and after the change being
# flushed (a feature answers for its own rows, () for any other).
HomeWatcher = Callable[[Session, object], Iterable[str]]


@dataclass
class FeatureHooks:
    # (session, team_id, channel_id, now) -> the occurrence under way or about to start
    # in that channel (started, or starting within its window), if any.
    current_meeting: list[SlotLookup] = field(default_factory=list)
    # (session, team_id, channel_id, now) -> the next occurrence starting after now.
    next_meeting: list[SlotLookup] = field(default_factory=list)
    # (session, team_id, channel_id, now) -> extra mrkdwn for a meeting reminder in that
    # channel (e.g. the group's open action items), or None.
    reminder_sections: list[ReminderSection] = field(default_factory=list)
    # (session, team_id, channel_id, now) -> the chairs of a meeting a feature runs live
    # in that channel (the minutes' meeting), or nothing. Every answer counts.
    live_chairs: list[ChairsLookup] = field(default_factory=list)
    # Rows added, changed or deleted in a request -> the users whose App Home to
    # republish (bot.commands.home). Every answer counts.
    home_watchers: list[HomeWatcher] = field(default_factory=list)

    def current_slot(
        self, session: Session, team_id: str, channel_id: str, now: datetime
    ) -> MeetingSlot | None:
        return first_slot(self.current_meeting, session, team_id, channel_id, now)

    def next_slot(
        self, session: Session, team_id: str, channel_id: str, now: datetime
    ) -> MeetingSlot | None:
        return first_slot(self.next_meeting, session, team_id, channel_id, now)


def first_slot(
    hooks: list[SlotLookup], session: Session, team_id: str, channel_id: str, now: datetime
) -> MeetingSlot | None:
    for hook in hooks:
        slot = hook(session, team_id, channel_id, now)
        if slot is not None:
            return slot
    return None
