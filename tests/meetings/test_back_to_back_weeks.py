"""ISO-week parity series around a 53-week year: two meetings one week apart, said so.

`every odd week on tuesday` (yaml2ical's biweekly-odd) meets in ISO week 53 of 2026
(Tue 2026-12-29) and again in week 1 of 2027 (Tue 2027-01-05): back to back, where
everyone expects two weeks. The scheduling answer and `/meeting next` say so; all
through the signed HTTP path.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.meetings.models import MeetingSeries
from tests.conftest import RunningBot

CHANNEL = "C0123ABCD"
CHAIR = "U024BE7LH"
NOTICE = (
    "It meets on Tue 2026-12-29 and again on Tue 2027-01-05 "
    "(ISO week 53 then week 1): one week apart, not two"
)


@pytest.fixture
def bot(running: RunningBot) -> RunningBot:
    running.fake.add_user(CHAIR, tz="Europe/Paris", name="pat")
    running.fake.add_channel(CHANNEL, "wg-sync", members=[CHAIR, "U1"])
    return running


def meeting(rb: RunningBot, text: str) -> str:
    resp = rb.command("/meeting", text, user_id=CHAIR, channel_id=CHANNEL)
    assert resp.status == 200, resp.text[:300]
    return resp.reply_text


def scheduled(rb: RunningBot, text: str) -> str:
    answer = meeting(rb, f"schedule {text}")
    assert answer.startswith(":white_check_mark: Scheduled"), answer
    return answer


def test_the_calendar_facts_the_feature_is_about() -> None:
    # Independent of the bot: 2026 is a long ISO year, both Tuesdays are in odd weeks.
    assert date(2026, 12, 29).isocalendar()[:2] == (2026, 53)
    assert date(2027, 1, 5).isocalendar()[:2] == (2027, 1)


@pytest.mark.parametrize(
    "rule", ["every odd week on tuesday", "biweekly-odd tuesday", "every odd iso week on tue"]
)
def test_scheduling_an_odd_week_series_says_which_meetings_are_back_to_back(
    bot: RunningBot, rule: str
) -> None:
    answer = scheduled(bot, f'"SWG" {rule} at 16:00 UTC')
    assert "every Tuesday of odd ISO weeks at 16:00 UTC" in answer
    assert f":warning: {NOTICE}, because 2026 has 53 ISO weeks." in answer
    # The next two years have one such pair (the answer's text and blocks both show it).
    assert set(re.findall(r"It meets on ([^:]*?) and again on ([^(]*?) \(", answer)) == {
        ("Tue 2026-12-29", "Tue 2027-01-05")
    }
    with bot.bot.rt.db.read() as s:
        [series] = s.query(MeetingSeries).filter_by(team_id="T1").all()
        assert "BYWEEKNO=1,3," in series.rrule and series.channel_id == CHANNEL


def test_next_warns_on_both_meetings_of_the_pair_and_only_on_them(bot: RunningBot) -> None:
    scheduled(bot, '"SWG" every odd week on tuesday at 16:00 UTC')
    expected = {
        # clock -> the next meeting, and whether it is one of the back-to-back pair
        datetime(2026, 11, 23, 12, tzinfo=UTC): ("Tue 2026-12-01 16:00 UTC", False),
        datetime(2026, 12, 16, 12, tzinfo=UTC): ("Tue 2026-12-29 16:00 UTC", True),
        datetime(2026, 12, 30, 12, tzinfo=UTC): ("Tue 2027-01-05 16:00 UTC", True),
        datetime(2027, 1, 6, 12, tzinfo=UTC): ("Tue 2027-01-19 16:00 UTC", False),
    }
    for clock, (when, back_to_back) in expected.items():
        bot.clock.set(clock)
        answer = meeting(bot, "next SWG")
        assert answer.startswith(":calendar: Next *SWG* (#1):"), answer
        assert f"Home zone (UTC): {when}" in answer, (clock, answer)
        if back_to_back:
            assert f":warning: {NOTICE}" in answer, (clock, answer)
        else:
            assert "one week apart" not in answer, (clock, answer)


def test_a_skipped_meeting_ends_the_pair(bot: RunningBot) -> None:
    scheduled(bot, '"SWG" every odd week on tuesday at 16:00 UTC skip 2026-12-29')
    bot.clock.set(datetime(2026, 12, 30, 12, tzinfo=UTC))
    answer = meeting(bot, "next SWG")
    assert "Home zone (UTC): Tue 2027-01-05 16:00 UTC" in answer
    assert "one week apart" not in answer  # the meeting before it was three weeks earlier


def test_an_edit_answer_repeats_the_notice(bot: RunningBot) -> None:
    scheduled(bot, '"SWG" every odd week on tuesday at 16:00 UTC')
    answer = meeting(bot, "edit SWG time 17:00")
    assert answer.startswith(":white_check_mark: Updated"), answer
    assert NOTICE in answer


@pytest.mark.parametrize(
    "rule",
    [
        "every even week on tuesday",  # weeks 52, then 2: three weeks apart, never one
        "every other tuesday",  # every 14 days whatever the week numbers
        "every 2 weeks on tuesday",
        "every tuesday",
    ],
)
def test_other_series_get_no_such_notice(bot: RunningBot, rule: str) -> None:
    answer = scheduled(bot, f'"SWG" {rule} at 16:00 UTC')
    assert "one week apart" not in answer
    for clock in (datetime(2026, 12, 16, 12, tzinfo=UTC), datetime(2026, 12, 30, 12, tzinfo=UTC)):
        bot.clock.set(clock)
        nxt = meeting(bot, "next SWG")
        assert nxt.startswith(":calendar: Next *SWG*") and "one week apart" not in nxt


def test_no_notice_when_no_53_week_year_is_in_sight(bot: RunningBot) -> None:
    # 2027 and 2028 have 52 ISO weeks; the next long year is 2032.
    bot.clock.set(datetime(2027, 2, 1, 12, tzinfo=UTC))
    answer = scheduled(bot, '"SWG" every odd week on tuesday at 16:00 UTC')
    assert "one week apart" not in answer
