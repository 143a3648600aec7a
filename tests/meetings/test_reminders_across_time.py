"""Meeting reminders when time really passes: DST in both hemispheres and a year end.

A series keeps its wall-clock time in its home zone; its "15 minutes before" reminder
therefore moves in UTC across a DST change. The expected instants are computed here
with zoneinfo, independently of the recurrence code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import RunningBot
from tests.meetings.test_reminders_and_calendar import reminders, schedule

CASES = [
    # (zone, weekday, first meeting, meetings to follow, why)
    ("Europe/Paris", "monday", date(2027, 3, 22), 2, "north, spring forward on 2027-03-28"),
    ("America/New_York", "tuesday", date(2027, 10, 26), 2, "north, fall back on 2027-11-07"),
    ("Australia/Sydney", "monday", date(2027, 3, 29), 2, "south, fall back on 2027-04-04"),
    ("Australia/Sydney", "monday", date(2027, 9, 27), 2, "south, spring forward on 2027-10-03"),
    ("Pacific/Kiritimati", "thursday", date(2026, 12, 24), 3, "UTC+14 across the year end"),
    ("Pacific/Pago_Pago", "thursday", date(2026, 12, 24), 3, "UTC-11 across the year end"),
]


def _at(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(9, 0), ZoneInfo(tz)).astimezone(UTC)


@pytest.mark.parametrize(
    ("tz", "weekday", "first", "count", "why"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_reminder_fifteen_minutes_before_each_local_nine_oclock(
    running_sqlite: RunningBot, tz: str, weekday: str, first: date, count: int, why: str
) -> None:
    running = running_sqlite
    running.clock.set(_at(first, tz) - timedelta(days=2))
    schedule(
        running,
        f'"Ops" every {weekday} at 09:00 {tz} for 1h remind 15m starting {first.isoformat()}',
    )
    seen = 0
    for week in range(count + 1):
        start = _at(first + timedelta(weeks=week), tz)
        running.run_jobs(at=start - timedelta(minutes=15, seconds=30))
        assert len(reminders(running)) == seen, f"{why}: too early in week {week}"
        running.run_jobs(at=start - timedelta(minutes=14, seconds=30))
        seen += 1
        assert len(reminders(running)) == seen, f"{why}: missing in week {week} ({start})"
        running.run_jobs(at=start + timedelta(minutes=5))
        assert len(reminders(running)) == seen, f"{why}: twice in week {week}"
    # Local nine o'clock every week, whatever UTC did: the offsets really changed.
    offsets = {
        _at(first + timedelta(weeks=w), tz).astimezone(ZoneInfo(tz)).utcoffset()
        for w in range(count + 1)
    }
    assert len(offsets) == (1 if "year end" in why else 2)
