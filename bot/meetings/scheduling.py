"""Changing meeting series: who may, in which channel, and saving after the clash check.

A series lives in a channel the bot is in: it posts the reminders there and, when a
meeting starts, hears it (Slack sends the bot only the messages of channels it is in).
Scheduling takes the bot's membership of that channel, made sure of before (a public
channel is joined), and refuses a channel the bot is not in (`require_hearing`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.errors import PermissionDenied, UsageError
from bot.meetings.grammar import CANCEL_USAGE, EDIT_USAGE, SCHEDULE_USAGE, SKIP_USAGE, parse_skip
from bot.meetings.models import MeetingSeries
from bot.meetings.services import (
    Clash,
    Draft,
    Plan,
    cancel,
    draft_of,
    feed_token,
    find_conflicts,
    find_series,
    next_occurrence,
    plan,
    save_edit,
    save_new,
    skip,
)
from bot.platform import Membership
from bot.services import workspace
from bot.slackfmt import escape
from bot.timekit.recurrence import Occurrence
from bot.timekit.zones import get_zone

# Whether the user is a bot admin: a flag, or a function asked only when the answer
# matters (finding out may take a users.info call).
AdminCheck = bool | Callable[[], bool]


@dataclass(frozen=True)
class Scheduled:
    """The series is saved; its channel's calendar feed exists."""

    series: MeetingSeries
    plan: Plan
    feed_token: str
    joined: bool = False  # the bot joined the series' channel for it


@dataclass(frozen=True)
class Clashes:
    """Nothing is saved: the plan overlaps other series, so the user must confirm it."""

    plan: Plan
    clashes: tuple[Clash, ...]
    series_id: int | None = None  # the series being edited; None for a new one
    joined: bool = False  # the bot joined the series' channel for it


@dataclass(frozen=True)
class Skipped:
    """One meeting of a series is skipped; `next` is the one after now."""

    series: MeetingSeries
    occurrence: Occurrence
    reason: str
    next: Occurrence | None


def may_change(series: MeetingSeries, *, user_id: str, admin_check: AdminCheck) -> None:
    """Refuse unless the user scheduled the series, chairs it or is a bot admin."""
    if user_id == series.created_by or user_id in (series.chairs or []):
        return
    if admin_check() if callable(admin_check) else admin_check:
        return
    raise PermissionDenied(
        f"Only the person who scheduled “{escape(series.name)}”, its chairs or a bot admin can change it."
    )


def check_channel(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    user_id: str,
    channel_id: str,
    usage: str = SCHEDULE_USAGE,
) -> None:
    """A series lives in a channel its scheduler is in (and that we can see)."""
    if user_id not in directory.channel_members(session, team_id, channel_id):
        raise UsageError(
            f"You are not a member of <#{channel_id}> (or I cannot see it): "
            "schedule meetings in channels you are in.",
            usage,
            field="channel",
        )


def require_hearing(hearing: Membership, *, channel_id: str) -> None:
    """Refuse a series in a channel the bot is not in (it could not remind it nor hear it).

    `hearing` is the bot's membership of the series' channel, made sure of for this
    request (a public channel is joined by then; a private one needs an invitation).
    The messages fit beside the form's channel field (150 characters).
    """
    if hearing.channel_id != channel_id:
        raise ValueError(f"membership of {hearing.channel_id} given for {channel_id}")
    if hearing.is_member:
        return
    where = f"<#{channel_id}>"
    if hearing.problem == "private":
        message = (
            f"I am not in {where}, so I could neither remind nor hear its meetings: "
            "invite me there with `/invite @wgbot` first. Nothing was scheduled."
        )
    elif hearing.problem == "archived":
        message = f"{where} is archived: schedule the series in another channel."
    elif hearing.problem == "not_found":
        message = f"Slack does not know the channel {where}: schedule the series in another one."
    else:
        message = (
            f"I could not reach Slack to make sure I am in {where}, so nothing was "
            "scheduled. Please try again in a moment."
        )
    raise UsageError(message, field="channel")


