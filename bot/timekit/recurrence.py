"""Recurrence rules as RFC 5545 RRULE text, and their occurrences in a home zone.

A series is its first start (an aware datetime in the home zone), an RRULE (empty
for a one-off), skipped local dates and a duration. Expansion runs in the home
zone's wall clock, so a 16:00 Paris meeting stays at 16:00 in Paris and moves in
UTC when Paris changes its clocks; a time that falls into a DST gap is moved
forward by the gap (RFC 5545's rule), an ambiguous one takes its first instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from dateutil.rrule import DAILY, rrule, rruleset, rrulestr

from bot.timekit.parse import WEEKDAYS
from bot.timekit.zones import get_zone

Kind = Literal["once", "daily", "weekdays", "weekly", "monthly"]
_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
ODD_WEEKS = ",".join(str(n) for n in range(1, 54, 2))
EVEN_WEEKS = ",".join(str(n) for n in range(2, 54, 2))


@dataclass(frozen=True)
class Recurrence:
    """What repeats; dates and times live in the series, not here."""

    kind: Kind = "once"
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    parity: Literal["odd", "even"] | None = None  # ISO week number parity
    setpos: int | None = None  # monthly: 1..4 or -1 (last)
    until: date | None = None  # last local date, inclusive
    count: int | None = None

    def describe(self) -> str:
        days = _join_days(self.weekdays)
        if self.kind == "once":
            text = "once"
        elif self.kind == "daily":
            text = "every day" if self.interval == 1 else f"every {self.interval} days"
        elif self.kind == "weekdays":
            text = "every weekday"
        elif self.kind == "weekly" and self.parity:
            text = f"every {days} of {self.parity} ISO weeks"
        elif self.kind == "weekly":
            text = (
                f"every {days}" if self.interval == 1 else f"every {self.interval} weeks on {days}"
            )
        else:
            text = f"every {_ORDINALS.get(self.setpos or 1, 'first')} {days} of the month"
            if self.interval > 1:
                text += f", every {self.interval} months"
        if self.until:
            text += f" until {self.until:%Y-%m-%d}"
        if self.count:
            text += f", {self.count} times"
        return text


def _join_days(days: tuple[int, ...]) -> str:
    names = [WEEKDAYS[d].capitalize() for d in days]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def to_rrule(rec: Recurrence, *, tz: str, at: time) -> str:
    """The RRULE line (``RRULE:FREQ=…``), or "" for a one-off; UNTIL is UTC as RFC 5545 asks."""
    if rec.kind == "once":
        return ""
    parts: list[str]
    days = ",".join(_DAY_CODES[d] for d in sorted(rec.weekdays))
    if rec.kind == "daily":
        parts = ["FREQ=DAILY"]
    elif rec.kind == "weekdays":
        parts = ["FREQ=WEEKLY", "BYDAY=MO,TU,WE,TH,FR"]
    elif rec.kind == "weekly" and rec.parity:
        weeks = ODD_WEEKS if rec.parity == "odd" else EVEN_WEEKS
        parts = ["FREQ=YEARLY", f"BYWEEKNO={weeks}", f"BYDAY={days}", "WKST=MO"]
    elif rec.kind == "weekly":
        parts = ["FREQ=WEEKLY", f"BYDAY={days}"]
    else:
        parts = ["FREQ=MONTHLY", f"BYDAY={rec.setpos or 1}{days}"]
    if rec.interval > 1 and not rec.parity:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.kind == "weekly" and rec.interval > 1 and not rec.parity:
        parts.append("WKST=MO")
    if rec.until:
        last = datetime.combine(rec.until, at).replace(tzinfo=get_zone(tz))
        # A time on the last day: the end of that local day, in UTC.
        end = datetime.combine(rec.until, time(23, 59, 59)).replace(tzinfo=get_zone(tz))
        parts.append(f"UNTIL={max(last, end).astimezone(UTC):%Y%m%dT%H%M%SZ}")
    elif rec.count:
        parts.append(f"COUNT={rec.count}")
    return "RRULE:" + ";".join(parts)


def from_rrule(text: str, *, tz: str) -> Recurrence:
    """Read back an RRULE written by `to_rrule`."""
    if not text.strip():
        return Recurrence()
    body = text.strip().removeprefix("RRULE:")
    fields = dict(p.split("=", 1) for p in body.split(";") if "=" in p)
    freq = fields.get("FREQ", "")
    interval = int(fields.get("INTERVAL", "1"))
    count = int(fields["COUNT"]) if "COUNT" in fields else None
    until = None
    if "UNTIL" in fields:
        until_utc = datetime.strptime(fields["UNTIL"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        until = until_utc.astimezone(get_zone(tz)).date()
    codes = [c for c in fields.get("BYDAY", "").split(",") if c]
    if freq == "DAILY":
        return Recurrence("daily", interval, until=until, count=count)
    if freq == "MONTHLY":
        code = codes[0] if codes else "1MO"
        setpos = int(code[:-2] or "1")
        return Recurrence(
            "monthly", interval, (_DAY_CODES.index(code[-2:]),), None, setpos, until, count
        )
    days = tuple(sorted(_DAY_CODES.index(c[-2:]) for c in codes))
    if freq == "YEARLY":
        parity: Literal["odd", "even"] = "odd" if fields.get("BYWEEKNO", "1")[0] == "1" else "even"
        return Recurrence("weekly", 2, days, parity, until=until, count=count)
    if days == (0, 1, 2, 3, 4) and interval == 1:
        return Recurrence("weekdays", until=until, count=count)
    return Recurrence("weekly", interval, days, until=until, count=count)


@dataclass(frozen=True)
class SecondSlot:
    """A rotating series' other slot: a wall-clock time in its own zone.

    Every other occurrence (the 2nd, 4th, … counted from the first, skipped ones
    included) moves to this time on the same calendar date as the rule's date,
    read in this zone, so its DST follows this zone, not the home zone.
    """

    at: time
    tz: str

    def start_on(self, day: date) -> datetime:
        """The slot's start on `day` (UTC); a time in a DST gap moves forward by the gap."""
        return datetime.combine(day, self.at).replace(tzinfo=get_zone(self.tz)).astimezone(UTC)


