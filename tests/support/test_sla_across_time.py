"""SLA clocks and the weekly digest when time really passes: DST nights and a year end.

SLA targets are elapsed hours, so a warning and the escalations (first response, then
resolution) fall at the same UTC instants whichever DST change happens in between; the weekly digest goes out once in
ISO week 53 of 2026 and once in week 1 of 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import RunningBot
from tests.support.helpers import all_text, card

NIGHTS = [
    datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # Europe springs forward at 01:00 UTC
    datetime(2027, 4, 3, 15, 30, tzinfo=UTC),  # Sydney falls back at 16:00 UTC
    datetime(2027, 10, 2, 15, 30, tzinfo=UTC),  # Sydney springs forward at 16:00 UTC
    datetime(2027, 11, 7, 5, 30, tzinfo=UTC),  # New York falls back at 06:00 UTC
    datetime(2026, 12, 31, 22, 30, tzinfo=UTC),  # the year ends in UTC
]


def _thread(rb: RunningBot, channel: str, parent_ts: str) -> list[str]:
    return [
        all_text(m)
        for m in rb.fake.messages(channel)
        if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
    ]


@pytest.mark.parametrize("filed", NIGHTS, ids=[n.isoformat() for n in NIGHTS])
def test_warning_and_escalation_after_elapsed_hours_across_the_night(
    desk: RunningBot, filed: datetime
) -> None:
    desk.clock.set(filed)
    desk.command("/issue", "file S1 lustre: file system down", user_id="U1")
    desk.deliver()
    parent = card(desk, "CLUSTRE", 1)["ts"]
    # Extended tier, S1: first response within 4 h, warned at 3 h.
    desk.run_jobs(at=filed + timedelta(hours=2, minutes=59))
    assert _thread(desk, "CLUSTRE", parent) == []
    desk.run_jobs(at=filed + timedelta(hours=3, minutes=1))
    assert len(_thread(desk, "CLUSTRE", parent)) == 1
    desk.run_jobs(at=filed + timedelta(hours=3, minutes=59))
    assert desk.fake.messages("U2") == []
    desk.run_jobs(at=filed + timedelta(hours=4, minutes=1))
    assert len(desk.fake.messages("U2")) == 1
    desk.run_jobs(at=filed + timedelta(hours=47, minutes=59))
    assert len(desk.fake.messages("U2")) == 1 and len(_thread(desk, "CLUSTRE", parent)) == 2
    # S1 resolution within 48 h: still open then, it is escalated again, once.
    desk.run_jobs(at=filed + timedelta(hours=48, minutes=1))
    desk.run_jobs(at=filed + timedelta(days=4))
    dms = [all_text(m) for m in desk.fake.messages("U2")]
    assert len(dms) == 2 and "still open past its resolution deadline" in dms[1], dms
    assert len(_thread(desk, "CLUSTRE", parent)) == 3


def test_weekly_digest_once_in_week_53_and_once_in_week_1(desk: RunningBot) -> None:
    desk.fake.add_channel("CDIG", "wg-digest")
    desk.command("/wg", "settings digest-channel <#CDIG|wg-digest>", user_id="UADMIN")
    desk.command("/issue", "file S2 lustre: one")
    monday_w53 = datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
    desk.run_jobs(at=monday_w53 - timedelta(minutes=1))
    desk.run_jobs(at=monday_w53 + timedelta(minutes=1))
    desk.run_jobs(at=datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC))  # new year, same ISO week
    desk.run_jobs(at=datetime(2027, 1, 3, 23, 59, tzinfo=UTC))  # Sunday, still week 53
    digests = [all_text(m) for m in desk.fake.messages("CDIG")]
    assert len(digests) == 1 and "2026-W53" in digests[0]
    desk.run_jobs(at=datetime(2027, 1, 4, 9, 1, tzinfo=UTC))
    desk.run_jobs(at=datetime(2027, 1, 10, 23, 0, tzinfo=UTC))
    digests = [all_text(m) for m in desk.fake.messages("CDIG")]
    assert len(digests) == 2 and "2027-W01" in digests[1]