def schedule_series(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    user_id: str,
    here: str,
    draft: Draft,
    now: datetime,
    hearing: Membership,
    confirmed: bool = False,
    check_membership: bool = True,
) -> Scheduled | Clashes:
    """Check the channel, plan, look for clashes (unless confirmed) and save a new series.

    `hearing` is the bot's membership of the series' channel (see `require_hearing`).
    """
    require_hearing(hearing, channel_id=draft.channel_id)
    # `here` is the channel the request came from: a series there needs no membership
    # check, nor anywhere when check_membership is off (the console's channels are made up).
    if check_membership and draft.channel_id != here:
        check_channel(
            session,
            directory=directory,
            team_id=team_id,
            user_id=user_id,
            channel_id=draft.channel_id,
            usage=SCHEDULE_USAGE,
        )
    plan_ = plan(draft, now=now, usage=SCHEDULE_USAGE)
    if not confirmed:
        clashes = find_conflicts(session, team_id=team_id, plan_=plan_, now=now)
        if clashes:
            return Clashes(plan_, tuple(clashes), joined=hearing.joined_now)
    series = save_new(session, team_id=team_id, plan_=plan_, user_id=user_id, now=now)
    token = feed_token(session, team_id=team_id, channel_id=series.channel_id, now=now)
    return Scheduled(series, plan_, token, joined=hearing.joined_now)


def _series_to_edit(
    session: Session, *, team_id: str, here: str, ref: str | None, series_id: int | None
) -> MeetingSeries:
    if series_id is not None:
        row = session.get(MeetingSeries, series_id)
        if row is None or row.team_id != team_id:
            raise UsageError("That series no longer exists.")
        # Found again by number, so that a series cancelled since is refused like any other.
        ref = str(row.number)
    return find_series(session, team_id=team_id, ref=ref or "", channel_id=here, usage=EDIT_USAGE)


def edit_series(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    user_id: str,
    here: str,
    change: Callable[[Draft], Draft],
    now: datetime,
    admin_check: AdminCheck,
    ref: str | None = None,
    series_id: int | None = None,
    confirmed: bool = False,
    check_membership: bool = True,
) -> Scheduled | Clashes:
    """Find the series (`ref` as typed, or a button's `series_id`), change it, check, save."""
    # `change` turns the current draft into the new one: one edited field, or the whole
    # draft a confirm button carries.
    series = _series_to_edit(session, team_id=team_id, here=here, ref=ref, series_id=series_id)
    draft = change(draft_of(series))
    may_change(series, user_id=user_id, admin_check=admin_check)
    if check_membership and draft.channel_id not in (series.channel_id, here):
        check_channel(
            session,
            directory=directory,
            team_id=team_id,
            user_id=user_id,
            channel_id=draft.channel_id,
            usage=EDIT_USAGE,
        )
    # A series edited later keeps its first meeting, which may lie in the past by now.
    plan_ = plan(draft, now=now, allow_past=draft.recurrence.kind != "once", usage=EDIT_USAGE)
    if not confirmed:
        clashes = find_conflicts(
            session, team_id=team_id, plan_=plan_, now=now, exclude_id=series.id
        )
        if clashes:
            return Clashes(plan_, tuple(clashes), series_id=series.id)
    save_edit(session, series=series, plan_=plan_, now=now)
    token = feed_token(session, team_id=team_id, channel_id=series.channel_id, now=now)
    return Scheduled(series, plan_, token)


def cancel_series(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    here: str,
    ref: str,
    now: datetime,
    admin_check: AdminCheck,
) -> MeetingSeries:
    """Cancel a series its scheduler, a chair or an admin names; no reminders follow."""
    series = find_series(session, team_id=team_id, ref=ref, channel_id=here, usage=CANCEL_USAGE)
    may_change(series, user_id=user_id, admin_check=admin_check)
    cancel(session, series=series, now=now)
    return series


def skip_meeting(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    here: str,
    ref: str,
    words: list[str],
    now: datetime,
    admin_check: AdminCheck,
) -> Skipped:
    """Skip one meeting: `words` are its date (read in the series' zone) and the reason."""
    series = find_series(session, team_id=team_id, ref=ref, channel_id=here, usage=SKIP_USAGE)
    today = now.astimezone(get_zone(series.home_tz)).date()
    day, reason = parse_skip(words, today, day_first=workspace.day_first(session, team_id))
    may_change(series, user_id=user_id, admin_check=admin_check)
    occ = skip(session, series=series, day=day, reason=reason, now=now)
    return Skipped(series, occ, reason, next_occurrence(series, after=now))
