"""Business-hours calendars: counting, DST, holidays, parsing (pure, with Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.support import business_hours as bh
from bot.support.business_hours import Calendar, CalendarError

PARIS = bh.make(zone="Europe/Paris", days="mon-fri", hours="09:00-17:00", holidays="FR")
SYDNEY = bh.make(zone="Australia/Sydney", days="mon-fri", hours="8-18")
TEL_AVIV = bh.make(zone="Asia/Jerusalem", days="sun-thu", hours="08:30-16:30", holidays="IL")
CALENDARS = [PARIS, SYDNEY, TEL_AVIV, bh.make(zone="UTC", days="mon,wed,sat", hours="20-24")]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    # Fri 2026-12-04 16:00 Paris (15:00 UTC): one hour on Friday, three on Monday.
    due = PARIS.add(utc(2026, 12, 4, 15, 0), 4 * 60)
    assert due == utc(2026, 12, 7, 11, 0)  # Mon 12:00 Paris
    assert PARIS.between(utc(2026, 12, 4, 15, 0), due) == 240


def test_christmas_and_new_year_are_skipped() -> None:
    # Thu 24 Dec 16:00 Paris: 1h that day, Fri 25 is a holiday, then Mon 28.
    assert PARIS.add(utc(2026, 12, 24, 15, 0), 120) == utc(2026, 12, 28, 9, 0)
    # Thu 31 Dec 16:30: 30 min, then Fri 1 Jan (holiday), the weekend, Mon 4 Jan 09:30.
    assert PARIS.add(utc(2026, 12, 31, 15, 30), 60) == utc(2027, 1, 4, 8, 30)
    assert PARIS.is_holiday(datetime(2027, 5, 1).date())
    assert PARIS.is_holiday(datetime(2027, 5, 8).date())


def test_dst_days_count_wall_clock_hours() -> None:
    # Paris springs forward on Easter Sunday 2027-03-28; Easter Monday is a holiday too:
    # 09:00 is 08:00 UTC on Friday and 07:00 UTC on Tuesday.
    friday_close = utc(2027, 3, 26, 16, 0)  # 17:00 CET
    assert PARIS.add(friday_close, 60) == utc(2027, 3, 30, 8, 0)  # Tue 10:00 CEST
    assert PARIS.span(datetime(2027, 3, 29).date()) is None
    assert PARIS.span(datetime(2027, 3, 30).date()) == (utc(2027, 3, 30, 7), utc(2027, 3, 30, 15))
    # A 24×7 calendar in Paris counts 23 hours on the short day.
    always = bh.make(zone="Europe/Paris", days="mon-sun", hours="00:00-24:00")
    day = always.span(datetime(2027, 3, 28).date())
    assert day is not None and day[1] - day[0] == timedelta(hours=23)


def test_zero_and_negative() -> None:
    start = utc(2026, 12, 5, 3, 0)  # a Saturday night
    assert PARIS.add(start, 0) == start
    assert PARIS.between(start, start - timedelta(hours=5)) == 0
    assert PARIS.between(start, utc(2026, 12, 7, 7, 59)) == 0  # before Monday 09:00 Paris


def test_bad_calendars_name_the_problem() -> None:
    with pytest.raises(CalendarError, match="no working days"):
        Calendar("Europe/Paris", frozenset(), 540, 1020)
    with pytest.raises(CalendarError, match="not a time zone"):
        bh.make(zone="Mars/Olympus", days="mon-fri", hours="9-17")
    with pytest.raises(CalendarError, match="end before they start"):
        bh.make(zone="UTC", days="mon-fri", hours="17:00-09:00")
    with pytest.raises(CalendarError, match="not a day"):
        bh.make(zone="UTC", days="mon-fryday", hours="9-17")
    with pytest.raises(CalendarError, match="public holidays"):
        bh.make(zone="UTC", days="mon-fri", hours="9-17", holidays="XX")
    with pytest.raises(CalendarError, match="not a span of hours"):
        bh.parse_hours("9am-5pm")


def test_describe_and_round_trip() -> None:
    assert bh.describe(PARIS) == "Mon–Fri 09:00–17:00 Europe/Paris, FR holidays"
    assert bh.describe(TEL_AVIV) == "Sun–Thu 08:30–16:30 Asia/Jerusalem, IL holidays"
    assert bh.describe(None) == "24×7 (wall clock)"
    assert bh.from_json(PARIS.to_json()) == PARIS
    us = bh.make(zone="America/Los_Angeles", days="mon-fri", hours="9-17", holidays="us-ca")
    assert bh.from_json(us.to_json()) == us and bh.holiday_code(us) == "US-CA"
    assert bh.hours_text(90) == "1h 30m" and bh.hours_text(120) == "2h"


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
calendars = st.sampled_from(CALENDARS)
minutes = st.integers(min_value=0, max_value=60 * 24 * 20)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=moments, b=moments)
def test_add_between_round_trip(cal: Calendar, a: datetime, b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    spent = cal.between(a, b)
    back = cal.add(a, spent)
    assert back <= b
    assert cal.between(a, back) == pytest.approx(spent, abs=1e-6)
    # Whatever lies between `back` and `b` is off hours.
    assert cal.between(back, b) == pytest.approx(0, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(cal=calendars, a=moments, n=minutes, m=minutes)
def test_add_is_monotonic_and_lands_in_hours(cal: Calendar, a: datetime, n: int, m: int) -> None:
    lo, hi = sorted((n, m))
    assert cal.add(a, lo) <= cal.add(a, hi)
    if hi:
        due = cal.add(a, hi)
        assert cal.between(a, due) == pytest.approx(hi, abs=1e-6)
        local = due.astimezone(cal.tz)
        span = cal.span(local.date()) or cal.span(local.date() - timedelta(days=1))
        assert span is not None and span[0] < due <= span[1]


@settings(max_examples=100, deadline=None)
@given(cal=calendars, a=moments, n=minutes, m=minutes)
def test_add_composes(cal: Calendar, a: datetime, n: int, m: int) -> None:
    assert cal.add(cal.add(a, n), m) == cal.add(a, n + m)
