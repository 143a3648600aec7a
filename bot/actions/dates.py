"""Due dates as people type them, read in the writer's own zone.

The words are read by bot.timekit.read (the one date reader): ``2026-12-05``,
``today``, ``tomorrow``, ``friday`` (the next Friday from today on, today
included), ``next friday`` (strictly after today), ``in 3 days``, ``dec 5``,
``9/27``, ``end of month``. A month and day without a year means the next such
date, today included. A writer whose zone is unknown is told so, not read as UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UsageError
from bot.timekit.read import DateRead, take_date

EXAMPLES = "2026-12-05, tomorrow, friday, next friday, in 3 days, dec 5"


class DateError(ValueError):
    """The text is not a usable date; the message says why and which forms work."""


class UnknownDate(DateError):
    """The text does not read as a date at all (as opposed to an impossible one)."""


def read_due_date(text: str, *, today: date, day_first: bool = False) -> DateRead:
    """The date `text` names with how it was read (notes on ambiguous forms)."""
    words = text.split()
    if not words:
        raise UnknownDate(f"A date is missing. Try e.g. {EXAMPLES}.")
    try:
        taken = take_date(words, 0, today=today, day_first=day_first)
    except UsageError as exc:
        raise DateError(exc.message) from None
    if taken is None:
        raise UnknownDate(f"`{text.strip()[:40]}` is not a date I understand. Try e.g. {EXAMPLES}.")
    if taken.used < len(words):
        raise UnknownDate(
            f"I read `{' '.join(words[: taken.used])[:40]}` as a date but not "
            f"`{' '.join(words[taken.used :])[:40]}`. Try e.g. {EXAMPLES}."
        )
    return taken.value


def parse_date(text: str, *, today: date, day_first: bool = False) -> date:
    """The calendar date `text` names, relative to `today` (the writer's local date)."""
    return read_due_date(text, today=today, day_first=day_first).value


def zone(tz: str) -> ZoneInfo:
    """The zone named `tz`; UTC for a name tzdata does not know (display only: see known_zone)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def known_zone(tz: str) -> ZoneInfo:
    """The zone named `tz`; DateError for a name tzdata does not know (never a silent UTC)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DateError(
            f"Your time zone `{tz[:40]}` is not one I know, so I cannot tell which day "
            "that is for you: set a time zone in your Slack profile, or write the date "
            "as YYYY-MM-DD."
        ) from None


def local_today(now: datetime, tz: str) -> date:
    """Today in `tz`; DateError for an unknown zone (a due date is never read in a guessed UTC)."""
    return now.astimezone(known_zone(tz)).date()


def end_of_day(day: date, tz: str) -> datetime:
    """The moment `day` is over in `tz` (when an item due that day becomes overdue), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), zone(tz)).astimezone(UTC)


def start_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), zone(tz)).astimezone(UTC)


def parse_due(text: str, *, now: datetime, tz: str, day_first: bool = False) -> date:
    """A due date in the writer's zone; dates already past are refused."""
    return read_due(text, now=now, tz=tz, day_first=day_first).value


def read_due(text: str, *, now: datetime, tz: str, day_first: bool = False) -> DateRead:
    """parse_due with how the date was read; an unknown `tz` is a DateError, not UTC."""
    today = local_today(now, tz)
    read = read_due_date(text, today=today, day_first=day_first)
    day = read.value
    if day < today:
        raise DateError(
            f"{day.isoformat()} is in the past (today is {today.isoformat()} in {tz}); "
            "pick a date from today on."
        )
    return read
