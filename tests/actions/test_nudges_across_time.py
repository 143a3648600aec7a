"""Due-date nudges when time really passes: DST in both hemispheres, a year end, UTC+14 to UTC-11.

An item's due date is a calendar day of its owner; "due tomorrow" goes out in the
owner's morning (09:00 there, without working hours) of the day before, "overdue" in
the morning of the day after, each exactly once. The instants are computed here with
zoneinfo, independently of the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import RunningBot

OWNER = "U0KIRI001"

CASES = [
    # (zone, due date, why)
    ("Pacific/Kiritimati", date(2027, 1, 1), "UTC+14, across the year end"),
    ("Pacific/Tongatapu", date(2026, 12, 31), "UTC+13, the last day of the year"),
    ("Pacific/Pago_Pago", date(2027, 1, 1), "UTC-11, the first day of the year"),
    ("Europe/Paris", date(2027, 3, 28), "spring forward in the north (23-hour day)"),
    ("Europe/Paris", date(2027, 10, 31), "fall back in the north (25-hour day)"),
    ("Australia/Sydney", date(2027, 4, 4), "fall back in the south (25-hour day)"),
    ("Australia/Sydney", date(2027, 10, 3), "spring forward in the south (23-hour day)"),
    ("America/Santiago", date(2027, 4, 4), "fall back in South America"),
]


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def _local_morning(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(9), ZoneInfo(tz)).astimezone(UTC)


def _dms(running: RunningBot) -> list[str]:
    """The owner's direct messages from the bot (the fake files them under the DM)."""
    return [m["text"] for m in running.fake.messages(OWNER)]


@pytest.mark.parametrize(("tz", "due", "why"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_due_tomorrow_and_overdue_once_each_in_the_owners_mornings(
    running_sqlite: RunningBot, tz: str, due: date, why: str
) -> None:
    running = running_sqlite
    running.fake.add_user(OWNER, tz=tz, name="owner")
    running.clock.set(_local_midnight(due, tz) - timedelta(days=5))
    answer = running.command(
        "/action", f"add <@{OWNER}> send the report by {due.isoformat()}", user_id=OWNER
    ).reply_text
    assert "#1" in answer, answer

    day_before = _local_morning(due - timedelta(days=1), tz)
    day_after = _local_morning(due + timedelta(days=1), tz)
    # The day in question really is 23, 24 or 25 hours long: the test means it.
    assert (_local_midnight(due + timedelta(days=1), tz) - _local_midnight(due, tz)) in (
        timedelta(hours=23),
        timedelta(hours=24),
        timedelta(hours=25),
    )

    running.run_jobs(at=day_before - timedelta(minutes=1))
    assert _dms(running) == [], why
    running.run_jobs(at=day_before + timedelta(minutes=1))
    assert len(_dms(running)) == 1 and "due tomorrow" in _dms(running)[0], why
    running.run_jobs(at=day_after - timedelta(minutes=1))
    assert len(_dms(running)) == 1, why
    running.run_jobs(at=day_after + timedelta(seconds=1))
    assert len(_dms(running)) == 2 and "is overdue" in _dms(running)[1], why
    assert f"^{{date_short_pretty}}|{due.isoformat()}>" in _dms(running)[1]
    running.run_jobs(at=day_after + timedelta(days=3))
    assert len(_dms(running)) == 2, "each nudge goes out once"
