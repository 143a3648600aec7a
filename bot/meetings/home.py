"""What the App Home shows of meetings: the next meetings of the series a person belongs to.

A person belongs to a series when they chair it or are a member of its channel (as far
as the bot knows the channel's members).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from bot.meetings.models import MeetingSeries
from bot.meetings.services import active_series, schedule_of
from bot.models import ChannelMembers
from bot.timekit.recurrence import iter_occurrences


@dataclass(frozen=True)
class UpcomingMeeting:
    """The next (or current) occurrence of one series, in plain values."""

    number: int
    name: str
    channel_id: str
    start: datetime  # aware, UTC
    end: datetime
    tz: str  # the series' home zone
    chairs: tuple[str, ...]
    join_url: str | None
    agenda_url: str | None

    def under_way(self, now: datetime) -> bool:
        return self.start <= now < self.end


def series_channels(session: Session, *, team_id: str) -> list[str]:
    """The channels of the workspace's active series."""
    return list(
        session.scalars(
            select(MeetingSeries.channel_id)
            .where(MeetingSeries.team_id == team_id, MeetingSeries.cancelled_at.is_(None))
            .distinct()
        )
    )


def next_meetings(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    members_of: Callable[[str], Collection[str]],
    limit: int,
) -> tuple[list[UpcomingMeeting], int]:
    """The user's series' next occurrences (one under way counts), soonest first, and how many.

    `members_of(channel_id)` gives the channel's members as far as they are known.
    """
    found: list[UpcomingMeeting] = []
    members: dict[str, Collection[str]] = {}
    for series in active_series(session, team_id=team_id):
        if user_id not in (series.chairs or ()):
            if series.channel_id not in members:
                members[series.channel_id] = members_of(series.channel_id)
            if user_id not in members[series.channel_id]:
                continue
        length = timedelta(minutes=series.duration_minutes)
        occ = next(iter_occurrences(schedule_of(series), now - length + timedelta(seconds=1)), None)
        if occ is None:
            continue
        found.append(
            UpcomingMeeting(
                number=series.number,
                name=series.name,
                channel_id=series.channel_id,
                start=occ.start,
                end=occ.end,
                tz=series.home_tz,
                chairs=tuple(series.chairs or ()),
                join_url=series.join_url,
                agenda_url=series.agenda_url,
            )
        )
    found.sort(key=lambda m: (m.start, m.number))
    return found[:limit], len(found)


def _known_members(session: Session, team_id: str, channel_id: str) -> list[str]:
    row = session.get(ChannelMembers, (team_id, channel_id))
    return list(row.members) if row is not None else []


# What the App Home shows of a series: a change to anything else (when its next
# reminder is due) leaves it be.
_SHOWN = (
    "name",
    "channel_id",
    "home_tz",
    "dtstart",
    "rrule",
    "exdates",
    "skip_holidays",
    "duration_minutes",
    "chairs",
    "join_url",
    "agenda_url",
    "cancelled_at",
)


def home_users(session: Session, row: object) -> Iterable[str]:
    """Whose App Home shows a series: its chairs and its channel's known members,
    before and after a change."""
    if not isinstance(row, MeetingSeries):
        return ()
    state = inspect(row)
    if (
        state.persistent
        and row not in session.deleted
        and not any(state.attrs[a].history.has_changes() for a in _SHOWN)
    ):
        return ()
    users = list(row.chairs or ())
    for before in state.attrs.chairs.history.deleted:
        users.extend(before or ())
    channels = [row.channel_id, *state.attrs.channel_id.history.deleted]
    for channel_id in dict.fromkeys(c for c in channels if c):
        users.extend(_known_members(session, row.team_id, channel_id))
    return users
