"""Times, dates, weekdays, durations and reminder offsets as people type them.

Each ``take_*`` function looks at words starting at one position and returns what
it understood plus how many words it used, or None; callers combine them into
their own grammars. Nothing here knows about time zones except by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Generic, TypeVar

from bot.errors import UsageError
from bot.slackfmt import escape

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_WORDS: dict[str, int] = {}
for _i, _name in enumerate(WEEKDAYS):
    for _form in (_name, _name + "s", _name[:3], _name[:3] + "."):
        _WEEKDAY_WORDS[_form] = _i
_WEEKDAY_WORDS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

MONTHS = (
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
_MONTH_WORDS: dict[str, int] = {}
for _i, _name in enumerate(MONTHS, start=1):
    _MONTH_WORDS[_name] = _i
    _MONTH_WORDS[_name[:3]] = _i
_MONTH_WORDS["sept"] = 9

_CLOCK = re.compile(r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?(?P<ampm>am|pm|a\.m\.|p\.m\.|a|p)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_NUMBER = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?,?$")
_YEAR = re.compile(r"^(\d{4})$")
_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes)?)?$"
)
_OFFSET_PART = re.compile(r"^(?P<n>\d+)\s*(?P<unit>w|d|h|m|weeks?|days?|hours?|min|mins|minutes?)$")


T = TypeVar("T")


@dataclass(frozen=True)
class Taken(Generic[T]):
    value: T
    used: int


def weekday_of(word: str) -> int | None:
    """0 = Monday … 6 = Sunday, for names and common abbreviations."""
    return _WEEKDAY_WORDS.get(word.strip().lower().rstrip(","))


def parse_clock(text: str) -> time | None:
    """``16:00``, ``9am``, ``9:30 pm``, ``12pm`` (noon), ``12am`` (midnight), ``noon``."""
    word = text.strip().lower().replace(" ", "")
    if word == "noon":
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    m = _CLOCK.match(word)
    if not m:
        return None
    hour, minute, ampm = int(m["h"]), int(m["m"] or 0), m["ampm"]
    if minute > 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        pm = ampm.startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    else:
        # A bare number ("9") is too easy to confuse with a count or a day.
        if m["m"] is None or hour > 23:
            return None
    return time(hour, minute)


def take_clock(words: list[str], i: int) -> Taken[time] | None:
    """A time of day at words[i], also written in two words (``9 am``)."""
    if i >= len(words):
        return None
    if i + 1 < len(words) and words[i + 1].lower() in ("am", "pm", "a.m.", "p.m."):
        joined = parse_clock(words[i] + words[i + 1])
        if joined is not None:
            return Taken(joined, 2)
    single = parse_clock(words[i])
    return Taken(single, 1) if single is not None else None


def take_date(words: list[str], i: int, today: date) -> Taken[date] | None:
    """``2026-12-03``, ``today``, ``tomorrow``, ``dec 3 [2026]``, ``3 december [2026]``."""
    if i >= len(words):
        return None
    w = words[i].lower().rstrip(",")
    if w == "today":
        return Taken(today, 1)
    if w == "tomorrow":
        return Taken(today + timedelta(days=1), 1)
    m = _ISO_DATE.match(w)
    if m:
        try:
            return Taken(date(int(m[1]), int(m[2]), int(m[3])), 1)
        except ValueError:
            raise UsageError(f"`{escape(words[i])}` is not a real date.") from None
    nxt = words[i + 1].lower().rstrip(",") if i + 1 < len(words) else ""
    month = day = None
    if w in _MONTH_WORDS and _DAY_NUMBER.match(nxt):
        month, day = _MONTH_WORDS[w], int(_DAY_NUMBER.match(nxt)[1])  # type: ignore[index]
    elif _DAY_NUMBER.match(w) and nxt in _MONTH_WORDS:
        month, day = _MONTH_WORDS[nxt], int(_DAY_NUMBER.match(w)[1])  # type: ignore[index]
    if month is None or day is None:
        return None
    used = 2
    year_word = words[i + 2] if i + 2 < len(words) else ""
    year_m = _YEAR.match(year_word)
    try:
        if year_m:
            return Taken(date(int(year_m[1]), month, day), 3)
        found = date(today.year, month, day)
    except ValueError:
        raise UsageError(f"`{escape(' '.join(words[i : i + 2]))}` is not a real date.") from None
    # Without a year, the next such date (people plan ahead).
    if found < today:
        try:
            found = date(today.year + 1, month, day)
        except ValueError:
            raise UsageError(
                f"`{escape(' '.join(words[i : i + 2]))}` is not a real date."
            ) from None
    return Taken(found, used)


def next_weekday(today: date, weekday: int) -> date:
    """The next date with that weekday, today included."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def parse_duration(text: str, usage: str | None = None) -> int:
    """Minutes in ``1h``, ``90m``, ``1h30``, ``1.5h``, ``2 hours``, ``45 min``."""
    raw = text.strip().lower()
    m = _DURATION.match(raw)
    if not raw or not m or (m["h"] is None and m["m"] is None):
        raise UsageError(
            f"`{escape(text[:40])}` is not a duration (try `1h`, `90m` or `1h30`).", usage
        )
    minutes = round(float(m["h"] or 0) * 60) + int(m["m"] or 0)
    if m["h"] is None and not re.search(r"[a-z]", raw):
        raise UsageError(f"`{escape(text[:40])}`: say `{raw}m` or `{raw}h`.", usage)
    if minutes <= 0:
        raise UsageError("A meeting must last more than zero minutes.", usage)
    if minutes > 24 * 60:
        raise UsageError("A meeting can last at most 24 hours.", usage)
    return minutes


