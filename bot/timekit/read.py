"""The one reader of dates and times of day as people write them.

Every command that reads a date or a clock time (schedules, ``/meeting times``,
due dates, skip dates, periods) goes through here, so a word means the same thing
everywhere. The rules people can rely on:

- a bare weekday (``friday``) is the next such day from today on, today included;
  ``next friday`` is the first Friday strictly after today;
- ``9/10`` is month first unless the workspace chose day first; a reading that is
  only possible one way is read that way, and either case is explained in a note;
- a weekday written before a date (``Thu, Sep 27``) is checked: the date wins and
  a contradiction is reported in the note;
- a bare number (``7``) is never a time of day: callers ask instead of guessing.

``take_*`` functions look at words from one position and return what they read
plus how many words they used, or None; ``read_*`` functions read a whole text and
raise UsageError naming the word they could not read.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Generic, Literal, TypeVar

from bot.errors import UsageError
from bot.slackfmt import escape

T = TypeVar("T")

Prefer = Literal["future", "nearest"]

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

# Singular forms only: "fridays" is a recurrence, not a date.
_WEEKDAY: dict[str, int] = {}
for _i, _name in enumerate(WEEKDAY_NAMES):
    _WEEKDAY[_name] = _i
    _WEEKDAY[_name[:3]] = _i
_WEEKDAY.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_MONTH: dict[str, int] = {}
for _i, _name in enumerate(MONTH_NAMES, start=1):
    _MONTH[_name] = _i
    _MONTH[_name[:3]] = _i
_MONTH["sept"] = 9

# The rules in one sentence, for help texts.
DATES_HELP = (
    "Dates: `friday` is the next Friday from today on (today, on a Friday); "
    "`next friday` is the first Friday after today. `9/10` is month first unless "
    "`/wg settings dates day-first`. A bare `7` is not a time: say 7am, 7pm or 07:00."
)
DAY_FIRST_HINT = "`/wg settings dates day-first` changes this"
MONTH_FIRST_HINT = "`/wg settings dates month-first` changes this"


@dataclass(frozen=True)
class Taken(Generic[T]):
    """What a ``take_*`` function read and how many words it used."""

    value: T
    used: int


@dataclass(frozen=True)
class DateRead:
    """A calendar date as read, with what the writer said about it.

    `weekday_written` is the weekday word written with the date (0 = Monday), if
    any; `note` explains a reading the writer may not expect (an ambiguous
    ``9/10``, a weekday that does not match, a year filled in).
    """

    value: date
    weekday_written: int | None
    year_given: bool
    note: str | None


@dataclass(frozen=True)
class TimeRange:
    """A time of day, or a range of them (`end` None for a single time)."""

    start: time
    end: time | None

    @property
    def crosses_midnight(self) -> bool:
        """True when the range ends on the next day (``10pm-2am``)."""
        return self.end is not None and self.end <= self.start

    @property
    def minutes(self) -> int | None:
        """The range's length in minutes (a range across midnight included)."""
        if self.end is None:
            return None
        start = self.start.hour * 60 + self.start.minute
        return (self.end.hour * 60 + self.end.minute - start) % 1440 or 1440


# ---------------------------------------------------------------- words


def _clean(word: str) -> str:
    """Lower case, without the trailing comma people put after dates."""
    return word.strip().lower().rstrip(",")


def weekday_word(word: str) -> int | None:
    """0 = Monday … 6 = Sunday for a weekday name or abbreviation (``thu.``, ``thurs``)."""
    w = _clean(word).rstrip(".")
    return _WEEKDAY.get(w)


def month_word(word: str) -> int | None:
    """1 … 12 for a month name or abbreviation (``sept.``, ``Sep``)."""
    return _MONTH.get(_clean(word).rstrip("."))


def weekday_name(weekday: int) -> str:
    return WEEKDAY_NAMES[weekday].capitalize()


def _pretty(d: date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1].capitalize()}"