@dataclass(frozen=True)
class Schedule:
    """Everything needed to list a series' occurrences."""

    dtstart: datetime  # aware, any zone; read in the home zone
    tz: str
    rrule: str = ""
    exdates: tuple[date, ...] = ()
    duration: timedelta = timedelta(hours=1)
    rotation: SecondSlot | None = None  # alternate occurrences move to this slot

    @property
    def local_start(self) -> datetime:
        return self.dtstart.astimezone(get_zone(self.tz))


@dataclass(frozen=True)
class Occurrence:
    start: datetime  # UTC
    end: datetime  # UTC
    local: datetime  # the home zone's wall clock
    shifted: bool = False  # the series' time did not exist that day (DST gap)
    wall: time = field(default=time(0))  # the series' own wall-clock time
    slot: Literal["A", "B"] = "A"  # a rotating series' second slot is B

    @property
    def local_date(self) -> date:
        return self.local.date()


def _ruleset(s: Schedule) -> rruleset:
    start = s.local_start
    if s.rrule.strip():
        built = rrulestr(s.rrule, dtstart=start, forceset=True)
        assert isinstance(built, rruleset)
        rs = built
    else:
        rs = rruleset()
        rs.rrule(rrule(DAILY, count=1, dtstart=start))
    for d in s.exdates:
        rs.exdate(datetime.combine(d, start.timetz()).replace(fold=start.fold))
    return rs


def iter_occurrences(s: Schedule, after: datetime) -> Iterator[Occurrence]:
    """Occurrences starting at or after `after` (aware), in order, without end."""
    if s.rotation is not None:
        yield from _rotated(s, s.rotation, after)
        return
    zone = get_zone(s.tz)
    wall = s.local_start.time()
    # Wall-clock comparison inside dateutil: start a day early, then filter exactly.
    since = (after - timedelta(days=1)).astimezone(zone)
    for raw in _ruleset(s).xafter(since, inc=True):
        start = raw.astimezone(UTC)
        if start < after:
            continue
        local = start.astimezone(zone)
        yield Occurrence(
            start=start,
            end=start + s.duration,
            local=local,
            shifted=local.time().replace(fold=0) != wall,
            wall=wall,
        )


