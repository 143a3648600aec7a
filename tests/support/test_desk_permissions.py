"""Who may acknowledge, assign and close, through the signed HTTP path and the card's buttons.

The provider's contacts (its escalation contact in Los Angeles, a member of its triage
channel in Berlin), bot admins and workspace admins handle an issue; the reporter in
Tokyo may withdraw it but never acknowledge it; a bystander may do neither. A refusal
is an ephemeral answer naming who can, and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.support.desk_people import (
    BYSTANDER,
    CONTACT,
    REPORTER,
    TRIAGE,
    TRIAGER,
    WS_ADMIN,
    events,
    issue_row,
    say,
    seat_people,
)
from tests.support.helpers import all_text, buttons, card, open_views

WHO_CAN = (
    f"Whamcloud's contacts (its escalation contacts <@{CONTACT}> and members of <#{TRIAGE}>), "
    "bot admins and workspace admins"
)


@pytest.fixture
def week(running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    return seat_people(running, monkeypatch, tmp_path)


def _file(rb: RunningBot, title: str) -> int:
    text = say(rb, REPORTER, f"file S2 lustre: {title}")
    number = int(text.split("issue #", 1)[1].split()[0].rstrip(".*:"))
    rb.deliver()
    return number


def test_the_reporter_and_a_bystander_cannot_acknowledge_a_contact_can(week: RunningBot) -> None:
    n = _file(week, "MDS crashes on failover")
    before = events(week, n)

    mine = say(week, REPORTER, f"ack {n}")
    assert f"You filed issue #{n}, so you cannot acknowledge it" in mine
    assert WHO_CAN in mine and f"`/issue close {n}`" in mine
    theirs = say(week, BYSTANDER, f"ack {n}")
    assert f"Only {WHO_CAN} can acknowledge issue #{n}." in theirs
    # Refused: nothing written, the first-response clock still runs.
    assert events(week, n) == before
    assert issue_row(week, n)["status"] == "open"
    assert issue_row(week, n)["first_response_at"] is None

    # A member of the triage channel (not an escalation contact) answers 40 minutes on.
    answered_at = week.advance(timedelta(minutes=40))
    assert f"acknowledged issue #{n}" in say(week, TRIAGER, f"ack {n}")
    row = issue_row(week, n)
    assert row["status"] == "acknowledged" and row["first_response_at"] == answered_at
    assert events(week, n)[-1] == (TRIAGER, "acknowledged", "acknowledged")


def test_the_escalation_contact_and_admins_assign_and_close(week: RunningBot) -> None:
    first = _file(week, "OST flaps")
    second = _file(week, "lfs find is slow")

    refused = say(week, BYSTANDER, f"assign {first} <@{BYSTANDER}|ana>")
    assert f"Only {WHO_CAN} can assign issue #{first}." in refused
    assert issue_row(week, first)["assignee"] is None
    refused = say(week, REPORTER, f"assign {first} <@{REPORTER}|kenji>")
    assert "can assign" in refused and issue_row(week, first)["assignee"] is None

    assert "now assigned" in say(week, CONTACT, f"assign {first} <@{TRIAGER}|jonas>")
    assert issue_row(week, first)["assignee"] == TRIAGER
    # A workspace admin is nobody's contact, and may.
    assert "now assigned" in say(week, WS_ADMIN, f"assign {second} <@{CONTACT}|lena>")
    assert "is closed" in say(week, WS_ADMIN, f"close {second} duplicate of #{first}")
    # A bot admin (made one by the admin) may acknowledge.
    week.command("/wg", f"admins add <@{BYSTANDER}|ana>", user_id=WS_ADMIN)
    assert f"acknowledged issue #{first}" in say(week, BYSTANDER, f"ack {first}")
    assert "is closed" in say(week, CONTACT, f"close {first} fixed in 2.15.4")
    assert issue_row(week, first)["resolution"] == "fixed in 2.15.4"


def test_the_reporter_withdraws_and_a_bystander_cannot_close(week: RunningBot) -> None:
    n = _file(week, "quota reports are off by one")
    refused = say(week, BYSTANDER, f"close {n}")
    assert f"Only {WHO_CAN} can close issue #{n}. Its reporter may withdraw it." in refused
    assert issue_row(week, n)["status"] == "open"

    week.advance(timedelta(hours=2))
    assert f"You withdrew issue #{n}" in say(week, REPORTER, f"close {n} found it in the docs")
    row = issue_row(week, n)
    assert row["status"] == "closed" and row["closed_at"] is not None
    # A withdrawal is no answer from the provider: no first response is recorded.
    assert row["first_response_at"] is None
    assert events(week, n)[-1] == (
        REPORTER,
        "closed",
        "withdrawn by the reporter: found it in the docs",
    )
    assert "withdrawn by the reporter" in say(week, BYSTANDER, f"show {n}")
    assert "can reopen" in say(week, BYSTANDER, f"reopen {n}")
    assert "open again" in say(week, REPORTER, f"reopen {n}")
    assert issue_row(week, n)["status"] == "open"


def _ephemerals_to(rb: RunningBot, user: str) -> list[str]:
    return [str(e.get("text", "")) for e in rb.fake.ephemerals if e.get("user") == user]


def test_the_cards_buttons_share_the_rule(week: RunningBot) -> None:
    n = _file(week, "MGS unreachable")
    msg = card(week, TRIAGE, n)
    assert set(buttons(msg)) >= {"issue_ack", "issue_assign", "issue_close"}

    # The bystander presses all three: each is refused privately, naming who can.
    for action in ("issue_ack", "issue_assign", "issue_close"):
        resp = week.sender.block_action(
            action, str(n), user_id=BYSTANDER, channel_id=TRIAGE, message=msg
        )
        assert resp.status == 200
    week.deliver()
    refusals = _ephemerals_to(week, BYSTANDER)
    assert len(refusals) == 3 and all(WHO_CAN in r for r in refusals), refusals
    assert not open_views(week, "issue_assign")  # no form for someone who may not assign
    # The reporter's press of Acknowledge is refused too, saying they may withdraw.
    week.sender.block_action("issue_ack", str(n), user_id=REPORTER, channel_id=TRIAGE, message=msg)
    week.deliver()
    assert any("cannot acknowledge" in t for t in _ephemerals_to(week, REPORTER))
    assert not [c for c in week.fake.calls_to("chat.update") if c.ok]
    assert issue_row(week, n)["status"] == "open"

    # The escalation contact presses Acknowledge: the card changes.
    week.sender.block_action("issue_ack", str(n), user_id=CONTACT, channel_id=TRIAGE, message=msg)
    week.deliver()
    msg = card(week, TRIAGE, n)
    assert "acknowledged" in all_text(msg) and "issue_ack" not in buttons(msg)
    assert issue_row(week, n)["first_response_at"] is not None


def test_help_states_the_rule(week: RunningBot) -> None:
    text = say(week, BYSTANDER, "help")
    assert "Who may do what" in text
    assert "escalation contacts and members of its triage channel" in text
    assert "never acknowledge" in text
