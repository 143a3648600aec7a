"""Public holidays: series that skip them, and warnings naming the members who may be away.

The holiday dates asserted here are the calendar's (Thanksgiving is the fourth Thursday
of November, Republic Day 26 January, Bastille Day 14 July), written out by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar

from bot.errors import UsageError
from bot.meetings.grammar import parse_schedule, parse_schedule_form
from bot.meetings.holidays import holiday_warnings
from bot.meetings.services import plan, schedule_of, upcoming
from bot.timekit.recurrence import occurrences
from tests.conftest import RunningBot
from tests.meetings.test_http_meetings import series_rows
from tests.meetings.test_reminders_and_calendar import block_text, reminders

THANKSGIVING = date(2026, 11, 26)
PALM = ":palm_tree:"


def _us_channel(rb: RunningBot) -> None:
    """#us-sync: members in New York and Chicago, one in Paris, and the bot admin in UTC."""
    rb.fake.add_user("U0NYC01", tz="America/New_York", name="nora")
    rb.fake.add_user("U0CHI01", tz="America/Chicago", name="carl")
    rb.fake.add_channel("C0US01", "us-sync", members=["U0NYC01", "U0CHI01", "U1", "UADMIN"])


def _say(rb: RunningBot, text: str, *, user: str = "U1", channel: str = "C1") -> str:
    name = "us-sync" if channel == "C0US01" else "general"
    resp = rb.command("/meeting", text, user_id=user, channel_id=channel, channel_name=name)
    assert resp.status == 200
    return resp.reply_text


def _palm_lines(text: str) -> list[str]:
    """The holiday lines (once each: a reply's text repeats its blocks)."""
    return list(dict.fromkeys(line for line in text.splitlines() if PALM in line))


def test_thanksgiving_is_skipped_no_reminder_and_next_says_so(running: RunningBot) -> None:
    _us_channel(running)
    running.clock.set(datetime(2026, 11, 20, 15, tzinfo=UTC))
    answer = _say(
        running,
        'schedule "Standup" every thursday at 10:00 America/New_York remind 15m skip holidays US',
        user="U0NYC01",
        channel="C0US01",
    )
    assert "Scheduled" in answer, answer
    assert "skips public holidays of US" in answer
    assert "Thu 2026-11-26" not in answer and "Thu 2026-12-03 10:00 EST" in answer
    # The same series without the clause, in another channel: it meets on Thanksgiving.
    control = _say(
        running, 'schedule "Control" every thursday at 10:00 America/New_York remind 15m'
    )
    assert "Thu 2026-11-26 10:00 EST" in control
    nxt = _say(running, "next Standup", user="U0CHI01", channel="C0US01")
    assert "Thu 2026-12-03 10:00 EST" in nxt and "2026-11-26" not in nxt
    assert "skips public holidays of US" in nxt
    listing = _say(running, "list", channel="C0US01")
    assert "#1 Standup" in listing and "skips public holidays of US" in listing
    assert "Thu 2026-12-03" in listing
    [standup] = [r for r in series_rows(running) if r.name == "Standup"]
    assert standup.skip_holidays == ["US"]
    # Let time pass over Thanksgiving: the control reminds, the standup does not.
    start = datetime(2026, 11, 26, 15, tzinfo=UTC)  # 10:00 EST
    running.run_jobs(at=start - timedelta(minutes=14))
    assert len(reminders(running, "C1")) == 1
    assert reminders(running, "C0US01") == []
    running.run_jobs(at=start + timedelta(minutes=5))
    assert reminders(running, "C0US01") == []
    running.run_jobs(at=start + timedelta(weeks=1) - timedelta(minutes=14))
    assert len(reminders(running, "C0US01")) == 1
    assert running.fake.violations == []