def next_weekday(today: date, weekday: int) -> date:
    """The next date with that weekday, today included."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


# ---------------------------------------------------------------- dates

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\.?$")
_YEAR = re.compile(r"^(\d{4})$")
_COUNT = re.compile(r"^(\d{1,3})$")
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


def _real(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise UsageError(f"`{escape(shown[:40])}` is not a real date.") from None


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _fill_year(month: int, day: int, today: date, prefer: Prefer, shown: str) -> date:
    """The date with that month and day next from today on ("future") or nearest today."""
    # Four years each way always hold a 29 February.
    candidates = [
        date(year, month, day)
        for year in range(today.year - 4, today.year + 5)
        if _valid(year, month, day)
    ]
    if not candidates:
        raise UsageError(f"`{escape(shown[:40])}` is not a real date.")
    if prefer == "future":
        return next(c for c in candidates if c >= today)
    return min(candidates, key=lambda c: (abs((c - today).days), c < today))


def _numeric(
    a: int, b: int, year: int | None, *, day_first: bool, shown: str
) -> tuple[int, int, str | None] | None:
    """(month, day, note) for ``a/b``, or None when it does not look like a date."""
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return None
    check_year = year if year is not None else 2000  # a leap year: 2/29 may be real
    first = (b, a) if day_first else (a, b)
    second = (a, b) if day_first else (b, a)
    first_ok = _valid(check_year, *first)
    second_ok = _valid(check_year, *second)
    if not first_ok and not second_ok:
        raise UsageError(f"`{escape(shown[:40])}` is not a real date.")
    order = "day first" if day_first else "month first"
    if first_ok and second_ok and a != b:
        month, day = first
        hint = MONTH_FIRST_HINT if day_first else DAY_FIRST_HINT
        return (
            month,
            day,
            f"{shown} read as {day} {MONTH_NAMES[month - 1].capitalize()} ({order}; {hint})",
        )
    if first_ok:
        return first[0], first[1], None
    month, day = second
    other = "month first" if day_first else "day first"
    return (
        month,
        day,
        f"{shown} read {other} as {day} {MONTH_NAMES[month - 1].capitalize()} "
        f"(it cannot be {order})",
    )


def _take_calendar(
    words: list[str], i: int, *, today: date, day_first: bool, prefer: Prefer
) -> tuple[date, int, bool, str | None] | None:
    """A written calendar date at words[i]: (date, words used, year given, note)."""
    if i >= len(words):
        return None
    raw = words[i].strip().rstrip(",")
    w = raw.lower()
    m = _ISO.match(w)
    if m:
        return _real(int(m[1]), int(m[2]), int(m[3]), raw), 1, True, None
    m = _NUMERIC.match(w)
    if m:
        year = None
        if m[3]:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        read = _numeric(int(m[1]), int(m[2]), year, day_first=day_first, shown=raw)
        if read is None:
            return None
        month, day, note = read
        if year is not None:
            return _real(year, month, day, raw), 1, True, note
        return _fill_year(month, day, today, prefer, raw), 1, False, note
    nxt = words[i + 1] if i + 1 < len(words) else ""
    month_day: tuple[int, int] | None = None
    used = 0
    mo = month_word(w)
    if mo is not None and _DAY.match(_clean(nxt)):
        month_day, used = (mo, int(_DAY.match(_clean(nxt))[1])), 2  # type: ignore[index]
    elif _DAY.match(w):
        # "27 Sept", "27th of September"
        j = i + 1
        if _clean(nxt) == "of":
            j += 1
        mo = month_word(words[j]) if j < len(words) else None
        if mo is not None:
            month_day, used = (mo, int(_DAY.match(w)[1])), j - i + 1  # type: ignore[index]
    if month_day is None:
        return None
    month, day = month_day
    if not 1 <= day <= 31:
        return None
    shown = " ".join(words[i : i + used])
    year_word = _clean(words[i + used]) if i + used < len(words) else ""
    ym = _YEAR.match(year_word)
    if ym and 1900 <= int(ym[1]) <= 2199:
        return _real(int(ym[1]), month, day, shown + " " + year_word), used + 1, True, None
    return _fill_year(month, day, today, prefer, shown), used, False, None


# The first words of the relative dates `_take_relative` reads: a caller scanning prose
# offers the reader only words that can start a date (with digits, weekdays and months).
RELATIVE_STARTS = frozenset(
    {"today", "tomorrow", "yesterday", "next", "this", "last", "coming", "in", "eom", "end"}
)


def _take_relative(words: list[str], i: int, today: date) -> Taken[date] | None:
    """``today``, ``tomorrow``, ``next tuesday``, ``in 2 weeks``, ``end of month``."""
    w = _clean(words[i])
    nxt = _clean(words[i + 1]) if i + 1 < len(words) else ""
    if w == "today":
        return Taken(today, 1)
    if w == "tomorrow":
        return Taken(today + timedelta(days=1), 1)
    if w == "yesterday":
        return Taken(today - timedelta(days=1), 1)
    if w in ("next", "this", "last", "coming") and weekday_word(nxt) is not None:
        wd = weekday_word(nxt)
        assert wd is not None
        if w == "next":
            return Taken(today + timedelta(days=(wd - today.weekday() - 1) % 7 + 1), 2)
        if w == "last":
            return Taken(today - timedelta(days=(today.weekday() - wd - 1) % 7 + 1), 2)
        return Taken(next_weekday(today, wd), 2)
    if w == "in" and i + 2 < len(words):
        unit = _clean(words[i + 2])
        n = 1 if nxt in ("a", "an", "one") else int(nxt) if _COUNT.match(nxt) else None
        if n is not None and unit in _UNIT_DAYS:
            return Taken(today + timedelta(days=n * _UNIT_DAYS[unit]), 3)
        return None
    if w == "eom":
        return Taken(_month_end(today, 0), 1)
    if w == "end" and nxt == "of":
        rest = [_clean(x) for x in words[i + 2 : i + 5]]
        for phrase, months in (
            (["month"], 0),
            (["the", "month"], 0),
            (["this", "month"], 0),
            (["next", "month"], 1),
        ):
            if rest[: len(phrase)] == phrase:
                return Taken(_month_end(today, months), 2 + len(phrase))
    return None


def _month_end(today: date, months_ahead: int) -> date:
    year, month = divmod(today.month - 1 + months_ahead, 12)
    year += today.year
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def take_date(
    words: list[str],
    i: int,
    *,
    today: date,
    day_first: bool = False,
    prefer: Prefer = "future",
) -> Taken[DateRead] | None:
    """A date at words[i], a weekday written before it included (``Thu, Sep 27``).

    Raises UsageError for a date that cannot exist (``2026-02-30``, ``13/13``);
    returns None when the words are not a date at all. Without a year, `prefer`
    picks the next such date from today on ("future", for plans) or the nearest
    one in either direction ("nearest", for text being checked).
    """
    if i >= len(words):
        return None
    try:
        return _take_date(words, i, today=today, day_first=day_first, prefer=prefer)
    except (OverflowError, ValueError):
        # Only at the ends of the calendar (year 1 or 9999).
        raise UsageError(
            f"`{escape(' '.join(words[i : i + 3])[:40])}` is outside the calendar I know."
        ) from None


def _take_date(
    words: list[str], i: int, *, today: date, day_first: bool, prefer: Prefer
) -> Taken[DateRead] | None:
    rel = _take_relative(words, i, today)
    if rel is not None:
        return Taken(DateRead(rel.value, None, False, None), rel.used)
    wd = weekday_word(words[i])
    start = i + 1 if wd is not None else i
    cal = _take_calendar(words, start, today=today, day_first=day_first, prefer=prefer)
    if cal is None:
        if wd is None:
            return None
        return Taken(DateRead(next_weekday(today, wd), wd, False, None), 1)
    value, used, year_given, note = cal
    notes = [note] if note else []
    if not year_given and value.year != today.year:
        notes.append(f"{_pretty(value)} taken as {value.isoformat()}")
    if wd is not None and value.weekday() != wd:
        verb = "was" if value < today else "is"
        notes.append(
            f"{value.isoformat()} {verb} a {weekday_name(value.weekday())}, "
            f"not a {weekday_name(wd)}"
        )
    return Taken(DateRead(value, wd, year_given, "; ".join(notes) or None), used + (start - i))


def date_examples(today: date) -> str:
    """Forms that read as dates, to show after a word that did not."""
    week = today + timedelta(days=7) if today < date.max - timedelta(days=7) else today
    return f"`{week.isoformat()}`, `tomorrow`, `friday`, `Sep 27`, `in 3 days`"


def read_date(
    text: str,
    *,
    today: date,
    day_first: bool = False,
    usage: str | None = None,
    prefer: Prefer = "future",
) -> DateRead:
    """All of `text` as one date; UsageError naming the word that is not part of it."""
    words = text.split()
    if not words:
        raise UsageError(f"A date is missing (try {date_examples(today)}).", usage)
    try:
        taken = take_date(words, 0, today=today, day_first=day_first, prefer=prefer)
    except UsageError as e:
        raise UsageError(e.message, usage) from None
    if taken is None:
        raise UsageError(
            f"`{escape(words[0][:40])}` is not a date I can read (try {date_examples(today)}).",
            usage,
        )
    if taken.used < len(words):
        raise UsageError(
            f"I read `{escape(' '.join(words[: taken.used])[:40])}` as "
            f"{taken.value.value.isoformat()} but not "
            f"`{escape(' '.join(words[taken.used :])[:40])}` (try {date_examples(today)}).",
            usage,
        )
    return taken.value


# ---------------------------------------------------------------- times of day

# "a"/"p" alone only when attached ("7p"): "at 7 a meeting" is not 7am.
_ONE = (
    r"(?:(?P<{n}word>noon|midnight)|(?P<{n}h>\d{{1,2}})(?:[:.h](?P<{n}m>\d{{2}}))?"
    r"(?:\s?(?P<{n}ap>am|pm|a\.m\.?|p\.m\.?)|(?P<{n}ap1>a|p))?)"
)
_SINGLE = re.compile("^" + _ONE.format(n="s") + "$")
_RANGE = re.compile(
    "^" + _ONE.format(n="s") + r"\s?(?:-|–|—|to|until|till)\s?" + _ONE.format(n="e") + "$"
)
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    meridiem: str | None  # "a" / "p" / None
    has_minutes: bool
    word: bool  # noon / midnight

    def resolve(self, meridiem: str | None) -> time | None:
        if self.word:
            return time(self.hour, 0)
        if meridiem is None:
            if self.hour > 23 or self.minute > 59:
                return None
            return time(self.hour, self.minute)
        if not 1 <= self.hour <= 12 or self.minute > 59:
            return None
        return time(self.hour % 12 + (12 if meridiem == "p" else 0), self.minute)


def _clock(m: re.Match[str], n: str) -> _Clock | None:
    word = m[f"{n}word"]
    if word:
        return _Clock(12 if word == "noon" else 0, 0, None, True, True)
    ap = m[f"{n}ap"] or m[f"{n}ap1"]
    minute = m[f"{n}m"]
    return _Clock(
        int(m[f"{n}h"]),
        int(minute or 0),
        ap[0] if ap else None,
        minute is not None,
        False,
    )


def _single(text: str) -> time | None:
    m = _SINGLE.match(text)
    if not m:
        return None
    c = _clock(m, "s")
    if c is None:
        return None
    if c.meridiem is None and not c.word and not c.has_minutes:
        return None  # a bare "7": ask, do not guess
    return c.resolve(c.meridiem)


def _closest(options: list[time | None], other: time, *, before: bool) -> time | None:
    """The option making the shortest range with `other` (the first option on a tie)."""

    def span(t: time) -> int:
        a, b = t.hour * 60 + t.minute, other.hour * 60 + other.minute
        return ((b - a) if before else (a - b)) % 1440 or 1440

    real = [t for t in options if t is not None]
    return min(real, key=span) if real else None


def _range(text: str) -> TimeRange | None:
    m = _RANGE.match(text)
    if not m:
        return None
    s, e = _clock(m, "s"), _clock(m, "e")
    if s is None or e is None:
        return None
    bare_s = s.meridiem is None and not s.word and not s.has_minutes
    bare_e = e.meridiem is None and not e.word and not e.has_minutes
    if s.meridiem is None and not s.word and e.meridiem is not None:
        # "7-9 pm": the end's am/pm applies to the start unless that puts it after the end.
        end = e.resolve(e.meridiem)
        if end is None:
            return None
        options = [s.resolve(e.meridiem), s.resolve("a" if e.meridiem == "p" else "p")]
        start = _closest(options, end, before=True)
        if start is None and s.has_minutes:
            start = s.resolve(None)  # "19:00-9pm"
        return TimeRange(start, end) if start is not None else None
    if e.meridiem is None and not e.word and s.meridiem is not None:
        start = s.resolve(s.meridiem)
        if start is None:
            return None
        options = [e.resolve(s.meridiem), e.resolve("a" if s.meridiem == "p" else "p")]
        end = _closest(options, start, before=False)
        if end is None and e.has_minutes:
            end = e.resolve(None)
        return TimeRange(start, end) if end is not None else None
    if bare_s and bare_e and max(s.hour, e.hour) <= 12:
        # "9-17" is a 24-hour range; "7-9" could be anything.
        return None
    start, end = s.resolve(s.meridiem), e.resolve(e.meridiem)
    if start is None or end is None:
        return None
    return TimeRange(start, end)


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower()).rstrip(",")


def parse_time(text: str) -> time | None:
    """One time of day in `text` (``7am``, ``7:30 PM``, ``19:30``, ``7h30``, ``noon``)."""
    return _single(_normal(text))


def take_times(words: list[str], i: int) -> Taken[TimeRange] | None:
    """A time of day or a range at words[i] (``7 AM``, ``7-9 AM``, ``7:00–9:00``, ``7 - 9 pm``)."""
    for n in range(min(5, len(words) - i), 0, -1):
        text = _normal(" ".join(words[i : i + n]))
        r = _range(text)
        if r is not None:
            return Taken(r, n)
        t = _single(text)
        if t is not None:
            return Taken(TimeRange(t, None), n)
    return None


def time_hint(word: str) -> str:
    """What to say about a word that is not a time of day."""
    w = _normal(word)
    if re.fullmatch(r"\d{1,2}", w) and int(w) <= 23:
        h = int(w)
        if 1 <= h <= 12:
            return f"`{w}`: say {h}am, {h}pm or {h:02d}:00"
        return f"`{w}`: say {h:02d}:00"
    return f"`{escape(word[:30])}` is not a time of day (try 16:00, 9am, 7:30 PM or 7-9 AM)"


def bare_hint(text: str) -> str | None:
    """What to ask about a bare hour or range of hours (``7``, ``7-9``), else None."""
    w = _normal(text)
    if re.fullmatch(r"\d{1,2}", w) and int(w) <= 23:
        return time_hint(w)
    bare = re.fullmatch(r"(\d{1,2})\s*(?:-|–|—|to)\s*(\d{1,2})", w)
    if bare and int(bare[1]) <= 12 and int(bare[2]) <= 12:
        a, b = int(bare[1]), int(bare[2])
        return f"`{escape(text.strip()[:30])}`: say {a}-{b} am, {a}-{b} pm or {a:02d}:00-{b:02d}:00"
    return None


def read_times(text: str, usage: str | None = None) -> TimeRange:
    """All of `text` as a time of day or a range; UsageError naming what is not."""
    words = text.split()
    if not words:
        raise UsageError("A time of day is missing (try 16:00, 9am or 7-9 AM).", usage)
    taken = take_times(words, 0)
    if taken is None:
        hint = bare_hint(text) or bare_hint(words[0]) or time_hint(words[0])
        raise UsageError(hint + ".", usage)
    if taken.used < len(words):
        raise UsageError(
            f"I read `{escape(' '.join(words[: taken.used])[:30])}` as a time but not "
            f"`{escape(' '.join(words[taken.used :])[:40])}`.",
            usage,
        )
    return taken.value
