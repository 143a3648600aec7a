"""Times, dates, weekdays, durations and reminder offsets as people type them.

Each ``take_*`` function looks at words starting at one position and returns what
it understood plus how many words it used, or None; callers combine them into
their own grammars. Nothing here knows about time zones except by name.
"""

from __future__ import annotations

import re
from datetime import date, time

from bot.errors import UsageError
from bot.slackfmt import escape
from bot.timekit import read
from bot.timekit.read import Taken, next_weekday

__all__ = ["Taken", "next_weekday"]

WEEKDAYS = read.WEEKDAY_NAMES
_WEEKDAY_WORDS: dict[str, int] = {}
for _i, _name in enumerate(WEEKDAYS):
    for _form in (_name, _name + "s", _name[:3], _name[:3] + "."):
        _WEEKDAY_WORDS[_form] = _i
_WEEKDAY_WORDS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes)?)?$"
)
_OFFSET_PART = re.compile(r"^(?P<n>\d+)\s*(?P<unit>w|d|h|m|weeks?|days?|hours?|min|mins|minutes?)$")


def weekday_of(word: str) -> int | None:
    """0 = Monday … 6 = Sunday, for names and common abbreviations."""
    return _WEEKDAY_WORDS.get(word.strip().lower().rstrip(","))


def parse_clock(text: str) -> time | None:
    """``16:00``, ``9am``, ``9:30 pm``, ``12pm`` (noon), ``12am`` (midnight), ``noon``."""
    return read.parse_time(text)


def take_clock(words: list[str], i: int) -> Taken[time] | None:
    """A single time of day at words[i], also written in two words (``9 am``)."""
    if i >= len(words):
        return None
    taken = read.take_times(words, i)
    if taken is None or taken.value.end is not None:
        # A range is not one time: read the first time of it alone.
        for n in (2, 1):
            single = read.parse_time(" ".join(words[i : i + n])) if i + n <= len(words) else None
            if single is not None:
                return Taken(single, n)
        return None
    return Taken(taken.value.start, taken.used)


def take_date(
    words: list[str], i: int, today: date, *, day_first: bool = False
) -> Taken[date] | None:
    """A date at words[i] (see bot.timekit.read.take_date), without the reading notes."""
    taken = read.take_date(words, i, today=today, day_first=day_first)
    return Taken(taken.value.value, taken.used) if taken is not None else None


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
