"""Pure parsers: due dates, action text, meeting commands, Slack text conversions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions import dates
from bot.actions.parsing import split_action
from bot.actions.text import link_url, to_mrkdwn, to_plain
from bot.minutes.service import parse_command

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("today", MONDAY),
        ("Tomorrow", date(2026, 11, 24)),
        ("friday", date(2026, 11, 27)),
        ("fri", date(2026, 11, 27)),
        ("next monday", date(2026, 11, 30)),
        ("monday", MONDAY),  # a bare weekday is the next one from today on, today included
        ("in 3 days", date(2026, 11, 26)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("dec 5", date(2026, 12, 5)),
        ("5 Dec", date(2026, 12, 5)),
        ("December 5th", date(2026, 12, 5)),
        ("jan 3", date(2027, 1, 3)),  # month-day without year: the next one
        ("nov 23", MONDAY),
        ("dec 5 2027", date(2027, 12, 5)),
        ("Sept. 9, 2027", date(2027, 9, 9)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert dates.parse_date(text, today=MONDAY) == expected


@pytest.mark.parametrize(
    "text", ["", "someday", "dec", "2026-13-01", "feb 30", "in days", "32 dec"]
)
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(dates.DateError):
        dates.parse_date(text, today=MONDAY)


def test_parse_due_reads_the_writer_zone_and_refuses_the_past() -> None:
    # 23:30 UTC on Monday is already Tuesday in Tokyo.
    late = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert dates.parse_due("tomorrow", now=late, tz="Asia/Tokyo") == date(2026, 11, 25)
    assert dates.parse_due("tomorrow", now=late, tz="America/Los_Angeles") == date(2026, 11, 24)
    with pytest.raises(dates.DateError, match="in the past"):
        dates.parse_due("2026-11-23", now=late, tz="Asia/Tokyo")
    assert dates.end_of_day(date(2026, 11, 27), "Europe/Paris") == datetime(
        2026, 11, 27, 23, 0, tzinfo=UTC
    )


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 400))
def test_relative_dates_never_go_back(today: date, n: int) -> None:
    assert dates.parse_date(f"in {n} days", today=today).toordinal() == today.toordinal() + n
    for word in ("mon", "tuesday", "sun"):
        d = dates.parse_date(word, today=today)
        assert 0 <= (d - today).days <= 6
        d = dates.parse_date(f"next {word}", today=today)
        assert 1 <= (d - today).days <= 7
    assert dates.parse_date(today.isoformat(), today=today) == today


def test_split_action() -> None:
    a = split_action("<@U2|bob> <@U3>: write the by-laws due friday")
    assert (a.owners, a.task, a.due_text) == (("U2", "U3"), "write the by-laws", "friday")
    b = split_action("ask <@U3> to clean up by hand")
    assert (b.owners, b.task, b.due_text) == (("U3",), "ask <@U3> to clean up by hand", None)
    c = split_action("nobody owns this by dec 5")
    assert (c.owners, c.task, c.due_text) == ((), "nobody owns this", "dec 5")
    assert split_action("<@U2>").task == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("#topic Budget", ("topic", "Budget")),
        ("  #AGREE we do it", ("agreed", "we do it")),
        ("#decision yes", ("agreed", "yes")),
        ("#topic", ("topic", "")),
        ("#endmeeting", ("endmeeting", "")),
        ("#hashtag party", None),
        ("talking about #topic", None),
        ("<#C123|general> hello", None),
    ],
)
def test_parse_command(line: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(line) == expected


def test_slack_text_conversions() -> None:
    raw = "see <https://x.org/a?b=1&amp;c=2|the doc> &amp; ask <@U2|bob> in <#C9|ops> &lt;b&gt; <script>"
    assert to_mrkdwn(raw) == (
        "see the doc (https://x.org/a?b=1&amp;c=2) &amp; ask <@U2> in <#C9> &lt;b&gt; &lt;script&gt;"
    )
    assert to_plain(raw, {"U2": "bob"}) == (
        "see the doc (https://x.org/a?b=1&c=2) & ask @bob in #ops <b> <script>"
    )
    assert to_mrkdwn("<javascript:alert(1)|click>") == "&lt;javascript:alert(1)|click&gt;"
    assert link_url("#link <https://a.org/x> notes") == "https://a.org/x"
    assert link_url("plain https://b.org/y here") == "https://b.org/y"
