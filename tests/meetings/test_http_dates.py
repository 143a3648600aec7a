"""Dates and times as people write them, through signed slash commands (one reader for all)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.actions import dates
from tests.conftest import RunningBot
from tests.meetings.test_http_meetings import schedule, series_rows

FRIDAY_NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def times(rb: RunningBot, text: str, user: str = "U1") -> str:
    resp = rb.command("/meeting", f"times {text}", user_id=user)
    assert resp.status == 200
    return resp.reply_text


def test_times_reads_a_weekday_with_a_date_and_a_range(running: RunningBot) -> None:
    # 2026-11-23: the next 9/27 is in 2027, a Monday; the weekday is checked, the date wins.
    text = times(running, "thursday 9/27 7am America/Los_Angeles in Tokyo, Paris")
    assert "07:00 Mon 2027-09-27" in text
    assert "2027-09-27 is a Monday, not a Thursday" in text
    assert "Tokyo (Asia/Tokyo): *23:00*" in text
    assert "Paris (Europe/Paris): *16:00*" in text
    # Bob in Los Angeles writes the same thing the way a US email does.
    us = times(running, "Thu, Sep 27 7 AM PDT in Tokyo", user="U2")
    assert "Tokyo (Asia/Tokyo): *23:00*" in us and "2027-09-27" in us
    span = times(running, "7-9 AM America/Los_Angeles in Tokyo, London")
    assert "*07:00–09:00 Mon 2026-11-23*" in span
    assert "Tokyo (Asia/Tokyo): *00:00–02:00* Tue 2026-11-24" in span
    assert "London (Europe/London): *15:00–17:00*" in span
    pm = times(running, "from 7 to 9 pm UTC in Asia/Kolkata")
    assert "*00:30–02:30*" in pm
    assert running.fake.violations == []


def test_times_asks_about_a_bare_number_and_names_unread_words(running: RunningBot) -> None:
    bare = times(running, "7 PDT in Tokyo")
    assert "`7`: say 7am, 7pm or 07:00" in bare
    assert "Usage" in bare
    range_ = times(running, "7-9 UTC")
    assert "7-9 am, 7-9 pm" in range_
    assert "not a real date" in times(running, "2/30 9am UTC")


def test_day_first_is_a_workspace_setting_admins_change(running: RunningBot) -> None:
    month_first = times(running, "9/10 9am UTC in UTC")
    assert "Fri 2027-09-10" in month_first
    assert "10 September (month first" in month_first
    refused = running.command("/wg", "settings dates day-first", user_id="U1").reply_text
    assert "admin" in refused.lower()
    assert "month first" in running.command("/wg", "settings").reply_text
    done = running.command("/wg", "settings dates day-first", user_id="UADMIN").reply_text
    assert "day first" in done
    assert "Dates: day first" in running.command("/wg", "settings", user_id="U3").reply_text
    day_first = times(running, "9/10 9am UTC in UTC")
    assert "Sat 2027-10-09" in day_first and "9 October (day first" in day_first
    # A date that can only be read one way is read that way, and the answer says so.
    assert "Mon 2027-09-27" in times(running, "9/27 9am UTC in UTC")
    answer = schedule(running, '"Retro" on 10/12 at 18:00 UTC', user_id="U3")
    assert "10/12 read as 10 December (day first" in answer
    assert series_rows(running)[0].dtstart.date() == date(2026, 12, 10)
    running.command("/wg", "settings dates month-first", user_id="UADMIN")
    assert "Fri 2027-09-10" in times(running, "9/10 9am UTC")


def test_friday_on_a_friday_is_today_for_meetings(running: RunningBot) -> None:
    running.clock.set(FRIDAY_NOON)
    assert "Fri 2026-11-27" in times(running, "friday 6pm UTC")
    assert "Fri 2026-12-04" in times(running, "next friday 6pm UTC")
    schedule(running, '"Today" on friday at 18:00 UTC')
    schedule(running, '"Next week" on next friday at 18:00 UTC')
    weekly = schedule(running, '"Standup" every friday at 20:00 UTC starting friday')
    assert "Scheduled" in weekly, weekly
    starts = {r.name: r.dtstart.date() for r in series_rows(running)}
    assert starts == {
        "Today": date(2026, 11, 27),
        "Next week": date(2026, 12, 4),
        "Standup": date(2026, 11, 27),
    }


def test_friday_on_a_friday_is_today_for_action_due_dates(running: RunningBot) -> None:
    running.clock.set(FRIDAY_NOON)
    today = running.command("/action", "add <@U2|bob> ship the draft by friday").reply_text
    assert "2026-11-27" in today
    later = running.command("/action", "add <@U2|bob> tidy up by next friday").reply_text
    assert "2026-12-04" in later
    # In Tokyo it is already Friday evening; in Los Angeles still Friday morning: same day.
    tokyo = running.command("/action", "add <@U1> review due friday", user_id="U3")
    assert "2026-11-27" in tokyo.reply_text


def test_an_unknown_zone_is_never_read_as_utc_for_a_due_date() -> None:
    # Slack only sends zones tzdata knows; a stored one tzdata later dropped must not become UTC.
    with pytest.raises(dates.DateError, match="`Mars/Olympus_Mons` is not one I know"):
        dates.parse_due("tomorrow", now=FRIDAY_NOON, tz="Mars/Olympus_Mons")
    with pytest.raises(dates.DateError, match="not one I know"):
        dates.local_today(FRIDAY_NOON, "Mars/Olympus_Mons")
    read = dates.read_due("9/10", now=FRIDAY_NOON, tz="Asia/Tokyo", day_first=True)
    assert read.value == date(2027, 10, 9) and read.note and "day first" in read.note


def test_help_states_the_one_meaning_of_friday(running: RunningBot) -> None:
    for family in ("/meeting", "/action"):
        text = running.command(family, "help").reply_text
        assert "`friday` is the next Friday from today on (today, on a Friday)" in text, family
        assert "`next friday` is the first Friday after today" in text


def test_times_grammar_reads_the_issue_examples() -> None:
    from bot.meetings.grammar import parse_times

    monday = date(2026, 11, 23)
    req = parse_times("thursday 9/27 7am PDT in Tokyo", today_in=monday)
    assert req.naive == datetime(2027, 9, 27, 7, 0)
    assert req.zone is not None and req.zone.key == "America/Los_Angeles"
    assert [t.key for t in req.targets] == ["Asia/Tokyo"]
    assert any("not a Thursday" in w for w in req.warnings)
    span = parse_times("7-9 AM PDT", today_in=monday)
    assert span.naive == datetime(2026, 11, 23, 7, 0) and span.length == 120
    assert span.zone is not None and span.zone.key == "America/Los_Angeles"
    later = parse_times("in 2 weeks 10pm-2am UTC to London", today_in=monday)
    assert later.naive == datetime(2026, 12, 7, 22, 0) and later.length == 240
    assert [t.key for t in later.targets] == ["Europe/London"]


def test_a_date_that_cannot_exist_is_named_with_the_usage(running_sqlite: RunningBot) -> None:
    """The reader names the word; the command it was read for adds the right form."""
    text = times(running_sqlite, "2/30 16:00 UTC in Tokyo")
    assert "`2/30` is not a real date" in text
    assert "*Usage:*" in text and "/meeting times [WEEKDAY] [DATE] TIME" in text
