"""timekit: zones, parsing, DST and occurrence lists in both hemispheres (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.errors import UsageError
from bot.timekit.dst import LocalKind, classify, localize
from bot.timekit.parse import (
    format_offset,
    parse_clock,
    parse_duration,
    parse_hours,
    parse_offsets,
    take_date,
)
from bot.timekit.recurrence import (
    Recurrence,
    Schedule,
    first_on_or_after,
    from_rrule,
    occurrences,
    previous_occurrence,
    to_rrule,
)
from bot.timekit.zones import get_zone, resolve_zone, season_note

# -- zones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("europe/paris", "Europe/Paris"),
        ("America/Los_Angeles", "America/Los_Angeles"),
        ("UTC", "UTC"),
        ("utc+5:30", "UTC+05:30"),
        ("UTC+05:45", "UTC+05:45"),
        ("GMT-3", "UTC-03:00"),
        ("+0530", "UTC+05:30"),
        ("UTC+0", "UTC"),
        ("PT", "America/Los_Angeles"),
        ("PST", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("MT", "America/Denver"),
        ("CT", "America/Chicago"),
        ("ET", "America/New_York"),
        ("EST", "America/New_York"),
        ("EDT", "America/New_York"),
        ("GMT", "UTC"),
        ("BST", "Europe/London"),
        ("CET", "Europe/Paris"),
        ("CEST", "Europe/Paris"),
        ("EET", "Europe/Athens"),
        ("IST", "Asia/Kolkata"),
        ("JST", "Asia/Tokyo"),
        ("KST", "Asia/Seoul"),
        ("AEST", "Australia/Sydney"),
        ("AEDT", "Australia/Sydney"),
        ("NZST", "Pacific/Auckland"),
        ("Paris", "Europe/Paris"),
        ("Tokyo", "Asia/Tokyo"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("Los Angeles", "America/Los_Angeles"),
        ("San Francisco", "America/Los_Angeles"),
        ("London", "Europe/London"),
        ("Kathmandu", "Asia/Kathmandu"),
        ("Bangalore", "Asia/Kolkata"),
        ("India", "Asia/Kolkata"),
        ("Japan", "Asia/Tokyo"),
        ("Germany", "Europe/Berlin"),
        # Australia now asks which of its zones (tests/timekit/test_places.py).
        ("Queensland", "Australia/Brisbane"),
    ],
)
def test_resolve_zone(written: str, key: str) -> None:
    assert resolve_zone(written).key == key
    get_zone(resolve_zone(written).key)  # every key is usable


# Countries spanning several zones ask instead (tests/timekit/test_places.py).
@pytest.mark.parametrize("written", ["IST", "CST", "BST", "AST", "Portland", "Cambridge"])
def test_ambiguous_names_are_read_one_way_and_say_so(written: str) -> None:
    reading = resolve_zone(written)
    assert reading.note
    assert reading.key in reading.note


@pytest.mark.parametrize("written", ["Mars/Olympus", "XYZ", "UTC+15", "Atlantis", ""])
def test_unknown_zone_is_refused_by_name(written: str) -> None:
    with pytest.raises(UsageError):
        resolve_zone(written)


def test_fixed_offset_zone() -> None:
    z = get_zone("UTC+05:45")
    assert datetime(2026, 6, 1, tzinfo=z).utcoffset() == timedelta(hours=5, minutes=45)
    assert "fixed offset" in (resolve_zone("UTC+5:45").note or "")


def test_season_note_when_pst_is_written_in_summer() -> None:
    reading = resolve_zone("PST")
    summer = datetime(2027, 7, 1, 16, tzinfo=UTC)
    winter = datetime(2027, 1, 5, 16, tzinfo=UTC)
    assert "PDT" in (season_note(reading, summer) or "")
    assert season_note(reading, winter) is None
    assert season_note(resolve_zone("PT"), summer) is None


# -- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12pm", time(12, 0)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("9am", time(9, 0)),
        ("9pm", time(21, 0)),
        ("9:30 pm", time(21, 30)),
        ("9.30pm", time(21, 30)),
        ("16:00", time(16, 0)),
        ("07:00", time(7, 0)),
        ("16h30", time(16, 30)),
        ("noon", time(12, 0)),
        ("midnight", time(0, 0)),
    ],
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["9", "25:00", "13pm", "0am", "12:60", "teatime", "2026"])
def test_parse_clock_refuses(text: str) -> None:
    assert parse_clock(text) is None


def test_dates_and_weekdays() -> None:
    today = date(2026, 11, 23)
    assert take_date(["2026-12-03"], 0, today).value == date(2026, 12, 3)  # type: ignore[union-attr]
    assert take_date(["dec", "3"], 0, today).value == date(2026, 12, 3)  # type: ignore[union-attr]
    assert take_date(["3", "march", "2027"], 0, today).value == date(2027, 3, 3)  # type: ignore[union-attr]
    # Without a year: the next such date.
    assert take_date(["jan", "5"], 0, today).value == date(2027, 1, 5)  # type: ignore[union-attr]
    assert take_date(["tomorrow"], 0, today).value == date(2026, 11, 24)  # type: ignore[union-attr]
    with pytest.raises(UsageError):
        take_date(["2026-02-30"], 0, today)


def test_durations_and_offsets() -> None:
    assert parse_duration("1h") == 60
    assert parse_duration("90m") == 90
    assert parse_duration("1h30") == 90
    assert parse_duration("1.5h") == 90
    assert parse_duration("2 hours") == 120
    assert parse_duration("24h") == 1440
    for bad in ("0m", "25h", "soon", "90"):
        with pytest.raises(UsageError):
            parse_duration(bad)
    assert parse_offsets("1d,15m") == [1440, 15]
    assert parse_offsets("15m, 2h") == [120, 15]
    assert parse_offsets("none") == []
    assert format_offset(1440) == "1d"
    assert format_offset(90) == "1h30m"
    assert parse_hours("9-17") == (540, 1020)
    assert parse_hours("8am-4:30pm") == (480, 990)
    with pytest.raises(UsageError):
        parse_hours("17-9")


# -- DST --------------------------------------------------------------------------------


def test_gap_and_overlap_detection_with_fold() -> None:
    la = "America/Los_Angeles"
    assert classify(datetime(2027, 3, 14, 2, 30), la) is LocalKind.GAP
    assert classify(datetime(2026, 11, 1, 1, 30), la) is LocalKind.OVERLAP
    assert classify(datetime(2026, 11, 1, 3, 30), la) is LocalKind.OK
    # Southern hemisphere: Sydney goes forward in October, back in April.
    assert classify(datetime(2026, 10, 4, 2, 30), "Australia/Sydney") is LocalKind.GAP
    assert classify(datetime(2027, 4, 4, 2, 30), "Australia/Sydney") is LocalKind.OVERLAP
    assert classify(datetime(2027, 3, 28, 2, 30), "Asia/Kolkata") is LocalKind.OK
    with pytest.raises(UsageError, match="does not exist"):
        localize(datetime(2027, 3, 14, 2, 30), la)
    with pytest.raises(UsageError, match="happens twice"):
        localize(datetime(2026, 11, 1, 1, 30), la)


# -- recurrences ------------------------------------------------------------------------


def _series(tz: str, start: datetime, rec: Recurrence, exdates: tuple[date, ...] = ()) -> Schedule:
    aware = start.replace(tzinfo=get_zone(tz))
    return Schedule(aware, tz, to_rrule(rec, tz=tz, at=start.time()), exdates)


def _utc_hours(s: Schedule, after: datetime, n: int) -> list[str]:
    return [f"{o.start:%m-%d %H:%M}" for o in occurrences(s, after=after, limit=n)]


def test_los_angeles_keeps_wall_clock_across_both_changes() -> None:
    s = _series("America/Los_Angeles", datetime(2027, 3, 2, 9), Recurrence("weekly", 1, (1,)))
    start = datetime(2027, 3, 1, tzinfo=UTC)
    assert _utc_hours(s, start, 3) == ["03-02 17:00", "03-09 17:00", "03-16 16:00"]
    occs = occurrences(s, after=datetime(2027, 10, 25, tzinfo=UTC), limit=3)
    assert [f"{o.start:%m-%d %H:%M}" for o in occs] == ["10-26 16:00", "11-02 16:00", "11-09 17:00"]
    assert all(o.local.hour == 9 for o in occs)


def test_paris_moves_in_utc_with_european_dst() -> None:
    s = _series("Europe/Paris", datetime(2027, 3, 22, 15), Recurrence("weekly", 1, (0,)))
    assert _utc_hours(s, datetime(2027, 3, 20, tzinfo=UTC), 2) == ["03-22 14:00", "03-29 13:00"]
    assert _utc_hours(s, datetime(2027, 10, 20, tzinfo=UTC), 2) == [
        "10-25 13:00",
        "11-01 14:00",
    ]  # EU clocks go back Oct 31


def test_sydney_southern_hemisphere() -> None:
    # Sydney: DST ends first Sunday of April, starts first Sunday of October.
    s = _series("Australia/Sydney", datetime(2027, 3, 29, 18), Recurrence("weekly", 1, (0,)))
    assert _utc_hours(s, datetime(2027, 3, 28, tzinfo=UTC), 2) == ["03-29 07:00", "04-05 08:00"]
    assert _utc_hours(s, datetime(2027, 9, 26, tzinfo=UTC), 2) == ["09-27 08:00", "10-04 07:00"]


def test_kolkata_has_no_dst_and_kathmandu_is_quarter_hour() -> None:
    kol = _series("Asia/Kolkata", datetime(2027, 3, 1, 19, 30), Recurrence("weekly", 1, (0,)))
    ktm = _series("Asia/Kathmandu", datetime(2027, 3, 1, 19, 30), Recurrence("weekly", 1, (0,)))
    after = datetime(2027, 3, 1, tzinfo=UTC)
    # The same UTC time all year: no DST in India or Nepal.
    assert set(_utc_hours(kol, after, 40)[i][6:] for i in range(40)) == {"14:00"}
    assert set(_utc_hours(ktm, after, 40)[i][6:] for i in range(40)) == {"13:45"}


def test_meeting_in_a_gap_moves_forward_and_is_flagged() -> None:
    s = _series("America/Los_Angeles", datetime(2027, 3, 7, 2, 30), Recurrence("weekly", 1, (6,)))
    occs = occurrences(s, after=datetime(2027, 3, 1, tzinfo=UTC), limit=3)
    assert [o.shifted for o in occs] == [False, True, False]
    assert occs[1].local.hour == 3 and occs[1].local.minute == 30


def test_iso_week_parity() -> None:
    for parity in ("odd", "even"):
        rec = Recurrence("weekly", 2, (1,), parity)  # type: ignore[arg-type]
        s = _series("UTC", datetime(2026, 11, 3, 16), rec)
        weeks = [
            o.local.isocalendar()[1]
            for o in occurrences(s, after=datetime(2026, 11, 1, tzinfo=UTC), limit=60)
        ]
        assert len(weeks) == 60
        assert all(w % 2 == (1 if parity == "odd" else 0) for w in weeks)
        assert from_rrule(to_rrule(rec, tz="UTC", at=time(16)), tz="UTC").parity == parity


def test_monthly_ordinals_until_count_and_skips() -> None:
    last_fri = Recurrence("monthly", 1, (4,), setpos=-1, count=3)
    first = first_on_or_after(last_fri, tz="Europe/Paris", day=date(2026, 11, 23), at=time(10))
    assert first is not None and first.date() == date(2026, 11, 27)
    s = Schedule(first, "Europe/Paris", to_rrule(last_fri, tz="Europe/Paris", at=time(10)))
    assert [o.local_date for o in occurrences(s, after=first, limit=10)] == [
        date(2026, 11, 27),
        date(2026, 12, 25),
        date(2027, 1, 29),
    ]
    third_wed = Recurrence("monthly", 1, (2,), setpos=3, until=date(2027, 2, 17))
    s = _series("Asia/Tokyo", datetime(2026, 12, 16, 9), third_wed, exdates=(date(2027, 1, 20),))
    assert [o.local_date for o in occurrences(s, after=s.dtstart, limit=10)] == [
        date(2026, 12, 16),
        date(2027, 2, 17),
    ]
    assert "UNTIL=" in s.rrule and s.rrule.split("UNTIL=")[1].endswith("Z")


def test_daily_weekdays_every_n_weeks_one_off() -> None:
    after = datetime(2026, 11, 23, tzinfo=UTC)
    weekdays = _series("UTC", datetime(2026, 11, 23, 9), Recurrence("weekdays"))
    assert [o.local.weekday() for o in occurrences(weekdays, after=after, limit=7)] == [
        0,
        1,
        2,
        3,
        4,
        0,
        1,
    ]
    daily = _series("UTC", datetime(2026, 11, 23, 9), Recurrence("daily"))
    assert len(occurrences(daily, after=after, before=after + timedelta(days=7))) == 7
    three = _series("UTC", datetime(2026, 11, 24, 9), Recurrence("weekly", 3, (1,)))
    dates = [o.local_date for o in occurrences(three, after=after, limit=3)]
    assert dates == [date(2026, 11, 24), date(2026, 12, 15), date(2027, 1, 5)]
    once = _series("UTC", datetime(2026, 12, 3, 7), Recurrence("once"))
    assert once.rrule == ""
    assert len(occurrences(once, after=after, limit=5)) == 1
    prev = previous_occurrence(three, datetime(2026, 12, 20, tzinfo=UTC))
    assert prev is not None and prev.local_date == date(2026, 12, 15)


def test_describe_and_round_trip() -> None:
    rec = Recurrence("weekly", 2, (1,), count=5)
    text = to_rrule(rec, tz="UTC", at=time(16))
    assert from_rrule(text, tz="UTC") == rec
    assert rec.describe() == "every 2 weeks on Tuesday, 5 times"
    mon = Recurrence("monthly", 1, (0,), setpos=1)
    assert mon.describe() == "every first Monday of the month"
    assert from_rrule(to_rrule(mon, tz="UTC", at=time(15)), tz="UTC") == mon


# Occurrences are checked against an independent walk of the calendar in
# test_recurrence_walk.py (not against dateutil reading the same RRULE).
