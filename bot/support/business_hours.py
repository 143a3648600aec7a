"""Business-hours calendars: when a provider's SLA clock runs (pure; no database, no Slack).

A calendar is a zone, working weekdays, one span of wall-clock hours per working day
and optionally a country's public holidays. Time is counted by walking the working
days in the zone, so a day that gains or loses an hour (DST) counts what the wall
clock says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from bot.errors import UsageError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# A calendar whose working days are all holidays for this long is refused rather than
# walked forever (a year of holidays cannot happen with real data).
MAX_WALK_DAYS = 3 * 366
CALENDAR_USAGE = (
    "zone ZONE days mon-fri hours 09:00-17:00 [holidays FR[-SUBDIVISION]], "
    "e.g. `zone Europe/Paris days mon-fri hours 09:00-17:00 holidays FR`"
)


class CalendarError(UsageError):
    """A calendar that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class Calendar:
    """Working hours in a zone; `start`/`end` are minutes after local midnight (end ≤ 1440)."""

    zone: str
    days: frozenset[int]
    start: int
    end: int
    country: str | None = None
    subdivision: str | None = None

    def __post_init__(self) -> None:
        if not self.days:
            raise CalendarError(
                "The calendar has no working days; name at least one (e.g. mon-fri)."
            )
        if not all(0 <= d <= 6 for d in self.days):
            raise CalendarError("Working days are mon, tue, wed, thu, fri, sat and sun.")
        if not 0 <= self.start < self.end <= 24 * 60:
            raise CalendarError(
                "Working hours must start before they end within one day, e.g. 09:00-17:00."
            )
        _zone(self.zone)
        if self.country is not None:
            # Any year: a country (and subdivision) is known for all years or none.
            _holiday_dates(self.country, self.subdivision, 2026)

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.zone)

    def span(self, day: date) -> tuple[datetime, datetime] | None:
        """The working span of a local day in UTC, or None on a day off."""
        if day.weekday() not in self.days or self.is_holiday(day):
            return None
        midnight = datetime.combine(day, time(0))
        # Wall-clock arithmetic on the naive local time, then the zone: 09:00 stays 09:00
        # on the day DST changes, and the span is one hour shorter or longer.
        a = (midnight + timedelta(minutes=self.start)).replace(tzinfo=self.tz).astimezone(UTC)
        b = (midnight + timedelta(minutes=self.end)).replace(tzinfo=self.tz).astimezone(UTC)
        return (a, b) if a < b else None

    def is_holiday(self, day: date) -> bool:
        if self.country is None:
            return False
        return day in _holiday_dates(self.country, self.subdivision, day.year)

    def _spans_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working spans (UTC) that end after `moment`, in order."""
        day = moment.astimezone(self.tz).date() - timedelta(days=1)
        idle = 0
        while True:
            got = self.span(day)
            day += timedelta(days=1)
            if got is None:
                idle += 1
                if idle > MAX_WALK_DAYS:
                    raise CalendarError("The calendar has no working day in the next three years.")
                continue
            idle = 0
            if got[1] > moment:
                yield got

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of business time after `start` have passed."""
        start = start.astimezone(UTC)
        left = timedelta(minutes=minutes)
        if left <= timedelta(0):
            return start
        for a, b in self._spans_from(start):
            begin = max(a, start)
            if begin + left <= b:
                return begin + left
            left -= b - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> float:
        """Business minutes from `a` to `b` (0 when `b` is not after `a`)."""
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        total = timedelta(0)
        if b <= a:
            return 0.0
        for s, e in self._spans_from(a):
            if s >= b:
                break
            total += min(e, b) - max(s, a)
        return total / timedelta(minutes=1)

    def to_json(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "days": sorted(self.days),
            "hours": f"{_hhmm(self.start)}-{_hhmm(self.end)}",
            "holidays": holiday_code(self),
        }


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def holiday_code(cal: Calendar) -> str | None:
    if cal.country is None:
        return None
    return f"{cal.country}-{cal.subdivision}" if cal.subdivision else cal.country


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        if not name or name != name.strip():
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            f"`{name[:60]}` is not a time zone; use an IANA name such as Europe/Paris."
        ) from None


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        found = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    except (NotImplementedError, KeyError, ValueError):
        where = f"{country}-{subdivision}" if subdivision else country
        raise CalendarError(
            f"I know no public holidays for `{where[:20]}`; use a country code such as FR, "
            "DE or US (with a subdivision: US-CA)."
        ) from None
    return frozenset(found.keys())


