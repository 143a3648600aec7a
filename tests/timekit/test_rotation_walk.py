"""A rotating schedule's occurrences against a model built from dates and zoneinfo alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timekit.recurrence import (
    Schedule,
    SecondSlot,
    iter_occurrences,
    occurrences,
    previous_occurrence,
)

CASES = [
    # (home zone, time, slot B zone, slot B time, weeks between meetings)
    ("Europe/Paris", time(16), "Asia/Tokyo", time(8), 1),
    ("America/New_York", time(9), "Australia/Sydney", time(9), 2),
    ("Asia/Kolkata", time(19, 30), "America/Los_Angeles", time(2, 30), 1),  # B at night
    ("Pacific/Kiritimati", time(23, 30), "Pacific/Pago_Pago", time(0, 30), 1),
]
FIRST = date(2027, 1, 5)  # a Tuesday; the walk crosses the spring and autumn changes


def _model(
    home: str, at: time, tz_b: str, at_b: time, weeks: int, skipped: set[int], n: int
) -> list[tuple[str, datetime]]:
    out = []
    for i in range(n):
        if i in skipped:
            continue
        day = FIRST + timedelta(weeks=weeks * i)
        zone, wall, slot = (home, at, "A") if i % 2 == 0 else (tz_b, at_b, "B")
        out.append((slot, datetime.combine(day, wall, ZoneInfo(zone)).astimezone(UTC)))
    return out


@pytest.mark.parametrize(("home", "at", "tz_b", "at_b", "weeks"), CASES)
def test_rotation_matches_the_model(home: str, at: time, tz_b: str, at_b: time, weeks: int) -> None:
    n = 52 // weeks
    skipped = {2, 5, 6}
    exdates = tuple(FIRST + timedelta(weeks=weeks * i) for i in sorted(skipped))
    s = Schedule(
        dtstart=datetime.combine(FIRST, at, ZoneInfo(home)),
        tz=home,
        rrule=f"RRULE:FREQ=WEEKLY;BYDAY=TU;INTERVAL={weeks};WKST=MO;COUNT={n}",
        exdates=exdates,
        rotation=SecondSlot(at_b, tz_b),
    )
    want = _model(home, at, tz_b, at_b, weeks, skipped, n)
    got = [(o.slot, o.start) for o in occurrences(s, after=s.dtstart, limit=200)]
    assert got == want
    # Starting the walk anywhere gives the same turns (the parity is not counted from `after`).
    for k in (1, 7, len(want) - 1):
        after = want[k][1]
        assert [(o.slot, o.start) for o in occurrences(s, after=after, limit=3)] == want[k : k + 3]
        prev = previous_occurrence(s, after)
        assert prev is not None and (prev.slot, prev.start) == want[k - 1]
    assert next(iter_occurrences(s, want[-1][1] + timedelta(seconds=1)), None) is None
