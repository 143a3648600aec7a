"""Reporting periods for /support metrics: `7d`, `2w`, `3m`, `quarter`, a date range, `all`.

Calendar words are read in the requester's zone: `quarter` is the current calendar
quarter so far (from its first day, 00:00 local, to now), `last-quarter` the whole
quarter before it, and `2026-10-01..2026-12-31` runs from the first day's 00:00 to
the end of the last day, both local. `Nd`/`Nw`/`Nm` count back from now.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.errors import UsageError
from bot.timekit.read import read_date
from bot.timekit.zones import get_zone

DEFAULT = "30d"
# Ten years back is more than the desk has existed; beyond that a typo is likelier.
MAX_DAYS = 3660
UNITS = {"d": ("day", 1), "w": ("week", 7), "m": ("month", None)}
HELP = (
    "a period is `7d`, `2w`, `3m` (days, weeks, months back from now), `quarter` "
    "(this calendar quarter so far), `last-quarter`, `YYYY-MM-DD..YYYY-MM-DD` or `all`"
)

_RELATIVE = re.compile(r"([+-]?\d+)([dwm])")
_RANGE = re.compile(r"(\S+?)\.\.(\S+)")


class PeriodError(ValueError):
    """A period that cannot be read; the message names the problem."""


@dataclass(frozen=True)
class Period:
    """A window of time to report on: [since, until), with the words that name it."""

    text: str  # normalised: "7d", "quarter", "2026-10-01..2026-12-31", "all"
    title: str  # "last 7 days", "Q4 2026 so far", "1 Oct 2026 – 31 Dec 2026", "all time"
    since: datetime | None  # None: from the first issue
    until: datetime  # exclusive; never after now
    zone: str

    @property
    def slug(self) -> str:
        """The period for a file name."""
        return self.text.replace("..", "_to_")


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def _local_midnight(d: date, zone: str) -> datetime:
    return datetime.combine(d, time(0), tzinfo=get_zone(zone)).astimezone(UTC)


def months_back(d: date, n: int) -> date:
    """The same day `n` months earlier (the month's last day when it is shorter)."""
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    m += 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _quarter_name(d: date) -> str:
    return f"Q{(d.month - 1) // 3 + 1} {d.year}"


def _parse_date(text: str, today: date) -> date:
    """One end of a range, read like every other date (``2026-10-01``, ``9/1``, ``today``)."""
    try:
        # A report looks back: a date without a year is the nearest one, not the next.
        return read_date(text, today=today, prefer="nearest").value
    except UsageError:
        raise PeriodError(f"`{text[:20]}` is not a date like 2026-10-01.") from None


def parse_period(text: str, *, now: datetime, zone: str) -> Period:
    """Read a period as typed; PeriodError names what is wrong with it."""
    word = text.strip().lower()
    today = now.astimezone(get_zone(zone)).date()
    if word == "all":
        return Period("all", "all time", None, now, zone)
    if word in ("quarter", "this-quarter"):
        start = _quarter_start(today)
        return Period(
            "quarter", f"{_quarter_name(today)} so far", _local_midnight(start, zone), now, zone
        )
    if word in ("last-quarter", "lastquarter"):
        end = _quarter_start(today)
        start = _quarter_start(end - timedelta(days=1))
        return Period(
            "last-quarter",
            _quarter_name(start),
            _local_midnight(start, zone),
            _local_midnight(end, zone),
            zone,
        )
    if m := _RELATIVE.fullmatch(word):
        n, unit = int(m.group(1)), m.group(2)
        name, days = UNITS[unit]
        if n < 0 or m.group(1).startswith(("-", "+")):
            raise PeriodError(
                f"`{text[:20]}`: a period counts back from now, so it has no sign; "
                f"write `{abs(n)}{unit}`."
            )
        if n == 0:
            raise PeriodError(f"`{text[:20]}` is empty: a period is at least one {name}.")
        if n * (days or 31) > MAX_DAYS:
            raise PeriodError(f"`{text[:20]}` reaches back more than ten years; use `all`.")
        # Months back by the calendar: 1m on 31 March reaches back to 28 February.
        back = today - months_back(today, n) if days is None else timedelta(days=n * days)
        since = now - back
        plural = "" if n == 1 else "s"
        return Period(f"{n}{unit}", f"last {n} {name}{plural}", since, now, zone)
    if m := _RANGE.fullmatch(word):
        first, last = _parse_date(m.group(1), today), _parse_date(m.group(2), today)
        if last < first:
            raise PeriodError(
                f"`{text[:30]}` ends before it starts: write the earlier date first "
                f"(`{last}..{first}`)."
            )
        if first > today:
            raise PeriodError(
                f"`{text[:30]}` starts after today ({today}): there is nothing to count yet."
            )
        if (today - first).days > MAX_DAYS:
            raise PeriodError(f"`{text[:30]}` reaches back more than ten years; use `all`.")
        if last >= today:
            until, title = now, f"{_day(first)} – {_day(today)} (so far)"
        else:
            until = _local_midnight(last + timedelta(days=1), zone)
            title = f"{_day(first)} – {_day(last)}"
        return Period(f"{first}..{last}", title, _local_midnight(first, zone), until, zone)
    raise PeriodError(f"`{text[:20]}` is not a period: {HELP}.")
