"""The people meetings are for: their zones and working hours, and fair slots for them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.errors import UsageError
from bot.meetings.grammar import SUGGEST_USAGE, SuggestRequest
from bot.models import SlackUser
from bot.timekit.slots import (
    DEFAULT_END,
    DEFAULT_START,
    LocalView,
    Participant,
    Slot,
    Suggestion,
    rank,
)
from bot.timekit.zones import zone_label

MAX_PEOPLE = 200


@dataclass(frozen=True)
class Participants:
    """People ready for `rank`, and those whose zone Slack does not tell (read as UTC)."""

    people: list[Participant]
    unknown: list[str]


def participants(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    user_ids: Iterable[str],
    channel_ids: Iterable[str],
    limit: int = MAX_PEOPLE,
) -> Participants:
    """The named people and the channels' members, without bots; zones and hours defaulted."""
    named = list(user_ids)
    channels = list(channel_ids)
    # The named people and the channels' member lists are asked of Slack (at once)
    # before the transaction; the members themselves are not waited for: who is not
    # known yet counts as "zone unknown" and is learned in the background.
    directory.ask_first(session, team_id, users=named, channels=channels)
    users = list(named)
    for channel_id in channels:
        users.extend(directory.channel_members(session, team_id, channel_id))
    everyone = list(dict.fromkeys(users))[:limit]
    infos = directory.users(session, team_id, everyone, wait=False)
    people: list[Participant] = []
    unknown: list[str] = []
    for uid in everyone:
        info = infos.get(uid)
        if info is None or info.is_bot:
            continue
        if not info.tz:
            unknown.append(uid)
        people.append(
            Participant(
                uid,
                info.tz or "UTC",
                info.work_start if info.work_start is not None else DEFAULT_START,
                info.work_end if info.work_end is not None else DEFAULT_END,
            )
        )
    return Participants(people, unknown)


def suggest_slots(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    here: str,
    request: SuggestRequest,
    now: datetime,
) -> Suggestion:
    """Fair slots for the people asked about (nobody named: this channel's members)."""
    channels = request.channels or (() if request.users else (here,))
    found = participants(
        session, directory=directory, team_id=team_id, user_ids=request.users, channel_ids=channels
    )
    if not found.people:
        raise UsageError("I found nobody to meet (no people in those channels).", SUGGEST_USAGE)
    return rank(found.people, now=now, duration=request.duration, days=request.days)


@dataclass(frozen=True)
class WorkingHours:
    """A user's working days' hours, in minutes after local midnight, and their zone."""

    start: int
    end: int
    tz: str


def working_hours(
    session: Session, *, directory: Directory, team_id: str, user_id: str
) -> WorkingHours:
    """The user's working hours (08:00-18:00 unless they set theirs) and time zone."""
    info = directory.user(session, team_id, user_id)
    # The row, not the directory's copy: another process may have just changed it.
    row = session.get(SlackUser, (team_id, user_id))
    return WorkingHours(
        row.work_start if row is not None and row.work_start is not None else DEFAULT_START,
        row.work_end if row is not None and row.work_end is not None else DEFAULT_END,
        (info.tz if info else None) or "UTC",
    )


def set_working_hours(
    session: Session, *, directory: Directory, team_id: str, user_id: str, start: int, end: int
) -> WorkingHours:
    """Store the user's working hours for slot suggestions."""
    info = directory.user(session, team_id, user_id)
    directory.set_work_hours(session, team_id, user_id, start=start, end=end)
    return WorkingHours(start, end, (info.tz if info else None) or "UTC")


def gap_text(minutes: int) -> str:
    """``1 h 30``, ``2 h``, ``45 min``: how far outside someone's hours a meeting is."""
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} h {m:02d}"
    return f"{h} h" if h else f"{m} min"


def why_outside(view: LocalView) -> str:
    """Why a slot is outside someone's hours, in words: ``1 h 30 before the working day``."""
    parts: list[str] = []
    if view.outside:
        where = (
            "before the working day starts"
            if view.side == "early"
            else "after the working day ends"
        )
        parts.append(f"{gap_text(view.outside)} {where}")
    if view.weekend:
        parts.append("on a day off")
    return ", ".join(parts)


@dataclass(frozen=True)
class Outside:
    """One participant outside their hours in a slot, for the answer."""

    user_id: str
    place: str
    local: str  # their wall clock, with the weekday when it differs from the slot's UTC day
    why: str
    score: int


def outside_of(slot: Slot) -> list[Outside]:
    """Who a slot is outside working hours for, the worst-off first."""
    out: list[Outside] = []
    for v in slot.views:
        if v.inside:
            continue
        day = f"{v.local:%a} " if v.local.date() != slot.start.date() else ""
        out.append(
            Outside(
                v.participant.id,
                zone_label(v.participant.tz),
                f"{day}{v.local:%H:%M}",
                why_outside(v),
                v.score,
            )
        )
    return sorted(out, key=lambda o: (-o.score, o.place, o.user_id))
