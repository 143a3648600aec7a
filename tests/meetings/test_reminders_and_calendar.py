"""Reminders with a controllable clock and across restarts; ICS files and the feed."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from bot.clock import FakeClock
from bot.meetings.models import MeetingSeries
from bot.meetings.services import schedule_of
from bot.timekit.recurrence import occurrences
from tests.conftest import RunningBot, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.guards import join_all


def reminders(rb: RunningBot, channel: str = "C1") -> list[str]:
    return [m["text"] for m in rb.fake.messages(channel) if m["text"].startswith("Reminder:")]


def block_text(rb: RunningBot, channel: str = "C1") -> list[str]:
    out = []
    for m in rb.fake.messages(channel):
        if m["text"].startswith("Reminder:"):
            out.append("\n".join(b["text"]["text"] for b in m.get("blocks", []) if "text" in b))
    return out


def schedule(rb: RunningBot, text: str) -> str:
    answer = rb.command("/meeting", f"schedule {text}").reply_text
    assert "Scheduled" in answer, answer
    return answer


def test_reminders_fire_once_at_each_offset_with_sections(running: RunningBot) -> None:
    schedule(
        running,
        '"SWG" every tuesday at 16:00 UTC agenda https://example.org/agenda '
        "join https://meet.example/swg",
    )

    def open_items(session: object, team_id: str, channel_id: str, now: datetime) -> str | None:
        return "*Open action items*\n• #7 write the charter" if channel_id == "C1" else None

    running.bot.rt.hooks.reminder_sections[:] = [open_items]
    if True:
        running.run_jobs(at=datetime(2026, 11, 23, 15, 59, tzinfo=UTC))
        assert reminders(running) == []
        running.run_jobs(at=datetime(2026, 11, 23, 16, 0, 30, tzinfo=UTC))
        running.run_jobs(at=datetime(2026, 11, 23, 16, 1, tzinfo=UTC))
        assert reminders(running) == ["Reminder: SWG starts in 1 day"]
        first = block_text(running)[0]
        assert "<!date^1795536000^" in first  # 2026-11-24 16:00 UTC
        assert "https://example.org/agenda" in first and "https://meet.example/swg" in first
        assert "#7 write the charter" in first
        running.run_jobs(at=datetime(2026, 11, 24, 15, 45, tzinfo=UTC))
        running.run_jobs(at=datetime(2026, 11, 24, 15, 50, tzinfo=UTC))
        assert reminders(running)[1:] == ["Reminder: SWG starts in 15 minutes"]
        # Under way: nothing more.
        running.run_jobs(at=datetime(2026, 11, 24, 16, 5, tzinfo=UTC))
        assert len(reminders(running)) == 2
    assert running.fake.violations == []


def test_missed_reminder_posted_on_restart_only_if_not_begun(
    running: RunningBot, db_url: str, fake_slack: FakeSlack
) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 Europe/Paris')  # 15:00 UTC in winter
    running.bot.stop()  # the bot goes down before any reminder
    # Restarted ten minutes before the meeting: the 1 day reminder was missed, and the
    # 15 minute one too; the most recent one is posted, once.
    later = start_bot(
        db_url, fake_slack, clock=FakeClock(datetime(2026, 11, 24, 14, 50, tzinfo=UTC))
    )
    try:
        later.run_jobs()
        later.run_jobs(at=datetime(2026, 11, 24, 14, 55, tzinfo=UTC))
        assert reminders(later) == ["Reminder: SWG starts in 10 minutes"]
        # Down over the whole of the next week's reminders, back after it began: nothing.
        later.run_jobs(at=datetime(2026, 12, 1, 15, 5, tzinfo=UTC))
        assert len(reminders(later)) == 1
    finally:
        later.stop()


def test_two_processes_post_each_reminder_once(
    running: RunningBot, db_url: str, fake_slack: FakeSlack
) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 UTC remind 15m')
    at = datetime(2026, 11, 24, 15, 45, tzinfo=UTC)
    other = start_bot(db_url, fake_slack, clock=FakeClock(at))
    running.clock.set(at)
    try:
        threads = [threading.Thread(target=rb.run_jobs) for rb in (running, other, running, other)]
        for t in threads:
            t.start()
        join_all(threads, 30)
        running.deliver()
        other.deliver()
        assert reminders(running) == ["Reminder: SWG starts in 15 minutes"]
    finally:
        other.stop()


def test_current_and_next_meeting_hooks(running: RunningBot) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 UTC for 1h chairs <@U1>')
    with running.bot.rt.db.read() as s:
        now = datetime(2026, 11, 24, 15, 40, tzinfo=UTC)
        cur = running.bot.rt.hooks.current_slot(s, "T1", "C1", now)
        assert cur is not None and cur.name == "SWG" and cur.chairs == ("U1",)
        assert cur.start == datetime(2026, 11, 24, 16, tzinfo=UTC)
        assert running.bot.rt.hooks.current_slot(s, "T1", "C1", now - timedelta(hours=1)) is None
        during = running.bot.rt.hooks.current_slot(s, "T1", "C1", now + timedelta(minutes=50))
        assert during is not None and during.start == cur.start
        nxt = running.bot.rt.hooks.next_slot(s, "T1", "C1", now + timedelta(minutes=30))
        assert nxt is not None and nxt.start == datetime(2026, 12, 1, 16, tzinfo=UTC)
        assert running.bot.rt.hooks.next_slot(s, "T2", "C1", now) is None


SERIES = [
    '"LA weekly" every tuesday at 9am America/Los_Angeles skip 2026-12-29',
    '"Paris monthly" every first monday at 15:00 Europe/Paris',
    '"Sydney" every 2 weeks on wednesday at 18:00 Australia/Sydney',
    '"Kolkata odd" biweekly-odd thursday at 19:30 Asia/Kolkata',
    '"Kathmandu" every weekday at 06:00 Asia/Kathmandu until 2027-06-30',
    '"Fixed" every friday at 12:00 UTC+05:30 for 10 times',
    '"Planning" on 2026-12-03 at 07:00 PT for 1h',
]


def test_feed_round_trips_through_an_independent_reader(running: RunningBot) -> None:
    for text in SERIES:
        schedule(running, text)
    listing = running.command("/meeting", "list").reply_text
    url = re.search(r"http://wgbot\.test(/calendar/[A-Za-z0-9_-]+\.ics)", listing)
    assert url
    resp = running.sender.get(url.group(1))
    assert resp.status == 200
    assert resp.header("Content-Type", "").startswith("text/calendar")
    cal = Calendar.from_ical(resp.body)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} >= {
        "America/Los_Angeles",
        "Europe/Paris",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "UTC+05:30",
    }
    start, end = datetime(2026, 11, 23, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    theirs = sorted(
        (str(ev["SUMMARY"]), ev["DTSTART"].dt.astimezone(UTC))
        for ev in recurring_ical_events.of(cal).between(start, end)
    )
    with running.bot.rt.db.read() as s:
        ours = sorted(
            (row.name, occ.start)
            for row in s.scalars(select(MeetingSeries).where(MeetingSeries.team_id == "T1"))
            for occ in occurrences(schedule_of(row), after=start, before=end)
        )
    assert len(ours) > 250
    assert theirs == ours
    # DST in both hemispheres is in there: LA moves in UTC in March, Sydney in April.
    la = [t for n, t in ours if n == "LA weekly"]
    assert {t.hour for t in la} == {16, 17}
    assert datetime(2026, 12, 29, 17, tzinfo=UTC) not in la  # the skipped date
    sydney = [t for n, t in ours if n == "Sydney"]
    assert {t.hour for t in sydney} == {7, 8}
    assert running.sender.get("/calendar/not-a-real-token.ics").status == 404


def test_ics_command_uploads_a_file(running: RunningBot) -> None:
    schedule(running, '"SWG" every 2 weeks on tuesday at 16:00 UTC starting 2026-12-01')
    answer = running.command("/meeting", "ics SWG").reply_text
    assert "swg.ics" in answer and "http://wgbot.test/calendar/" in answer
    running.deliver()
    files = [f for f in running.fake.uploaded_files if f.filename == "swg.ics"]
    assert len(files) == 1
    cal = Calendar.from_ical(files[0].content)
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "SWG"
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["INTERVAL"] == [2]
    assert event["DTSTART"].dt == datetime(2026, 12, 1, 16, tzinfo=UTC)


def test_each_tick_reads_only_series_that_owe_a_reminder(running: RunningBot) -> None:
    from bot.meetings.reminders import NO_MORE_REMINDERS

    schedule(running, '"Ops" every wednesday at 9am America/Chicago remind 1d,15m')
    schedule(running, '"Once" on 2026-11-25 at 08:00 UTC for 30m remind 1h')
    running.run_jobs(at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    with running.bot.rt.db.read() as s:
        nxt = {r.name: r.next_reminder_at for r in s.scalars(select(MeetingSeries))}
    # Wednesday 25 Nov 09:00 Chicago (CST, UTC-6) is 15:00 UTC; a day before is Tue 15:00.
    assert nxt == {
        "Ops": datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        "Once": datetime(2026, 11, 25, 7, 0, tzinfo=UTC),
    }
    running.run_jobs(at=datetime(2026, 11, 25, 7, 0, 1, tzinfo=UTC))
    with running.bot.rt.db.read() as s:
        once = s.scalars(select(MeetingSeries).where(MeetingSeries.name == "Once")).one()
        assert once.next_reminder_at == NO_MORE_REMINDERS
    # An edit makes the series owe its reminders anew from the new schedule.
    running.command("/meeting", "edit Ops time 10:00")
    with running.bot.rt.db.read() as s:
        ops = s.scalars(select(MeetingSeries).where(MeetingSeries.name == "Ops")).one()
        assert ops.next_reminder_at is None
