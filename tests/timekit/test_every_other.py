"""`every other <weekday>` starts at the next such weekday, typed on any day of the week.

The expected first date is computed here from the calendar alone: the next such
weekday from today on, today included while the meeting's time has not passed.
"""

from __future__ import annotations

import shlex
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.meetings.grammar import parse_schedule
from bot.meetings.services import plan
from bot.timekit.recurrence import occurrences

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Monday 30 November 2026 to Sunday 6 December 2026: one typing day per weekday.
WEEK = [date(2026, 11, 30) + timedelta(days=n) for n in range(7)]


def _expected(today: date, weekday: int, typed: datetime, at: time, tz: str) -> date:
    first = today + timedelta(days=(weekday - today.weekday()) % 7)
    if first == today and datetime.combine(today, at, ZoneInfo(tz)) < typed:
        first += timedelta(days=7)  # today's meeting is over
    return first


@pytest.mark.parametrize("weekday", ["tuesday", "friday", "sunday"])
@pytest.mark.parametrize("typed_on", WEEK, ids=[f"{d:%a}" for d in WEEK])
@pytest.mark.parametrize("hour", [7, 20])  # before and after the meeting's local time
@pytest.mark.parametrize(
    "form", ["every other {d}", "every 2 weeks on {d}", "biweekly {d}", "every other week on {d}"]
)
def test_first_meeting_is_the_next_such_weekday(
    weekday: str, typed_on: date, hour: int, form: str
) -> None:
    tz = "Europe/Paris"
    at = time(16, 0)
    typed = datetime.combine(typed_on, time(hour), ZoneInfo(tz)).astimezone(UTC)
    words = shlex.split(f'"WG" {form.format(d=weekday)} at 16:00 {tz}')
    draft = parse_schedule(words, channel_id="C0WG", default_tz="UTC", now=typed)
    first, second = occurrences(plan(draft, now=typed).schedule, after=typed, limit=2)
    want = _expected(typed_on, DAYS.index(weekday), typed, at, tz)
    assert first.local_date == want, (typed_on, hour)
    assert first.local.time() == at
    assert second.local_date - first.local_date == timedelta(days=14)


def test_starting_says_otherwise() -> None:
    typed = datetime(2026, 12, 2, 9, tzinfo=UTC)  # a Wednesday
    words = shlex.split('"WG" every other tuesday at 16:00 UTC starting 2026-12-15')
    draft = parse_schedule(words, channel_id="C0WG", default_tz="UTC", now=typed)
    first, second = occurrences(plan(draft, now=typed).schedule, after=typed, limit=2)
    assert (first.local_date, second.local_date) == (date(2026, 12, 15), date(2026, 12, 29))
