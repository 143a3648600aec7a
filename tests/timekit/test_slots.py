"""Fair-slot ranking (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.timekit.slots import MIN_GAP, Participant, day_gap, outside_hours, penalty, rank

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
    # 06:00-10:00 holds two 1-hour starts two hours apart; the rest are outside, worse.
    inside = [s for s in result.slots if s.score == 0]
    assert len(inside) == 2
    assert all(6 <= s.start.hour < 10 and s.start.weekday() < 5 for s in inside)
    assert all(s.score > 0 for s in result.slots[2:])
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


EIGHT = {
    "U0LUCIA": "America/Los_Angeles",
    "U0NOAH": "America/New_York",
    "U0JOAO": "America/Sao_Paulo",
    "U0MARIE": "Europe/Paris",
    "U0PIERRE": "Europe/Paris",
    "U0PRIYA": "Asia/Kolkata",
    "U0KENJI": "Asia/Tokyo",
    "U0OLIVIA": "Australia/Sydney",
}


def test_outside_hours_measures_to_the_nearer_working_day() -> None:
    day = (8 * 60, 18 * 60)
    assert outside_hours(9 * 60, 60, *day) == (0, "")
    assert outside_hours(6 * 60 + 30, 60, *day) == (90, "early")
    assert outside_hours(17 * 60 + 30, 60, *day) == (30, "late")
    assert outside_hours(23 * 60, 60, *day) == (6 * 60, "late")
    assert outside_hours(1 * 60, 60, *day) == (7 * 60, "early")  # before 08:00, not after 18:00
    assert outside_hours(3 * 60, 60, *day) == (5 * 60, "early")
    # One person's 3 a.m. weighs more than two people's 7 a.m.
    assert penalty(5 * 60, False) > 2 * penalty(60, False)
    assert penalty(0, True) > 0


def test_eight_people_in_seven_zones_get_five_different_hours() -> None:
    people = [Participant(uid, tz) for uid, tz in EIGHT.items()]
    result = rank(people, now=NOW, duration=60, days=7)
    assert not result.fair
    slots = result.slots
    assert len(slots) == 5
    # Materially different: five UTC hours of day, pairwise at least two hours apart.
    assert len({(s.start.hour, s.start.minute) for s in slots}) == 5
    assert all(day_gap(a, b) >= MIN_GAP for i, a in enumerate(slots) for b in slots[i + 1 :])
    scores = [s.score for s in slots]
    assert scores == sorted(scores)
    for s in slots:
        # The stated score is the sum of each person's share, worked out per person.
        assert s.score == sum(v.score for v in s.views) > 0
        assert s.inside == sum(v.inside for v in s.views)
        for v in s.views:
            assert v.inside == (v.outside == 0 and not v.weekend)
            if not v.inside and not v.weekend:
                assert v.side in ("early", "late")
                mod = v.local.hour * 60 + v.local.minute
                if v.side == "early":
                    assert (8 * 60 - mod) % 1440 == v.outside
                else:
                    assert (mod + 60 - 18 * 60) % 1440 == v.outside
    # No better slot was left out: the best candidate of the week scores the first's score.
    everyone_on_the_hour = rank(people, now=NOW, duration=60, days=7, top=1)
    assert everyone_on_the_hour.slots[0].score == slots[0].score
