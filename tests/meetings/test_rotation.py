"""Rotating series: two slots in turn, across weeks, a skip and a DST change.

The expected instants are computed here with zoneinfo from the two wall-clock
times, independently of the recurrence code.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from bot.meetings.models import MeetingSeries
from tests.conftest import RunningBot
from tests.meetings.test_reminders_and_calendar import reminders

PARIS, TOKYO = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Tokyo")
FIRST = date(2027, 3, 16)  # a Tuesday; Paris moves its clocks on 2027-03-28, Tokyo never
WEEKS = 6
MEMBERS = {
    "U1": "Europe/Paris",
    "U2": "America/Los_Angeles",
    "U3": "Asia/Tokyo",
    "U0MARIA": "Europe/Madrid",
    "U0PRIYA": "Asia/Kolkata",
}


def _slot(week: int) -> str:
    return "A" if week % 2 == 0 else "B"


def _start(week: int) -> datetime:
    """Week n's meeting: A at 16:00 Paris, B at 08:00 Tokyo, on the Tuesday of that week."""
    day = FIRST + timedelta(weeks=week)
    if _slot(week) == "A":
        return datetime.combine(day, time(16), PARIS).astimezone(UTC)
    return datetime.combine(day, time(8), TOKYO).astimezone(UTC)


def _late(start: datetime) -> set[str]:
    """Who a one-hour meeting at `start` is outside 08:00-18:00 for."""
    out = set()
    for uid, tz in MEMBERS.items():
        local = start.astimezone(ZoneInfo(tz))
        minute = local.hour * 60 + local.minute
        if not (8 * 60 <= minute and minute + 60 <= 18 * 60):
            out.add(uid)
    return out


def _setup(rb: RunningBot) -> None:
    rb.fake.add_user("U0MARIA", tz="Europe/Madrid", name="maria")
    rb.fake.add_user("U0PRIYA", tz="Asia/Kolkata", name="priya")
    rb.fake.add_channel("C0CNCF", "cncf", members=list(MEMBERS))
    rb.clock.set(datetime(2027, 3, 10, 9, tzinfo=UTC))


def _schedule(rb: RunningBot, extra: str = "") -> str:
    text = rb.command(
        "/meeting",
        'schedule "CNCF sync" every tuesday at 16:00 Europe/Paris rotate with 08:00 Asia/Tokyo '
        f"remind 15m starting {FIRST.isoformat()}{extra}",
        channel_id="C0CNCF",
        channel_name="cncf",
    ).reply_text
    assert "Scheduled" in text, text
    return text


