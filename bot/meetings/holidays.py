"""Public holidays and meeting series: the countries a series skips, and who may be away.

A series with `skip holidays US, FR` does not meet on a local date (its home zone's)
that is a public holiday in any of those countries: the dates become exdates of its
schedule, for the years from its first meeting on (`HOLIDAY_YEARS`). Separately,
`/meeting next` and the reminders warn when an occurrence falls on a public holiday
in a member's country (the country of their Slack zone, on their own local date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.meetings.models import MeetingSeries
from bot.models import ChannelMembers, SlackUser
from bot.slackfmt import escape
from bot.timekit.holidays import (
    alpha2,
    country_name,
    country_of_zone,
    holiday_dates,
    holiday_name,
)
from bot.timekit.recurrence import Schedule, occurrences
from bot.timekit.zones import get_zone, zone_label

HOLIDAYS_USAGE = (
    "skip holidays US, FR, IN   (two-letter ISO country codes; "
    "`/meeting edit 3 holidays US, FR, IN`, `/meeting edit 3 holidays none`)"
)
MAX_COUNTRIES = 12
# A series skips the holidays of this many years from its first meeting (the dates are
# exdates of its schedule, so they must be listed; 20 years cost a few milliseconds).
HOLIDAY_YEARS = 20
# The calendar file lists holiday exdates this far back and ahead of the time it is made.
ICS_PAST = timedelta(days=366)
ICS_AHEAD = timedelta(days=2 * 366)
# At most this many members are named per holiday; the rest are counted.
MAX_NAMED = 10
MAX_MEMBERS = 500
# `skip holidays US`, `skip public holidays US`, `except holidays of FR`.
HOLIDAY_WORDS = frozenset({"holidays", "holiday", "public"})
_FILLER = {"and", "&", "of", "the", "public", "holidays", "holiday"}


def continues_countries(keyword: str, words: list[str], word: str) -> bool:
    """Whether `word` (a grammar keyword such as IN or AT) is one more country of a
    `skip holidays` clause rather than the start of a new clause: it follows the
    clause's first word, a comma or `and`, or is written as an upper-case code."""
    if keyword not in ("skip", "except") or not words or words[0].lower() not in HOLIDAY_WORDS:
        return False
    if len(word) == 2 and word.isupper():
        return True
    last = words[-1]
    return last.endswith(",") or last.lower() in HOLIDAY_WORDS | {"and", "&", "of"}


def parse_countries(words: list[str], usage: str = HOLIDAYS_USAGE) -> tuple[str, ...]:
    """``US, FR and IN`` → ("US", "FR", "IN"); ``none`` → (); unknown codes are refused."""
    parts = [p for w in words for p in w.replace(";", ",").split(",") if p.strip()]
    low = [p.strip().lower() for p in parts]
    if low in (["none"], ["off"], ["no"]):
        return ()
    codes = [p.strip().upper() for p, lw in zip(parts, low, strict=True) if lw not in _FILLER]
    if not codes:
        raise UsageError(
            "Name the countries whose public holidays to skip, e.g. `skip holidays US, FR, IN`.",
            usage,
        )
    unknown = [c for c in codes if alpha2(c) is None]
    if unknown:
        shown = ", ".join(f"`{escape(c[:12])}`" for c in unknown[:5])
        raise UsageError(
            f"I know no public holidays for {shown}: give two-letter ISO country codes "
            "separated by commas, e.g. `skip holidays US, FR, IN`.",
            usage,
        )
    found = tuple(dict.fromkeys(alpha2(c) or c for c in codes))
    if len(found) > MAX_COUNTRIES:
        raise UsageError(f"Skip the holidays of at most {MAX_COUNTRIES} countries.", usage)
    return found


def skipped_dates(countries: Iterable[str] | None, first: date) -> tuple[date, ...]:
    """The local dates a series skipping these countries' holidays does not meet on."""
    codes = tuple(countries or ())
    return _skipped(codes, first.year) if codes else ()


@lru_cache(maxsize=256)
def _skipped(codes: tuple[str, ...], year: int) -> tuple[date, ...]:
    # From the year before: the first meeting's UTC date may be a year ahead of its local one.
    return tuple(sorted(holiday_dates(codes, year - 1, year + HOLIDAY_YEARS)))


def skip_label(series: MeetingSeries) -> str | None:
    """``US, FR, IN`` for "skips public holidays of …", or None."""
    codes = list(series.skip_holidays or ())
    return ", ".join(codes) if codes else None


def ics_skipped(series: MeetingSeries, *, now: datetime) -> list[date]:
    """The local dates whose meeting a holiday removes, around `now` (for the .ics EXDATEs).

    Only dates the rule would meet on: a calendar needs no EXDATE for other days.
    """
    codes = list(series.skip_holidays or ())
    if not codes:
        return []
    plain = Schedule(
        dtstart=series.dtstart,
        tz=series.home_tz,
        rrule=series.rrule,
        exdates=tuple(date.fromisoformat(x["date"]) for x in series.exdates or []),
    )
    after = max(series.dtstart, now - ICS_PAST)
    before = now + ICS_AHEAD
    holidays = holiday_dates(codes, after.year - 1, before.year + 1)
    return [
        occ.local_date
        for occ in occurrences(plain, after=after, before=before, limit=2000)
        if occ.local_date in holidays
    ]


def _spoken_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%b}"


def holiday_warnings(start: datetime, members: Mapping[str, str]) -> list[str]:
    """One line per holiday the occurrence starting at `start` falls on for some members.

    `members` maps user ids to their zones; each is checked on their own local date.
    """
    groups: dict[tuple[date, str, str], list[tuple[str, str]]] = {}
    for user_id, tz in members.items():
        country = country_of_zone(tz)
        if country is None:
            continue
        try:
            day = start.astimezone(get_zone(tz)).date()
        except UsageError:
            continue
        name = holiday_name(country, day)
        if name is not None:
            groups.setdefault((day, country, name), []).append((user_id, tz))
    out: list[str] = []
    for (day, country, name), people in sorted(groups.items()):
        named = ", ".join(f"<@{u}> ({escape(zone_label(tz))})" for u, tz in people[:MAX_NAMED])
        more = f" and {len(people) - MAX_NAMED} more" if len(people) > MAX_NAMED else ""
        out.append(
            f":palm_tree: {_spoken_day(day)} is {escape(name)} in {escape(country_name(country))}: "
            f"{named}{more} may be away."
        )
    return out


def by_member(zones: Mapping[str, list[str]], *, leave_out: Iterable[str] = ()) -> dict[str, str]:
    """{user: zone} from {zone: users}; `leave_out` (members whose zone is only guessed)."""
    skip = set(leave_out)
    return {u: tz for tz, users in zones.items() for u in users if u not in skip}


def known_member_zones(session: Session, *, team_id: str, channel_id: str) -> dict[str, str]:
    """The zones of a channel's members as the bot knows them (stored rows; no Slack call)."""
    row = session.get(ChannelMembers, (team_id, channel_id))
    members = list(row.members)[:MAX_MEMBERS] if row is not None else []
    if not members:
        return {}
    users = session.scalars(
        select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id.in_(members))
    )
    zones = {u.user_id: u.tz for u in users if u.tz and not u.is_bot}
    return {m: zones[m] for m in members if m in zones}


def reminder_warnings(session: Session, series: MeetingSeries, start: datetime) -> list[str]:
    """The holiday lines of a reminder for the occurrence starting at `start`."""
    members = known_member_zones(session, team_id=series.team_id, channel_id=series.channel_id)
    return holiday_warnings(start.astimezone(UTC), members)
