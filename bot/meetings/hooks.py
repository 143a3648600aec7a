"""The meetings side of bot.services.hooks: what is on now, and what is next, per channel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.meetings.models import MeetingSeries
from bot.meetings.services import active_series, next_occurrence, schedule_of
from bot.services.hooks import MeetingSlot
from bot.timekit.recurrence import Occurrence, occurrences

SOON = timedelta(minutes=30)


def _slot(series: MeetingSeries, occ: Occurrence) -> MeetingSlot:
    return MeetingSlot(
        series_id=series.id,
        name=series.name,
        channel_id=series.channel_id,
        start=occ.start,
        end=occ.end,
        tz=series.home_tz,
        chairs=tuple(series.chairs or ()),
        agenda_url=series.agenda_url,
        join_url=series.join_url,
    )


def current_meeting(
    session: Session, team_id: str, channel_id: str, now: datetime
) -> MeetingSlot | None:
    """The occurrence under way in the channel, or starting within 30 minutes."""
    best: tuple[Occurrence, MeetingSeries] | None = None
    for series in active_series(session, team_id=team_id, channel_id=channel_id):
        length = timedelta(minutes=series.duration_minutes)
        for occ in occurrences(schedule_of(series), after=now - length, before=now + SOON):
            if occ.end > now and (best is None or occ.start < best[0].start):
                best = (occ, series)
    return _slot(best[1], best[0]) if best else None


def next_meeting(
    session: Session, team_id: str, channel_id: str, now: datetime
) -> MeetingSlot | None:
    """The next occurrence in the channel starting after now."""
    best: tuple[Occurrence, MeetingSeries] | None = None
    for series in active_series(session, team_id=team_id, channel_id=channel_id):
        occ = next_occurrence(series, after=now + timedelta(microseconds=1))
        if occ is not None and (best is None or occ.start < best[0].start):
            best = (occ, series)
    return _slot(best[1], best[0]) if best else None