def occurrences(
    s: Schedule, *, after: datetime, before: datetime | None = None, limit: int | None = None
) -> list[Occurrence]:
    """Occurrences starting in [after, before), at most `limit` of them."""
    out: list[Occurrence] = []
    for occ in iter_occurrences(s, after):
        if before is not None and occ.start >= before:
            break
        out.append(occ)
        if limit is not None and len(out) >= limit:
            break
    return out


def previous_occurrence(s: Schedule, before: datetime) -> Occurrence | None:
    """The last occurrence starting before `before`."""
    if s.rotation is not None:
        return _rotated_before(s, s.rotation, before)
    zone = get_zone(s.tz)
    rules = _ruleset(s)
    wall = s.local_start.time()
    raw = rules.before((before + timedelta(days=1)).astimezone(zone), inc=False)
    while raw is not None:
        start = raw.astimezone(UTC)
        if start < before:
            local = start.astimezone(zone)
            shifted = local.time().replace(fold=0) != wall
            return Occurrence(start, start + s.duration, local, shifted, wall)
        raw = rules.before(raw, inc=False)
    return None


def first_on_or_after(rec: Recurrence, *, tz: str, day: date, at: time) -> datetime | None:
    """The first occurrence of a rule whose local date is `day` or later (aware, home zone).

    The first day on or after `day` that the rule's days allow: an every-N-weeks (or
    months) series counts its N from its first meeting. So the interval is left out
    of the search; with it, dateutil counts from `day`'s own week (or month) and skips
    a whole interval when `day` falls after that week's meeting day (`every other
    monday` from a Thursday would first meet 11 days later, not 4).
    """
    zone = get_zone(tz)
    start = datetime.combine(day, at).replace(tzinfo=zone)
    text = to_rrule(replace(rec, interval=1), tz=tz, at=at)
    if not text:
        return start
    found = rrulestr(text, dtstart=start).after(start, inc=True)
    return found if isinstance(found, datetime) else None


# A rotating series' second slot is on the rule's date, so it is at most this far from
# the rule's own time (zones span UTC-12 to UTC+14, times of day a day).
_SLOT_DRIFT = timedelta(days=2)


def _plain_rule(s: Schedule) -> rrule:
    """The series' rule alone, without skipped dates: occurrence numbers count from it."""
    built = rrulestr(s.rrule, dtstart=s.local_start, forceset=False) if s.rrule.strip() else None
    if isinstance(built, rrule):
        return built
    return rrule(DAILY, count=1, dtstart=s.local_start)


def _numbered(s: Schedule, raw: datetime, index: int, rot: SecondSlot) -> Occurrence | None:
    """The occurrence numbered `index` that the rule puts at `raw`, or None if skipped."""
    zone = get_zone(s.tz)
    wall = s.local_start.time()
    if index % 2 == 0:
        if raw.date() in s.exdates:
            return None
        start = raw.astimezone(UTC)
        local = start.astimezone(zone)
        shifted = local.time().replace(fold=0) != wall
        return Occurrence(start, start + s.duration, local, shifted, wall, "A")
    start = rot.start_on(raw.date())
    local = start.astimezone(zone)
    # A skip names the rule's date or the slot's own date in the home zone.
    if raw.date() in s.exdates or local.date() in s.exdates:
        return None
    own = start.astimezone(get_zone(rot.tz)).time().replace(fold=0)
    return Occurrence(start, start + s.duration, local, own != rot.at, rot.at, "B")


def _rotated(s: Schedule, rot: SecondSlot, after: datetime) -> Iterator[Occurrence]:
    rule = _plain_rule(s)
    since = (after - _SLOT_DRIFT).astimezone(get_zone(s.tz))
    # The parity counts every meeting of the rule from the first, skipped ones too.
    index = 0
    for raw in rule:
        if raw >= since:
            break
        index += 1
    for raw in rule.xafter(since, inc=True):
        occ = _numbered(s, raw, index, rot)
        index += 1
        if occ is not None and occ.start >= after:
            yield occ


def _rotated_before(s: Schedule, rot: SecondSlot, before: datetime) -> Occurrence | None:
    rule = _plain_rule(s)
    limit = (before + _SLOT_DRIFT).astimezone(get_zone(s.tz))
    found: Occurrence | None = None
    for index, raw in enumerate(rule):
        if raw >= limit:
            break
        occ = _numbered(s, raw, index, rot)
        if occ is not None and occ.start < before:
            found = occ
    return found
