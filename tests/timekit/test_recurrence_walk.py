"""Occurrences checked against an independent walk of the calendar.

The bot expands a series with dateutil's RRULE reader. Comparing it with dateutil on
the same RRULE text would agree with any mistake in writing the rule, so this test
walks the calendar itself, one day at a time with `datetime.date` and `zoneinfo`,
and decides from first principles which days a rule written the way people write it
(`every other tuesday`, `every last monday`, `every odd week on thursday` …) meets
on, and at which instant:

* every day; every weekday (Monday to Friday); every <weekday>; several weekdays;
* every other <weekday>: the first such day on or after the start, then every 14 days;
* every N weeks on <weekdays>: the week (Monday to Sunday) of the first meeting, then
  every Nth week;
* every first / last <weekday>: day 1–7 of the month / the last 7 days of the month;
* every odd / even week: the ISO week number's parity;
* the wall-clock time is kept across DST: the instant is that local time in the home
  zone; a time that does not exist that day (a DST gap) moves forward by the gap, and
  one that happens twice takes the first (RFC 5545, and zoneinfo's fold=0);
* skipped dates (EXDATE) are left out, COUNT counts before them, UNTIL is a last local
  date, inclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.meetings.grammar import parse_recurrence
from bot.timekit.recurrence import (
    Recurrence,
    Schedule,
    first_on_or_after,
    occurrences,
    previous_occurrence,
    to_rrule,
)

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ZONES = [
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30, DST at 02:00
    "America/Santiago",  # southern hemisphere, clocks change at midnight
    "America/Havana",  # clocks change at midnight (00:00 -> 01:00)
    "Europe/Paris",  # the last Sunday of March and October: `every last sunday`
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a DST change of 30 minutes
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "UTC",
]
HORIZON = 2 * 366  # days walked


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _first_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def rule_for(phrase: str, start: date) -> Callable[[date], bool]:
    """Whether a series written `phrase`, starting on `start`, meets on a day."""
    words = phrase.split()
    days = {DAYS.index(w) for w in words if w in DAYS}
    if phrase == "every day":
        return lambda d: True
    if phrase == "every weekday":
        return lambda d: d.weekday() < 5
    if words[1] == "other":
        (wd,) = days
        anchor = _first_weekday(start, wd)
        return lambda d: d.weekday() == wd and (d - anchor).days % 14 == 0
    if words[1].isdigit():
        # every N weeks on DAYS: the weeks (Monday to Sunday) of the first meeting, then
        # every Nth week after it.
        n = int(words[1])
        first = min(_first_weekday(start, wd) for wd in days)
        return lambda d: d.weekday() in days and (_monday(d) - _monday(first)).days // 7 % n == 0
    if words[1] == "first":
        return lambda d: d.weekday() in days and d.day <= 7
    if words[1] == "last":
        return lambda d: d.weekday() in days and (d + timedelta(days=7)).month != d.month
    if words[1] in ("odd", "even"):
        parity = 1 if words[1] == "odd" else 0
        return lambda d: d.weekday() in days and d.isocalendar().week % 2 == parity
    return lambda d: d.weekday() in days


def instant(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of `at` on `day` in `tz` (fold=0: a gap moves forward, an overlap
    takes its first instant)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def exists_once(day: date, at: time, tz: str) -> bool:
    """Neither skipped (DST gap) nor repeated (overlap) that day."""
    zone = ZoneInfo(tz)
    local = datetime.combine(day, at)
    first, second = local.replace(tzinfo=zone), local.replace(tzinfo=zone, fold=1)
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back == local and first.utcoffset() == second.utcoffset()


phrases = st.one_of(
    st.just("every day"),
    st.just("every weekday"),
    st.sampled_from(DAYS).map(lambda d: f"every {d}"),
    st.lists(st.sampled_from(DAYS), min_size=2, max_size=3, unique=True).map(
        lambda ds: "every " + " and ".join(ds)
    ),
    st.sampled_from(DAYS).map(lambda d: f"every other {d}"),
    st.tuples(
        st.integers(2, 3), st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True)
    ).map(lambda t: f"every {t[0]} weeks on " + " and ".join(t[1])),
    st.tuples(st.sampled_from(["first", "last"]), st.sampled_from(DAYS)).map(
        lambda t: f"every {t[0]} {t[1]}"
    ),
    st.tuples(st.sampled_from(["odd", "even"]), st.sampled_from(DAYS)).map(
        lambda t: f"every {t[0]} week on {t[1]}"
    ),
)
# Times near the DST changes (00:00–03:59) come up often.
hours = st.one_of(st.integers(0, 23), st.integers(0, 3))


@settings(max_examples=300, deadline=None)
@given(
    phrase=phrases,
    tz=st.sampled_from(ZONES),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2032, 12, 31)),
    at=st.builds(time, hours, st.sampled_from([0, 15, 30, 45])),
    end=st.one_of(
        st.none(),
        st.integers(0, HORIZON).map(lambda n: ("until", n)),
        st.integers(1, 80).map(lambda n: ("count", n)),
    ),
    data=st.data(),
)
def test_occurrences_match_an_independent_walk_of_the_calendar(
    phrase: str,
    tz: str,
    start: date,
    at: time,
    end: tuple[str, int] | None,
    data: st.DataObject,
) -> None:
    words = phrase.split()
    rec = parse_recurrence(words[0], words[1:])
    until = start + timedelta(days=end[1]) if end and end[0] == "until" else None
    count = end[1] if end and end[0] == "count" else None
    rec = Recurrence(rec.kind, rec.interval, rec.weekdays, rec.parity, rec.setpos, until, count)

    # The walk: every day of the next two years, in order.
    meets = rule_for(phrase, start)
    dates = [d for d in (start + timedelta(days=n) for n in range(HORIZON)) if meets(d)]
    assert dates, phrase  # every rule meets within two years
    if until is not None:
        dates = [d for d in dates if d <= until]
    if count is not None:
        dates = dates[:count]
    # The first meeting at a time that does not exist, or exists twice, is refused
    # when scheduling (the user picks another); later ones move (checked below).
    assume(dates and exists_once(dates[0], at, tz))
    skipped = data.draw(st.sets(st.sampled_from(dates), max_size=3), label="skipped")
    expected = [d for d in dates if d not in skipped]

    first = first_on_or_after(rec, tz=tz, day=start, at=at)
    assert first is not None and first.date() == dates[0], (phrase, first, dates[0])
    s = Schedule(first, tz, to_rrule(rec, tz=tz, at=at), tuple(sorted(skipped)))
    window_start = instant(start, time(0), tz)
    window_end = instant(start + timedelta(days=HORIZON), time(0), tz)
    got = occurrences(s, after=window_start, before=window_end, limit=HORIZON + 1)

    assert [o.local_date for o in got] == expected, (phrase, tz, s.rrule)
    assert [o.start for o in got] == [instant(d, at, tz) for d in expected], (phrase, tz)
    for o in got:
        assert o.local == o.start.astimezone(ZoneInfo(tz)) and o.end - o.start == s.duration
        wall = o.local.time().replace(fold=0)
        if exists_once(o.local_date, at, tz) or wall == at:
            # The wall-clock time is kept (an overlap takes the first of the two).
            assert wall == at and not o.shifted, (o, at)
        else:
            # A DST gap: the meeting is later that day, by the gap, and flagged.
            assert wall > at and o.shifted, (o, at)
    # Each meeting's previous one is the one before it in the walk.
    if len(got) > 1:
        i = data.draw(st.integers(1, len(got) - 1), label="index")
        prev = previous_occurrence(s, got[i].start)
        assert prev is not None and prev.start == got[i - 1].start


def test_the_walk_itself_on_known_dates() -> None:
    """The oracle, checked by hand: the rules and the DST instants it produces."""
    start = date(2026, 11, 23)
    walk = [start + timedelta(days=n) for n in range(70)]
    other = [d for d in walk if rule_for("every other tuesday", start)(d)]
    assert other[:3] == [date(2026, 11, 24), date(2026, 12, 8), date(2026, 12, 22)]
    firsts = [d for d in walk if rule_for("every first monday", start)(d)]
    assert firsts == [date(2026, 12, 7), date(2027, 1, 4)]
    lasts = [d for d in walk if rule_for("every last monday", start)(d)]
    assert lasts == [date(2026, 11, 30), date(2026, 12, 28), date(2027, 1, 25)]
    odd = [d for d in walk if rule_for("every odd week on tuesday", start)(d)]
    assert odd[:4] == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29), date(2027, 1, 5)]
    # Los Angeles, 14 March 2027: 02:30 does not exist and is met at 03:30 PDT.
    la = "America/Los_Angeles"
    assert not exists_once(date(2027, 3, 14), time(2, 30), la)
    assert instant(date(2027, 3, 14), time(2, 30), la) == datetime(2027, 3, 14, 10, 30, tzinfo=UTC)
    # 7 November 2027: 01:30 happens twice; the first (PDT) is taken.
    assert not exists_once(date(2027, 11, 7), time(1, 30), la)
    assert instant(date(2027, 11, 7), time(1, 30), la) == datetime(2027, 11, 7, 8, 30, tzinfo=UTC)
    assert exists_once(date(2027, 11, 7), time(9), la)


def test_an_every_n_rule_first_meets_on_the_first_allowed_day_after_its_start() -> None:
    """Found by the walk: the interval counted from the start's own week (or month)."""
    # Thursday 7 January 2027: the next Monday is the 11th (dateutil alone gives the 18th).
    other = parse_recurrence("every", ["other", "monday"])
    first = first_on_or_after(other, tz="UTC", day=date(2027, 1, 7), at=time(10))
    assert first == datetime(2027, 1, 11, 10, tzinfo=ZoneInfo("UTC"))
    # 20 January 2027: the next first Monday is 1 February (dateutil alone: 1 March).
    bimonthly = parse_recurrence("every", ["2", "months", "on", "the", "first", "monday"])
    first = first_on_or_after(bimonthly, tz="Europe/Paris", day=date(2027, 1, 20), at=time(11))
    assert first is not None and first.date() == date(2027, 2, 1)
    s = Schedule(first, "Europe/Paris", to_rrule(bimonthly, tz="Europe/Paris", at=time(11)))
    dates = [o.local_date for o in occurrences(s, after=first, limit=3)]
    assert dates == [date(2027, 2, 1), date(2027, 4, 5), date(2027, 6, 7)]
