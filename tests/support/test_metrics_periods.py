"""Reporting periods: any length, calendar quarters and date ranges in the asker's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.support.periods import PeriodError, months_back, parse_period
from tests.conftest import T0, RunningBot
from tests.support.test_metrics import table

# 31 December 2026, 20:00 UTC: already 1 January 2027 in Tokyo, still 2026 in Los Angeles.
NEW_YEAR = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)


def test_relative_periods_count_back_from_now() -> None:
    p = parse_period("7D", now=T0, zone="UTC")
    assert (p.text, p.title, p.since, p.until) == ("7d", "last 7 days", T0 - timedelta(7), T0)
    assert parse_period("2w", now=T0, zone="UTC").since == T0 - timedelta(14)
    assert parse_period("1w", now=T0, zone="UTC").title == "last 1 week"
    # Months by the calendar: from 31 March, one month back is 28 February.
    march = datetime(2026, 3, 31, 9, tzinfo=UTC)
    assert parse_period("1m", now=march, zone="UTC").since == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert parse_period("3m", now=T0, zone="UTC").since == datetime(2026, 8, 23, 12, tzinfo=UTC)
    assert months_back(datetime(2024, 3, 30).date(), 1).isoformat() == "2024-02-29"
    assert months_back(datetime(2026, 1, 15).date(), 13).isoformat() == "2024-12-15"


def test_quarters_are_read_in_the_askers_zone() -> None:
    tokyo = parse_period("quarter", now=NEW_YEAR, zone="Asia/Tokyo")
    assert tokyo.title == "Q1 2027 so far"
    assert tokyo.since == datetime(2026, 12, 31, 15, tzinfo=UTC)  # 1 Jan 00:00 JST
    assert tokyo.until == NEW_YEAR
    la = parse_period("quarter", now=NEW_YEAR, zone="America/Los_Angeles")
    assert la.title == "Q4 2026 so far"
    assert la.since == datetime(2026, 10, 1, 7, tzinfo=UTC)  # 1 Oct 00:00 PDT
    last = parse_period("last-quarter", now=NEW_YEAR, zone="Asia/Tokyo")
    assert (last.title, last.since, last.until) == (
        "Q4 2026",
        datetime(2026, 9, 30, 15, tzinfo=UTC),
        datetime(2026, 12, 31, 15, tzinfo=UTC),
    )


def test_date_ranges_are_inclusive_local_days() -> None:
    p = parse_period("2026-10-01..2026-10-31", now=T0, zone="Europe/Paris")
    assert p.title == "1 Oct 2026 – 31 Oct 2026"
    assert p.since == datetime(2026, 9, 30, 22, tzinfo=UTC)  # CEST
    assert p.until == datetime(2026, 10, 31, 23, tzinfo=UTC)  # CET after the change
    assert p.slug == "2026-10-01_to_2026-10-31"
    one_day = parse_period("2026-11-23..2026-11-23", now=T0, zone="UTC")
    assert (one_day.since, one_day.until) == (datetime(2026, 11, 23, tzinfo=UTC), T0)
    assert one_day.title.endswith("(so far)")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("-7d", "has no sign; write `7d`"),
        ("+2w", "has no sign; write `2w`"),
        ("0d", "at least one day"),
        ("0m", "at least one month"),
        ("5000d", "more than ten years"),
        ("99999999999999999999w", "more than ten years"),
        ("121m", "more than ten years"),
        ("0001-01-01..2026-01-01", "more than ten years"),
        ("2026-12-31..2026-10-01", "ends before it starts"),
        ("2027-01-01..2027-01-31", "starts after today"),
        ("2026-13-01..2026-12-31", "not a date"),
        ("yesterday", "not a period"),
        ("7days", "not a period"),
    ],
)
def test_bad_periods_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, now=T0, zone="UTC")
    assert problem in str(caught.value)


@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(r"[+-]?\d{1,25}[dwm]", fullmatch=True),
        st.from_regex(r"\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}", fullmatch=True),
    ),
    st.sampled_from(["UTC", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Kiritimati"]),
)
def test_any_text_is_a_period_or_a_named_problem(text: str, zone: str) -> None:
    try:
        p = parse_period(text, now=T0, zone=zone)
    except PeriodError as exc:
        assert str(exc)
        return
    assert p.until <= T0 and (p.since is None or p.since < p.until)


def _file(rb: RunningBot, at: datetime, text: str) -> None:
    rb.clock.set(at)
    assert "Filed" in rb.command("/issue", text, user_id="U1").reply_text


def test_periods_through_slack_in_each_askers_zone(desk: RunningBot) -> None:
    # 20:00 UTC on Monday 23 November: still the 23rd in Los Angeles, the 24th in Tokyo.
    _file(desk, T0 - timedelta(days=40), "file lustre: October")
    _file(desk, datetime(2026, 11, 23, 20, tzinfo=UTC), "file lustre: evening")
    _file(desk, datetime(2026, 11, 25, 9, tzinfo=UTC), "file lbaas: Wednesday")
    desk.clock.set(datetime(2026, 11, 26, 9, tzinfo=UTC))

    def opened(text: str, user: str) -> str:
        resp = desk.command("/support", f"metrics {text}", user_id=user)
        assert resp.status == 200
        return table(resp)["all providers"]["Opened"]

    assert opened("2026-11-23..2026-11-23", "U2") == "1"  # Los Angeles
    assert opened("2026-11-23..2026-11-23", "U3") == "0"  # Tokyo
    assert opened("2026-11-24..2026-11-24", "U3") == "1"
    assert opened("2026-11-01..2026-11-30", "U1") == "2"
    assert opened("2026-11-01..9999-12-31", "U3") == "2"  # up to now
    assert opened("2d", "U1") == "1"
    assert opened("1w", "U1") == "2"
    assert opened("2M", "U1") == "3"
    assert opened("quarter", "U1") == "3"
    assert opened("last-quarter", "U1") == "0"
    text = desk.command("/support", "metrics quarter", user_id="U3").reply_text
    assert "Support metrics — Q4 2026 so far" in text
    assert desk.fake.violations == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("-7d", "has no sign"),
        ("0d", "at least one day"),
        ("2026-12-31..2026-10-01", "ends before it starts"),
        ("2027-03-01..2027-03-31", "starts after today"),
        ("7d 30d", "Two periods"),
        ("fortnight", "not a period"),
    ],
)
def test_bad_periods_through_slack_get_an_ephemeral_answer(
    desk: RunningBot, args: str, problem: str
) -> None:
    resp = desk.command("/support", f"metrics {args} csv chart", user_id="U2", channel_id="C1")
    assert resp.status == 200
    body = resp.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    assert problem in body["text"], body["text"]
    assert "*Usage:*" in body["text"] and "YYYY-MM-DD..YYYY-MM-DD" in body["text"]
    desk.deliver()
    assert desk.fake.uploaded_files == []
    assert desk.fake.violations == []
