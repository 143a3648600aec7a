"""Fair-slot ranking (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.timekit.slots import Participant, rank

NOW = datetime(2026, 11, 23, 12, 7, tzinfo=UTC)  # a Monday


def test_one_zone_gets_slots_inside_working_hours() -> None:
    people = [Participant("U1", "Europe/Paris"), Participant("U2", "Europe/Berlin")]
    result = rank(people, now=NOW, duration=60, days=3)
    assert result.fair and result.alternating is None
    assert len(result.slots) == 5  # the five best (README, "Fair slots")
    for slot in result.slots:
        assert slot.inside == 2
        for v in slot.views:
            assert v.inside and 8 <= v.local.hour < 18
    # Non-overlapping picks, best first, starting after now on the half hour.
    starts = [s.start for s in result.slots]
    assert all(s > NOW and s.minute in (0, 30) for s in starts)
    assert len(set(starts)) == len(starts)


def test_six_zones_rank_by_inside_then_weekend_then_worst_hour() -> None:
    zones = [
        "America/Los_Angeles",
        "America/New_York",
        "Europe/Paris",
        "Asia/Kolkata",
        "Asia/Tokyo",
        "Australia/Sydney",
    ]
    people = [Participant(f"U{i}", z) for i, z in enumerate(zones)]
    result = rank(people, now=NOW, duration=60, days=7)
    assert not result.fair  # nobody spans Los Angeles to Sydney in office hours
    keys = [s.key() for s in result.slots]
    assert keys == sorted(keys)
    assert result.alternating is not None
    a, b = result.alternating
    # Alternating: every participant is inside their hours in at least one of the two.
    assert a.mask | b.mask == (1 << len(zones)) - 1
    assert a.inside + b.inside >= len(zones)


def test_own_hours_and_weekends_count() -> None:
    early = Participant("U1", "UTC", work_start=6 * 60, work_end=10 * 60)
    result = rank([early], now=NOW, duration=60, days=7)
    assert result.slots
    assert all(6 <= s.start.hour < 10 and s.start.weekday() < 5 for s in result.slots)
    weekend_worker = Participant("U2", "UTC", workdays=frozenset({5, 6}))
    result = rank([weekend_worker], now=NOW, duration=60, days=7)
    assert result.slots
    assert all(s.start.weekday() >= 5 for s in result.slots)


def test_offsets_per_day_match_the_zone_across_dst_changes() -> None:
    from bot.timekit.slots import _offsets, candidate_starts
    from bot.timekit.zones import get_zone

    for tz, when in [
        ("America/Los_Angeles", datetime(2027, 3, 11, 5, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2027, 4, 1, 5, tzinfo=UTC)),
        ("Europe/Paris", datetime(2027, 10, 28, 5, tzinfo=UTC)),
        ("Asia/Kathmandu", datetime(2027, 10, 28, 5, tzinfo=UTC)),
    ]:
        starts = candidate_starts(when, 7)
        expected = [
            int(t.astimezone(get_zone(tz)).utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
            for t in starts
        ]
        assert _offsets(tz, starts, 48) == expected
        assert len(set(expected)) == (1 if tz == "Asia/Kathmandu" else 2)
