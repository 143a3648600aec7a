"""The console's clock: the machine's time, moved on by `:at` and `:advance`."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

# What one `:advance` or `:at` may cover (the jobs run on the way take time).
MAX_JUMP = timedelta(days=400)
_PART = re.compile(r"(\d+)\s*([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_AT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})$")


class SettableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, when: datetime) -> None: ...


class ConsoleClock:
    """The machine's time plus an offset that only grows; thread-safe."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("the console's clock needs an aware datetime")
        with self._lock:
            self._offset = when.astimezone(UTC) - datetime.now(UTC)


def parse_duration(text: str) -> timedelta | None:
    """`4h`, `30m`, `2d`, `1h30m` -> a positive timedelta; None when unreadable."""
    compact = text.replace(" ", "").lower()
    if not compact or _PART.sub("", compact):
        return None
    total = timedelta(0)
    for amount, unit in _PART.findall(compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total if total > timedelta(0) else None


def parse_at(text: str, tz: str) -> datetime | None:
    """`2027-03-26 09:00` in the zone `tz` -> an aware datetime; None when unreadable."""
    m = _AT.match(" ".join(text.split()))
    if m is None:
        return None
    try:
        day = date.fromisoformat(m.group(1))
        hour, minute = (int(x) for x in m.group(2).split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))
    except ValueError:
        return None
