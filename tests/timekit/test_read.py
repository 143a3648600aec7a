"""The one date and time reader: every written form, and properties over all dates and times."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.timekit.read import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    DateRead,
    TimeRange,
    read_date,
    read_times,
    take_date,
    take_times,
)

# Modest counts: this file runs in a few seconds; the seed is in the report header.
PROPS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)

FRIDAY = date(2026, 12, 4)
WEDNESDAY = date(2026, 9, 23)  # 9/27/2026 is the Sunday after


def _date(text: str, today: date = WEDNESDAY, **kw: object) -> DateRead:
    taken = take_date(text.split(), 0, today=today, **kw)  # type: ignore[arg-type]
    assert taken is not None, text
    assert taken.used == len(text.split()), (text, taken)
    return taken.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-09-27", date(2016, 9, 27)),
        ("9/27", date(2026, 9, 27)),
        ("27/9", date(2026, 9, 27)),
        ("9/27/2016", date(2016, 9, 27)),
        ("27/9/2016", date(2016, 9, 27)),
        ("9/27/16", date(2016, 9, 27)),
        ("Sep 27", date(2026, 9, 27)),
        ("27 Sept 2016", date(2016, 9, 27)),
        ("Sept. 27,", date(2026, 9, 27)),
        ("Sept. 27, 2016", date(2016, 9, 27)),
        ("September 27th", date(2026, 9, 27)),
        ("27th of September", date(2026, 9, 27)),
        ("today", WEDNESDAY),
        ("tomorrow", date(2026, 9, 24)),
        ("next tuesday", date(2026, 9, 29)),
        ("next wednesday", date(2026, 9, 30)),  # strictly after today
        ("wednesday", WEDNESDAY),  # a bare weekday includes today
        ("fri", date(2026, 9, 25)),
        ("in 2 weeks", date(2026, 10, 7)),
        ("in 3 days", date(2026, 9, 26)),
        ("in a week", date(2026, 9, 30)),
        ("end of month", date(2026, 9, 30)),
        ("end of the month", date(2026, 9, 30)),
        ("end of next month", date(2026, 10, 31)),
        ("Sep 1", date(2027, 9, 1)),  # past this year: the next one
        ("Thursday 9/27", date(2026, 9, 27)),
        ("Thu, Sep 27", date(2026, 9, 27)),
        ("Tuesday, September 27th, 2016", date(2016, 9, 27)),
    ],
)
def test_date_forms(text: str, expected: date) -> None:
    assert _date(text).value == expected


def test_friday_means_today_on_a_friday_and_next_friday_means_next_week() -> None:
    assert _date("friday", FRIDAY).value == FRIDAY
    assert _date("Friday", FRIDAY).value == FRIDAY
    assert _date("next friday", FRIDAY).value == FRIDAY + timedelta(days=7)
    assert _date("next saturday", FRIDAY).value == FRIDAY + timedelta(days=1)
    assert _date("thursday", FRIDAY).value == FRIDAY + timedelta(days=6)


def test_month_or_day_first_and_the_notes_that_say_so() -> None:
    ambiguous = _date("9/10")
    assert ambiguous.value == date(2026, 9, 10) + timedelta(days=365)  # past: next year
    assert ambiguous.note and "10 September" in ambiguous.note
    assert "month first" in ambiguous.note and "/wg settings dates day-first" in ambiguous.note
    european = _date("9/10", day_first=True)
    assert european.value == date(2026, 10, 9)
    assert european.note and "9 October" in european.note and "month-first" in european.note
    only_one_way = _date("27/9")
    assert only_one_way.value == date(2026, 9, 27)
    assert only_one_way.note and "day first" in only_one_way.note
    assert _date("9/27", day_first=True).value == date(2026, 9, 27)
    assert _date("9/30").note is None  # the same either way
    assert _date("10/10").note is None
    assert _date("2026-09-10").note is None


def test_weekday_that_contradicts_the_date_is_reported_and_the_date_wins() -> None:
    read = _date("Thursday 9/27/2016")
    assert read.value == date(2016, 9, 27)
    assert read.weekday_written == 3
    assert read.note == "2016-09-27 was a Tuesday, not a Thursday"
    right = _date("Tue 9/27/2016")
    assert right.note is None and right.weekday_written == 1
    future = _date("Thu, Sep 27")
    assert future.note == "2026-09-27 is a Sunday, not a Thursday"


def test_a_year_filled_in_is_stated_and_prefer_picks_the_direction() -> None:
    spring = _date("Mar 3")  # today is in September: the next March 3rd
    assert spring.value == date(2027, 3, 3) and not spring.year_given
    assert spring.note and "2027-03-03" in spring.note
    nearest = _date("Sep 1", prefer="nearest")
    assert nearest.value == date(2026, 9, 1) and nearest.note is None
    assert _date("Sep 1").value == date(2027, 9, 1)
    assert _date("Feb 29", today=date(2026, 3, 1)).value == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-02-30", "Feb 30", "4/31", "9/31", "31/4/2026", "2/30"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(UsageError, match="not a real date"):
        take_date(text.split(), 0, today=WEDNESDAY)


@pytest.mark.parametrize(
    "text", ["someday", "7am", "50/50", "13/13", "in Tokyo", "the 27th", "may"]
)
def test_words_that_are_not_dates(text: str) -> None:
    assert take_date(text.split(), 0, today=WEDNESDAY) is None


def test_read_date_names_the_word_it_could_not_read() -> None:
    with pytest.raises(UsageError) as exc:
        read_date("friday afternoon", today=WEDNESDAY)
    assert "afternoon" in exc.value.message and "2026-09-25" in exc.value.message
    with pytest.raises(UsageError) as exc:
        read_date("someday", today=WEDNESDAY, usage="/x DATE")
    assert "someday" in exc.value.message and exc.value.usage == "/x DATE"
    # The example offered reads back.
    example = exc.value.message.split("`")[3]
    assert read_date(example, today=WEDNESDAY).value == WEDNESDAY + timedelta(days=7)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("7am", time(7), None),
        ("7 AM", time(7), None),
        ("7:30 PM", time(19, 30), None),
        ("7:30pm,", time(19, 30), None),
        ("7 p.m.", time(19), None),
        ("19:30", time(19, 30), None),
        ("7h30", time(7, 30), None),
        ("noon", time(12), None),
        ("midnight", time(0), None),
        ("12am", time(0), None),
        ("12pm", time(12), None),
        ("7-9 AM", time(7), time(9)),
        ("7:00–9:00", time(7), time(9)),
        ("7 - 9 pm", time(19), time(21)),
        ("7am-9am", time(7), time(9)),
        ("7am - 9am", time(7), time(9)),
        ("11-1pm", time(11), time(13)),
        ("10pm-2am", time(22), time(2)),
        ("9pm-1", time(21), time(1)),
        ("9-17", time(9), time(17)),
        ("7 to 9 pm", time(19), time(21)),
        ("noon-2pm", time(12), time(14)),
        ("7\u202fPM", time(19), None),
    ],
)
def test_time_forms(text: str, start: time, end: time | None) -> None:
    taken = take_times(text.split(), 0)
    assert taken is not None, text
    assert taken.used == len(text.split())
    assert taken.value == TimeRange(start, end)


@pytest.mark.parametrize("text", ["7", "7-9", "25:00", "7:75", "13pm", "7 a", "2016", "0/5"])
def test_not_a_time(text: str) -> None:
    assert take_times(text.split(), 0) is None


def test_a_bare_number_is_asked_about() -> None:
    with pytest.raises(UsageError, match="`7`: say 7am, 7pm or 07:00"):
        read_times("7")
    with pytest.raises(UsageError, match="7-9 am, 7-9 pm"):
        read_times("7-9")
    with pytest.raises(UsageError, match="tomorrow"):
        read_times("7am tomorrow")
    assert read_times("7 - 9 PM") == TimeRange(time(19), time(21))


def test_a_time_after_words_is_taken_where_it_starts() -> None:
    words = "thursday 9/27 7am PDT".split()
    d = take_date(words, 0, today=WEDNESDAY)
    assert d is not None and d.used == 2
    t = take_times(words, d.used)
    assert t is not None and t.used == 1 and t.value.start == time(7)
    assert take_times("at 7 a meeting".split(), 1) is None


# -- properties ------------------------------------------------------------------------

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31))
todays = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@PROPS
@given(dates, todays, st.booleans())
def test_any_date_with_a_year_reads_back(d: date, today: date, day_first: bool) -> None:
    forms = [
        d.isoformat(),
        f"{d:%b} {d.day} {d.year}",
        f"{MONTH_NAMES[d.month - 1]} {d.day}, {d.year}",
        f"{d.day} {d:%B} {d.year}",
        f"{WEEKDAY_NAMES[d.weekday()]}, {d:%b}. {d.day}, {d.year}",
        (f"{d.day}/{d.month}/{d.year}" if day_first else f"{d.month}/{d.day}/{d.year}"),
    ]
    for text in forms:
        read = read_date(text, today=today, day_first=day_first)
        assert read.value == d, text
        assert read.year_given
        assert "not a" not in (read.note or ""), text


@PROPS
@given(todays, st.booleans(), st.sampled_from(["future", "nearest"]))
def test_a_date_without_a_year_is_the_next_or_the_nearest(
    today: date, day_first: bool, prefer: str
) -> None:
    for ahead in (0, 1, 40, 200, 364):
        d = today + timedelta(days=ahead)
        if (d.month, d.day) == (2, 29):
            continue
        read = read_date(f"{d:%b} {d.day}", today=today, prefer=prefer)  # type: ignore[arg-type]
        if prefer == "future":
            assert read.value == d
        else:
            assert abs((read.value - today).days) <= 183
        assert (read.note is None) == (read.value.year == today.year)


@PROPS
@given(todays, st.integers(0, 6))
def test_weekdays_bare_from_today_on_and_next_strictly_after(today: date, wd: int) -> None:
    name = WEEKDAY_NAMES[wd]
    bare = read_date(name, today=today).value
    assert 0 <= (bare - today).days <= 6 and bare.weekday() == wd
    nxt = read_date(f"next {name}", today=today).value
    assert 1 <= (nxt - today).days <= 7 and nxt.weekday() == wd


@PROPS
@given(dates, todays, st.integers(1, 6))
def test_a_wrong_weekday_always_gives_a_note(d: date, today: date, shift: int) -> None:
    wrong = (d.weekday() + shift) % 7
    read = read_date(f"{WEEKDAY_NAMES[wrong]} {d.isoformat()}", today=today)
    assert read.value == d and read.weekday_written == wrong
    assert read.note and f"not a {WEEKDAY_NAMES[wrong].capitalize()}" in read.note


clock = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@PROPS
@given(clock)
def test_any_time_reads_back(t: time) -> None:
    for text in (f"{t:%I:%M %p}", f"{t:%I:%M%p}".lower(), f"{t:%H:%M}", f"{t.hour}h{t:%M}"):
        assert read_times(text) == TimeRange(t, None), text
    if t.minute == 0:
        assert read_times(f"{t:%I %p}".lstrip("0")) == TimeRange(t, None)


@PROPS
@given(clock, clock, st.sampled_from(["-", " - ", "–", " to "]))
def test_ranges_read_back_and_say_when_they_cross_midnight(a: time, b: time, dash: str) -> None:
    span = read_times(f"{a:%H:%M}{dash}{b:%H:%M}")
    assert span == TimeRange(a, b)
    assert span.crosses_midnight == (b <= a)
    assert span.minutes is not None and 1 <= span.minutes <= 1440
    twelve = read_times(f"{a:%I:%M %p}{dash}{b:%I:%M %p}")
    assert twelve == span


@PROPS
@given(st.integers(1, 11), st.integers(1, 11), st.sampled_from(["am", "pm"]))
def test_the_end_meridiem_applies_to_the_start_when_it_makes_sense(
    h1: int, h2: int, meridiem: str
) -> None:
    assume(h1 != h2)
    span = read_times(f"{h1}-{h2} {meridiem}")
    assert span.end is not None and span.end.hour % 12 == h2 % 12
    assert span.start.hour % 12 == h1 % 12
    assert span.minutes is not None and span.minutes < 12 * 60


words = st.lists(
    st.one_of(
        st.sampled_from(
            "friday next in 2 weeks 9/27 27/9 13/13 2/30 Sep Sept. 27, 2016 of end month "
            "the 7 7am - – 9 pm PM noon : 12:60 99:99 thu, 0 00 31 29 feb 2100 a p.m.".split()
        ),
        st.text(max_size=8),
    ),
    max_size=8,
)


@settings(PROPS, max_examples=300)
@given(words, todays, st.booleans(), st.integers(0, 8))
def test_no_input_raises_anything_but_usage_error(
    ws: list[str], today: date, df: bool, i: int
) -> None:
    ws = [w for w in ws if w.strip()] or ["x"]
    for start in range(min(i, len(ws))):
        try:
            take_date(ws, start, today=today, day_first=df, prefer="nearest")
        except UsageError:
            pass
        take_times(ws, start)
    text = " ".join(ws)
    for reader in (lambda: read_date(text, today=today, day_first=df), lambda: read_times(text)):
        try:
            reader()
        except UsageError as exc:
            assert exc.message


def test_support_periods_read_their_dates_with_the_same_reader() -> None:
    from datetime import UTC, datetime

    from bot.support.periods import PeriodError, parse_period

    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    p = parse_period("9/1..9/30", now=now, zone="Europe/Paris")
    assert p.text == "2026-09-01..2026-09-30"  # a report looks back: the nearest 9/1
    assert parse_period("2026-10-01..today", now=now, zone="UTC").text == ("2026-10-01..2026-11-23")
    with pytest.raises(PeriodError, match="not a date"):
        parse_period("2/30..3/1", now=now, zone="UTC")