def parse_offsets(text: str, usage: str | None = None) -> list[int]:
    """Reminder offsets in minutes from ``1d,15m`` (``none`` for no reminders)."""
    raw = text.strip().lower()
    if raw in ("none", "off", "no"):
        return []
    out: list[int] = []
    for part in re.split(r"[,\s]+(?:and\s+)?", raw):
        if not part or part == "and":
            continue
        m = _OFFSET_PART.match(part)
        if not m:
            raise UsageError(
                f"`{escape(part[:20])}` is not a reminder offset (try `1d,15m` or `2h`).", usage
            )
        n, unit = int(m["n"]), m["unit"][0]
        minutes = n * {"w": 10080, "d": 1440, "h": 60, "m": 1}[unit]
        if not 0 < minutes <= 14 * 1440:
            raise UsageError("Reminders can be from 1 minute to 14 days before.", usage)
        out.append(minutes)
    if not out:
        raise UsageError("No reminder offsets given (try `1d,15m`).", usage)
    return sorted(set(out), reverse=True)


def format_offset(minutes: int) -> str:
    """1440 -> ``1d``, 90 -> ``1h30m``, 15 -> ``15m``."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h}h{m:02d}m"
    return f"{h}h" if h else f"{m}m"


def format_duration(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} h {m} min"
    return f"{h} h" if h else f"{m} min"


def parse_hours(text: str, usage: str | None = None) -> tuple[int, int]:
    """Working hours ``9-17``, ``9:30-17:30``, ``8am-4pm`` as minutes after midnight."""
    raw = text.strip().lower().replace(" ", "").replace("\u2013", "-")
    start_s, sep, end_s = raw.partition("-")
    if not sep:
        raise UsageError(f"`{escape(text[:30])}` is not a range of hours (try `9-17`).", usage)

    def clock(s: str) -> int:
        t = parse_clock(s) or (parse_clock(f"{s}:00") if s.isdigit() else None)
        if t is None and s in ("24", "24:00"):
            return 1440
        if t is None:
            raise UsageError(f"`{escape(s[:10])}` is not a time of day.", usage)
        return t.hour * 60 + t.minute

    start, end = clock(start_s), clock(end_s)
    if end <= start:
        raise UsageError("Working hours must end after they start (same day).", usage)
    return start, end
