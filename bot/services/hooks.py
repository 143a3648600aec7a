"""Extension points between features, so that each feature stays independent.

The meetings feature registers what a meeting is; the minutes and action-item
features read it here (and work without it). Each hook is a list of plain
functions; the first non-None answer wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

# (session, team_id, channel_id, now) -> the occurrence under way or about to start
# in that channel (started, or starting within its window), if any.
CURRENT_MEETING: list[SlotLookup] = []
# (session, team_id, channel_id, now) -> the next occurrence starting after now.
NEXT_MEETING: list[SlotLookup] = []
# (session, team_id, channel_id, now) -> extra mrkdwn for a meeting reminder in that
# channel (e.g. the group's open action items), or None.
REMINDER_SECTIONS: list[ReminderSection] = []


def first_slot(
    hooks: list[SlotLookup], session: Session, team_id: str, channel_id: str, now: datetime
) -> MeetingSlot | None:
    for hook in hooks:
        slot = hook(session, team_id, channel_id, now)
        if slot is not None:
            return slot
    return None