# -- reading what people type ----------------------------------------------------------

_DAY_RANGE = re.compile(r"^([a-z]{3})(?:-([a-z]{3}))?$")
_HOURS = re.compile(r"^(\d{1,2})(?::(\d{2}))?-(\d{1,2})(?::(\d{2}))?$")


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri` or `sun-thu` (a range may wrap past Sunday)."""
    days: set[int] = set()
    for part in text.strip().lower().replace(" ", "").split(","):
        if not part:
            continue
        m = _DAY_RANGE.match(part)
        names = [m.group(1), m.group(2) or m.group(1)] if m else []
        if not m or any(n[:3] not in DAY_NAMES for n in names):
            raise CalendarError(
                f"`{part[:20]}` is not a day or a range of days; write e.g. mon-fri or mon,wed,fri."
            )
        first, last = (DAY_NAMES.index(n) for n in names)
        d = first
        while True:
            days.add(d)
            if d == last:
                break
            d = (d + 1) % 7
    if not days:
        raise CalendarError("The calendar has no working days; name at least one (e.g. mon-fri).")
    return frozenset(days)


def parse_hours(text: str) -> tuple[int, int]:
    """`09:00-17:00` or `9-17` as minutes after midnight; the end may be 24:00."""
    m = _HOURS.match(text.strip().replace(" ", "").replace("–", "-"))
    if not m:
        raise CalendarError(f"`{text[:20]}` is not a span of hours; write e.g. 09:00-17:00.")
    h1, m1, h2, m2 = (int(g or 0) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
        raise CalendarError(f"`{text[:20]}` is not a span of hours; write e.g. 09:00-17:00.")
    if start >= end:
        raise CalendarError(
            f"Working hours `{text[:20]}` end before they start; "
            "a span runs within one day, e.g. 09:00-17:00."
        )
    return start, end


def parse_holidays(text: str | None) -> tuple[str | None, str | None]:
    """`FR`, `US-CA` or none."""
    if text is None or text.strip().lower() in ("", "none", "no"):
        return None, None
    country, _, sub = text.strip().partition("-")
    return country.upper(), (sub.upper() or None)


def make(*, zone: str, days: str | list[int], hours: str, holidays: str | None = None) -> Calendar:
    """A calendar from typed or stored parts; CalendarError names the first problem."""
    day_set = frozenset(int(d) for d in days) if isinstance(days, list) else parse_days(days)
    start, end = parse_hours(hours)
    country, sub = parse_holidays(holidays)
    return Calendar(zone.strip(), day_set, start, end, country, sub)


def from_json(data: dict[str, Any] | None) -> Calendar | None:
    """A stored calendar (None stays None: the clock runs 24×7)."""
    if not data:
        return None
    return make(
        zone=str(data["zone"]),
        days=[int(d) for d in data["days"]],
        hours=str(data["hours"]),
        holidays=data.get("holidays"),
    )


def _day_list(days: frozenset[int]) -> str:
    """Mon–Fri, Sun–Thu or Mon, Wed, Fri: runs of consecutive days as ranges."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "Mon–Sun"
    # Start a run after a day off, so Sun–Thu reads as one range.
    first = next(d for d in range(7) if (d - 1) % 7 not in days and d in days)
    runs: list[list[int]] = []
    for i in range(7):
        d = (first + i) % 7
        if d not in days:
            continue
        if runs and (runs[-1][-1] + 1) % 7 == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_LABELS[run[0]]}–{DAY_LABELS[run[-1]]}")
        else:
            parts.extend(DAY_LABELS[d] for d in run)
    return ", ".join(parts)


def describe(cal: Calendar | None) -> str:
    """For reports: e.g. "Mon–Fri 09:00–17:00 Europe/Paris, FR holidays"."""
    if cal is None:
        return "24×7 (wall clock)"
    text = f"{_day_list(cal.days)} {_hhmm(cal.start)}–{_hhmm(cal.end)} {cal.zone}"
    code = holiday_code(cal)
    return f"{text}, {code} holidays" if code else text


def hours_text(minutes: float) -> str:
    """Business time for the history: "2h", "1h 30m", "45m"."""
    total = round(minutes)
    h, m = divmod(total, 60)
    if h and m:
        return f"{h}h {m}m"
    return f"{h}h" if h else f"{m}m"