def test_warning_names_us_members_not_the_paris_one(running: RunningBot) -> None:
    _us_channel(running)
    answer = _say(
        running,
        'schedule "Sync" every thursday at 11:00 America/New_York remind 15m',
        user="U0NYC01",
        channel="C0US01",
    )
    assert "Scheduled" in answer, answer
    nxt = _say(running, "next", user="U1", channel="C0US01")
    assert "Thu 2026-11-26 11:00 EST" in nxt
    lines = _palm_lines(nxt)
    assert lines == [
        ":palm_tree: Thursday 26 Nov is Thanksgiving Day in the US: "
        "<@U0NYC01> (New York), <@U0CHI01> (Chicago) may be away."
    ], nxt
    # The reminder says it too, to the members the bot knows of.
    running.run_jobs(at=datetime(2026, 11, 26, 15, 46, tzinfo=UTC))
    [posted] = block_text(running, "C0US01")
    [line] = _palm_lines(posted)
    assert "Thanksgiving Day" in line and "<@U0NYC01>" in line and "<@U0CHI01>" in line
    assert "<@U1>" not in line and "<@UADMIN>" not in line
    # A week later nobody is on holiday: no warning.
    running.clock.set(datetime(2026, 11, 27, 12, tzinfo=UTC))
    later = _say(running, "next Sync", channel="C0US01")
    assert "Thu 2026-12-03" in later and _palm_lines(later) == []


def test_tokyo_member_warned_on_her_own_date(running: RunningBot) -> None:
    # Wednesday 10 Feb 2027 23:00 in Los Angeles is Thursday 11 Feb 16:00 in Tokyo:
    # Foundation Day in Japan. The home date (Wednesday) is no Japanese holiday, so even
    # a series skipping Japan's holidays meets, and Chie in Tokyo is warned.
    running.clock.set(datetime(2027, 2, 5, 12, tzinfo=UTC))
    answer = _say(
        running,
        'schedule "Late" every wednesday at 23:00 America/Los_Angeles skip holidays JP',
        user="U2",
    )
    assert "Scheduled" in answer, answer
    nxt = _say(running, "next Late", user="U3")
    assert "Wed 2027-02-10 23:00 PST" in nxt
    assert _palm_lines(nxt) == [
        ":palm_tree: Thursday 11 Feb is Foundation Day in Japan: <@U3> (Tokyo) may be away."
    ]


def test_fr_and_in_holidays_are_skipped_and_the_feed_agrees(running: RunningBot) -> None:
    answer = _say(
        running,
        'schedule "Morning" every weekday at 09:00 Europe/Paris remind 15m skip holidays FR, IN',
    )
    assert "Scheduled" in answer, answer
    assert "skips public holidays of FR, IN" in answer
    [row] = series_rows(running)
    assert row.skip_holidays == ["FR", "IN"]
    now = running.clock.now()
    days = {o.local_date for o in upcoming(row, after=now, limit=400)}
    assert date(2027, 1, 26) not in days  # Republic Day (India), a Tuesday
    assert date(2027, 7, 14) not in days  # Bastille Day, a Wednesday
    assert date(2027, 10, 29) not in days  # Diwali, a Friday
    assert date(2026, 12, 25) not in days  # Christmas, in both
    assert date(2027, 5, 6) not in days  # Ascension Day (France), a Thursday
    assert {date(2027, 1, 25), date(2027, 1, 27), date(2027, 7, 13), date(2027, 7, 15)} <= days
    # An independent reader of the feed sees the same meetings for the next two years.
    listing = _say(running, "list")
    url = re.search(r"http://wgbot\.test(/calendar/[A-Za-z0-9_-]+\.ics)", listing)
    assert url
    body = running.sender.get(url.group(1)).body
    cal = Calendar.from_ical(body)
    end = now + timedelta(days=700)
    theirs = sorted(
        ev["DTSTART"].dt.astimezone(UTC) for ev in recurring_ical_events.of(cal).between(now, end)
    )
    ours = [o.start for o in occurrences(schedule_of(row), after=now, before=end)]
    assert len(ours) > 400 and theirs == ours
    [event] = cal.walk("VEVENT")
    assert "Skips public holidays of FR, IN." in str(event["DESCRIPTION"])


def test_unknown_codes_are_refused_and_edit_sets_and_clears(running: RunningBot) -> None:
    refused = running.command(
        "/meeting", 'schedule "A" every thursday at 16:00 UTC skip holidays US, XX'
    ).reply_text
    assert "I know no public holidays for `XX`" in refused
    assert "skip holidays US, FR, IN" in refused and "Usage" in refused
    assert series_rows(running) == []
    running.clock.set(datetime(2026, 11, 20, 15, tzinfo=UTC))
    _say(running, 'schedule "A" every thursday at 16:00 America/New_York remind 15m')
    assert "Thu 2026-11-26" in _say(running, "next A")
    edited = _say(running, "edit A holidays us and IN")
    assert "skips public holidays of US, IN" in edited, edited
    assert "Thu 2026-12-03" in _say(running, "next A")
    bad = _say(running, "edit A holidays ZZ")
    assert "I know no public holidays for `ZZ`" in bad and "/meeting edit" in bad
    assert series_rows(running)[0].skip_holidays == ["US", "IN"]
    _say(running, "edit A holidays none")
    assert series_rows(running)[0].skip_holidays is None
    assert "Thu 2026-11-26" in _say(running, "next A")


NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


def _words(text: str) -> list[str]:
    return text.split()


def test_country_lists_keep_in_and_at_as_countries_but_not_as_clauses() -> None:
    def read(text: str) -> tuple[tuple[str, ...], str, str]:
        d = parse_schedule(_words(text), channel_id="C1", default_tz="UTC", now=NOW)
        return d.skip_holidays, d.tz, d.channel_id

    base = '"A" every thursday at 16:00'
    assert read(f"{base} Europe/Paris skip holidays US, FR, IN") == (
        ("US", "FR", "IN"),
        "Europe/Paris",
        "C1",
    )
    # India and Austria are keywords too (`in`, `at`): a list keeps them.
    assert read(f"{base} skip holidays IN in Asia/Kolkata")[:2] == (("IN",), "Asia/Kolkata")
    assert read(f"{base} UTC skip holidays fr and at in <#C0OPS01|ops>") == (
        ("FR", "AT"),
        "UTC",
        "C0OPS01",
    )
    assert read(f"{base} UTC except public holidays of de")[0] == ("DE",)
    assert read(f"{base} UTC skip holidays USA, fra, US")[0] == ("US", "FR")  # alpha-3 too
    # Dates and holidays together; `skip` may come twice.
    d = parse_schedule(
        _words(f"{base} UTC skip 2026-12-31 skip holidays US"),
        channel_id="C1",
        default_tz="UTC",
        now=NOW,
    )
    assert d.skips == ((date(2026, 12, 31), ""),) and d.skip_holidays == ("US",)
    for bad, why in [
        (f"{base} UTC skip holidays", "Name the countries"),
        (f"{base} UTC skip holidays USSR", "`USSR`"),
        (f"{base} UTC skip holidays Narnia, FR", "`NARNIA`"),
    ]:
        with pytest.raises(UsageError, match=why) as err:
            read(bad)
        assert "skip holidays US, FR, IN" in str(err.value)


def test_the_form_reads_skip_holidays_in_its_repeats_field() -> None:
    d = parse_schedule_form(
        name="Form",
        when="every thursday skip holidays US, IN",
        time="10:00",
        zone="America/New_York",
        duration="",
        starting="",
        channel="C1",
        remind="",
        agenda="",
        join="",
        default_tz="UTC",
        now=NOW,
    )
    assert d.skip_holidays == ("US", "IN")
    # Planned, the first Thursday is Thanksgiving: the first meeting is a week later.
    first = plan(d, now=NOW)
    assert [o.local_date for o in occurrences(first.schedule, after=NOW, limit=2)] == [
        date(2026, 12, 3),
        date(2026, 12, 10),
    ]


def test_holiday_warnings_group_by_holiday_and_skip_unknown_countries() -> None:
    start = datetime(2026, 12, 25, 9, tzinfo=UTC)
    lines = holiday_warnings(
        start,
        {
            "U0A": "Europe/Paris",
            "U0B": "Asia/Tokyo",  # not a holiday in Japan
            "U0C": "America/Los_Angeles",  # 01:00 on Christmas Day
            "U0D": "UTC",  # no country
            "U0E": "Europe/Berlin",
        },
    )
    assert lines == [
        ":palm_tree: Friday 25 Dec is Christmas Day in Germany: <@U0E> (Berlin) may be away.",
        ":palm_tree: Friday 25 Dec is Christmas Day in France: <@U0A> (Paris) may be away.",
        ":palm_tree: Friday 25 Dec is Christmas Day in the US: <@U0C> (Los Angeles) may be away.",
    ]
    # 07:00 UTC on 25 Dec is still the 24th in Los Angeles: no US line.
    early = holiday_warnings(datetime(2026, 12, 25, 7, tzinfo=UTC), {"U0C": "America/Los_Angeles"})
    assert early == []
