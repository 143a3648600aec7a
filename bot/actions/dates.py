"""A small parser for due dates as people type them, read in the writer's own zone.

Accepted: ``2026-12-05``, ``today``, ``tomorrow``, a weekday (``friday``, ``fri``,
``next friday``), ``in 3 days`` / ``in 2 weeks``, and a month with a day
(``dec 5``, ``5 dec``, ``december 5 2027``). A weekday means its next occurrence
after today (``today`` names today). A month and day without a year means the next
such date, today included.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_IN = re.compile(r"^in\s+(\d{1,3})\s+(day|days|week|weeks)$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?(?:,?\s+(\d{4}))?$")

EXAMPLES = "2026-12-05, tomorrow, friday, in 3 days, dec 5"


class DateError(ValueError):
    """The text is not a usable date; the message says why and which forms work."""


class UnknownDate(DateError):
    """The text does not read as a date at all (as opposed to an impossible one)."""


def parse_date(text: str, *, today: date) -> date:
    """The calendar date `text` names, relative to `today` (the writer's local date)."""
    raw = " ".join(text.strip().lower().split())
    if not raw:
        raise UnknownDate(f"A date is missing. Try e.g. {EXAMPLES}.")
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    m = _ISO.match(raw)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    m = _IN.match(raw)
    if m:
        n = int(m.group(1))
        return today + timedelta(days=n * (7 if m.group(2).startswith("week") else 1))
    word = raw[5:] if raw.startswith("next ") else raw
    if word in WEEKDAYS:
        ahead = (WEEKDAYS[word] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
        m = pattern.match(raw)
        if m and m.group(month_group) in MONTHS:
            month = MONTHS[m.group(month_group)]
            day = int(m.group(day_group))
            if m.group(3):
                return _make(int(m.group(3)), month, day, text)
            candidate = _make(today.year, month, day, text)
            return candidate if candidate >= today else _make(today.year + 1, month, day, text)
    raise UnknownDate(f"`{text.strip()[:40]}` is not a date I understand. Try e.g. {EXAMPLES}.")


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"`{text.strip()[:40]}` is not a real calendar date.") from None


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(zone(tz)).date()


def end_of_day(day: date, tz: str) -> datetime:
    """The moment `day` is over in `tz` (when an item due that day becomes overdue), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), zone(tz)).astimezone(UTC)


def start_of_day(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), zone(tz)).astimezone(UTC)


def parse_due(text: str, *, now: datetime, tz: str) -> date:
    """A due date in the writer's zone; dates already past are refused."""
    today = local_today(now, tz)
    day = parse_date(text, today=today)
    if day < today:
        raise DateError(
            f"{day.isoformat()} is in the past (today is {today.isoformat()} in {tz}); "
            "pick a date from today on."
        )
    return day