def test_rotating_series_alternates_and_reminds_at_each_slot(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    _setup(rb)
    text = _schedule(rb)
    assert "rotating with 08:00 Asia/Tokyo" in text
    assert "First meeting: Tuesday 16 March 2027, 16:00 Europe/Paris" in text
    with rb.bot.rt.db.read() as s:
        row = s.scalars(select(MeetingSeries)).one()
        assert row.rotation == {"at": "08:00", "tz": "Asia/Tokyo"}
    # Slot B is 08:00 in Tokyo on both sides of Paris' DST change: 23:00 UTC the day before.
    assert _start(1) == datetime(2027, 3, 22, 23, tzinfo=UTC)
    assert _start(2) == datetime(2027, 3, 30, 14, tzinfo=UTC)  # 16:00 CEST
    seen = 0
    for week in range(WEEKS):
        start = _start(week)
        rb.run_jobs(at=start - timedelta(minutes=15, seconds=30))
        assert len(reminders(rb, "C0CNCF")) == seen, f"too early in week {week}"
        # /meeting next names the slot and whom it is late for (by their working hours).
        nxt = rb.command("/meeting", "next", channel_id="C0CNCF", channel_name="cncf").reply_text
        assert f"Next: slot {_slot(week)}," in nxt, nxt
        said = nxt.split("Next: slot", 1)[1].split("\n", 1)[0]
        late = _late(start)
        for uid in MEMBERS:
            assert (f"<@{uid}>" in said) == (uid in late), (week, uid, said)
        assert late, "every slot is late for someone in this group"
        rb.run_jobs(at=start - timedelta(minutes=14, seconds=30))
        seen += 1
        assert len(reminders(rb, "C0CNCF")) == seen, f"missing in week {week} ({start})"
        rb.run_jobs(at=start + timedelta(minutes=5))
        assert len(reminders(rb, "C0CNCF")) == seen, f"twice in week {week}"
    assert rb.fake.violations == []


def test_next_names_slot_b_in_its_own_zone(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    _setup(rb)
    _schedule(rb)
    rb.clock.set(_start(0) + timedelta(hours=2))
    nxt = rb.command("/meeting", "next", channel_id="C0CNCF", channel_name="cncf").reply_text
    assert "Next: slot B, Tuesday 23 March 08:00 Tokyo (then slot A, 16:00 Europe/Paris)" in nxt
    # Maria (Madrid) until 01:00: 7 h after her 18:00 (nearer than 08:00); Chie (Tokyo) is inside.
    assert "<@U0MARIA> (Madrid, Tue 00:00: 7 h after 08:00–18:00)" in nxt, nxt
    assert "<@U3>" not in nxt.split("Next: slot", 1)[1].split("\n", 1)[0]


def test_a_skip_keeps_the_turns(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    _setup(rb)
    _schedule(rb, f" skip {(FIRST + timedelta(weeks=2)).isoformat()}")
    with rb.bot.rt.db.read() as s:
        from bot.meetings.services import upcoming

        row = s.scalars(select(MeetingSeries)).one()
        got = [o.start for o in upcoming(row, after=_start(0), limit=4)]
    # Week 2 (an A) is skipped; week 3 stays B, week 4 stays A.
    assert got == [_start(0), _start(1), _start(3), _start(4)]


def test_the_calendar_feed_has_both_slots(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    _setup(rb)
    _schedule(rb, f" skip {(FIRST + timedelta(weeks=3)).isoformat()}")
    listing = rb.command("/meeting", "list", channel_id="C0CNCF", channel_name="cncf").reply_text
    assert "rotating with 08:00 Asia/Tokyo" in listing
    url = re.search(r"http://wgbot\.test(/calendar/[A-Za-z0-9_-]+\.ics)", listing)
    assert url
    cal = Calendar.from_ical(rb.sender.get(url.group(1)).body)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} >= {"Europe/Paris", "Asia/Tokyo"}
    events = cal.walk("VEVENT")
    assert len(events) == 2
    assert all(ev["RRULE"]["INTERVAL"] == [2] for ev in events)
    start, end = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC)
    theirs = sorted(
        ev["DTSTART"].dt.astimezone(UTC) for ev in recurring_ical_events.of(cal).between(start, end)
    )
    ours = [_start(w) for w in range(7) if w != 3]
    assert theirs == ours


def test_rotate_is_refused_where_it_cannot_alternate(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    daily = rb.command(
        "/meeting", 'schedule "X" every day at 09:00 UTC rotate 21:00 UTC'
    ).reply_text
    assert "one meeting a week or rarer can rotate" in daily
    bad = rb.command("/meeting", 'schedule "X" every tuesday at 09:00 UTC rotate soon').reply_text
    assert "second slot's time" in bad


def test_edit_starts_and_stops_a_rotation(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    _setup(rb)
    rb.command(
        "/meeting",
        'schedule "Sync" every wednesday at 17:00 Europe/Paris',
        channel_id="C0CNCF",
        channel_name="cncf",
    )
    on = rb.command(
        "/meeting", "edit Sync rotate 07:00", channel_id="C0CNCF", channel_name="cncf"
    ).reply_text
    assert "rotating with 07:00 Europe/Paris" in on, on
    with rb.bot.rt.db.read() as s:
        assert s.scalars(select(MeetingSeries)).one().rotation == {
            "at": "07:00",
            "tz": "Europe/Paris",
        }
    off = rb.command(
        "/meeting", "edit Sync rotate none", channel_id="C0CNCF", channel_name="cncf"
    ).reply_text
    assert "rotating" not in off, off
    with rb.bot.rt.db.read() as s:
        assert s.scalars(select(MeetingSeries)).one().rotation is None
