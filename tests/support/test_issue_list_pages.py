"""`/issue list` across a weekend: overdue issues marked and listed first, then pages.

Issues filed on a Friday afternoon by a reporter in Tokyo; the provider's contact in
Los Angeles answers some before the weekend. By Monday morning the unanswered ones
are overdue: marked, and listed first among open ones (longest overdue first). The
list pages (`page N`, `before #N`); bad paging gets an ephemeral answer naming it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.support.desk_people import (
    BYSTANDER,
    CONTACT,
    REPORTER,
    events,
    say,
    seat_people,
    shown,
)

FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 07:00 in LA, midnight in Tokyo
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def week(running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    return seat_people(running, monkeypatch, tmp_path)


def _numbers(text: str) -> list[int]:
    """The issue numbers of a list's rows, in order."""
    return [int(n) for n in re.findall(r"^• (?::rotating_light: )?\*#(\d+)\*", text, re.M)]


def _overdue(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^• :rotating_light: \*#(\d+)\*", text, re.M)]


def test_overdue_issues_are_marked_and_listed_first_after_a_weekend(week: RunningBot) -> None:
    week.clock.set(FRIDAY)
    # Whamcloud's tier (extended): S1 answered within 4 h, S2 8 h, S3 24 h, S4 72 h.
    for n, severity in enumerate(["S4", "S3", "S1", "S2", "S3", "S4"], start=1):
        week.advance(timedelta(minutes=10))
        say(week, REPORTER, f"file {severity} lustre: issue {n} filed on friday")
    # Friday, still: nothing is overdue; the list is newest first with "response due".
    friday = shown(week, REPORTER, "list")
    assert _numbers(friday) == [6, 5, 4, 3, 2, 1] and _overdue(friday) == []
    assert "overdue" not in friday and friday.count("response due") == 6
    say(week, CONTACT, "ack 5")  # answered before the weekend: never overdue

    week.clock.set(MONDAY)
    monday = shown(week, BYSTANDER, "list")
    # 65 h on: S1 (#3), S2 (#4) and S3 (#2) missed their deadlines; #5 was answered,
    # the S4s (#1, #6) are due Monday afternoon.
    assert _overdue(monday) == [3, 4, 2]  # longest overdue first
    assert _numbers(monday) == [3, 4, 2, 6, 5, 1]
    assert "Open issues*: 6, 3 overdue (listed first)" in monday
    row = next(line for line in monday.splitlines() if line.startswith("• :rotating_light: *#3*"))
    assert "*overdue*: response was due" in row
    # The due time is a token every reader sees in their own zone: Friday 19:30 UTC.
    due = int((FRIDAY + timedelta(minutes=30) + timedelta(hours=4)).timestamp())
    assert f"<!date^{due}^" in row
    later = next(line for line in monday.splitlines() if line.startswith("• *#6*"))
    assert "response due" in later and "overdue" not in later

    # Once answered, an issue leaves the overdue head of the list.
    say(week, CONTACT, "ack 3")
    assert _overdue(shown(week, REPORTER, "list")) == [4, 2]
    # `mine` puts the reporter's overdue issues first as well; `all` is newest first.
    assert _numbers(shown(week, REPORTER, "list mine"))[:2] == [4, 2]
    assert _numbers(shown(week, REPORTER, "list all")) == [6, 5, 4, 3, 2, 1]


def test_pages_and_before(week: RunningBot) -> None:
    week.clock.set(FRIDAY)
    for n in range(1, 46):
        say(week, REPORTER, f"file S4 lustre: issue {n}")
    say(week, CONTACT, "ack 45")
    week.clock.set(MONDAY + timedelta(days=1))  # the S4s' 72 h have passed
    say(week, CONTACT, "close 44 fixed")  # closed: not in the open list

    first = shown(week, BYSTANDER, "list")
    assert "Open issues*: 44, 43 overdue (listed first) · page 1, issues 1–20" in first
    # Every one was filed within a second of the last: the oldest deadline first.
    assert _numbers(first) == list(range(1, 21))
    assert "More: `/issue list open page 2`" in first
    second = shown(week, BYSTANDER, "list page 2")
    assert _numbers(second) == list(range(21, 41)) and "issues 21–40" in second
    third = shown(week, BYSTANDER, "list open page 3")
    assert _numbers(third) == [41, 42, 43, 45] and "More:" not in third

    older = shown(week, BYSTANDER, "list all before #11")
    assert _numbers(older) == list(range(10, 0, -1))
    assert "All issues* filed before #11: 10" in older
    assert "More:" not in older
    # Filters, paging and before combine; the next page's hint keeps them.
    paged = shown(week, BYSTANDER, "list all lustre before #44 page 2")
    assert _numbers(paged) == list(range(23, 3, -1))
    assert "`/issue list all lustre before #44 page 3`" in paged


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("list page 0", "Pages start at 1"),
        ("list page -2", "`-2` is not a page number"),
        ("list page two", "`two` is not a page number"),
        ("list page", "Which page?"),
        ("list before", "Before which issue?"),
        ("list before #x", "`#x` is not a valid issue number"),
        ("list before #1", "No issue comes before #1"),
        ("list page 51", "at most 50 pages"),
        ("list page 3", "There is no page 3: this list has 1 page"),
    ],
)
def test_bad_paging_gets_an_ephemeral_answer_naming_it(
    week: RunningBot, args: str, problem: str
) -> None:
    say(week, REPORTER, "file S2 lustre: one")
    history = events(week, 1)
    text = say(week, BYSTANDER, args)
    assert problem in text, text
    assert "/issue list [open|mine|all|closed]" in text  # the usage line
    assert events(week, 1) == history
