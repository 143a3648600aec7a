"""Replies in an issue card's thread are the issue's history, through signed message events.

The reporter files from Tokyo; people answer in the card's thread in #lustre-support
(the bot posted the card there, so Slack sends it that channel's messages). Each reply
is recorded with its author, time and text; the first one from the provider's contact
is the first response. The bot's own messages, edits and deletions record nothing.
"""

from __future__ import annotations

import time
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
    events,
    issue_row,
    say,
    seat_people,
)
from tests.support.helpers import all_text, card


@pytest.fixture
def week(running: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RunningBot:
    return seat_people(running, monkeypatch, tmp_path)


def _filed_card(rb: RunningBot, title: str) -> tuple[int, str]:
    """File an S2 issue as the reporter; its number and its card's ts in the triage channel."""
    text = say(rb, REPORTER, f"file S2 lustre: {title}")
    number = int(text.split("issue #", 1)[1].split()[0].rstrip(".*:"))
    rb.deliver()
    return number, str(card(rb, TRIAGE, number)["ts"])


def _reply(rb: RunningBot, user: str, text: str, thread_ts: str, **kw: object) -> str:
    """A message in the card's thread, as Slack sends it; returns its ts."""
    ts = f"{time.time():.6f}"
    resp = rb.sender.message(
        text, user_id=user, channel_id=TRIAGE, ts=ts, thread_ts=thread_ts, **kw
    )
    assert resp.delivered and resp.status == 200
    return ts


def _replies(rb: RunningBot, number: int) -> list[tuple[str | None, str]]:
    return [(actor, text) for actor, kind, text in events(rb, number) if kind == "reply"]


def test_replies_are_recorded_and_a_contacts_first_reply_is_the_first_response(
    week: RunningBot,
) -> None:
    n, thread = _filed_card(week, "MDS crashes on failover")
    filed_at = week.clock.now()

    # A bystander and the reporter speak first: recorded, but no first response.
    week.advance(timedelta(minutes=5))
    _reply(week, BYSTANDER, "same here on 2.15.3", thread)
    week.advance(timedelta(minutes=5))
    _reply(week, REPORTER, "logs: <https://logs.example/mds|mds.log>", thread)
    assert issue_row(week, n)["first_response_at"] is None
    assert issue_row(week, n)["status"] == "open"

    # The member of the triage channel in Berlin answers 2 hours after filing.
    answered = filed_at + timedelta(hours=2)
    week.clock.set(answered)
    _reply(week, TRIAGER, "looking at it; which kernel?", thread)
    row = issue_row(week, n)
    assert row["first_response_at"] == answered and row["status"] == "acknowledged"
    week.deliver()
    assert "acknowledged" in all_text(card(week, TRIAGE, n))  # the card says so too

    # Later replies are history only: the first response stays where it was.
    week.advance(timedelta(hours=1))
    _reply(week, CONTACT, "patch LU-1234 fixes it", thread)
    assert issue_row(week, n)["first_response_at"] == answered
    assert _replies(week, n) == [
        (BYSTANDER, "same here on 2.15.3"),
        (REPORTER, "logs: <https://logs.example/mds|mds.log>"),
        (TRIAGER, "looking at it; which kernel?"),
        (CONTACT, "patch LU-1234 fixes it"),
    ]
    acks = [e for e in events(week, n) if e[1] == "acknowledged"]
    assert acks == [
        (TRIAGER, "acknowledged", "acknowledged (first response: a reply in the card's thread)")
    ]
    # `/issue show` lists the conversation with its authors (links stay escaped).
    show = say(week, BYSTANDER, f"show {n}")
    assert f"<@{TRIAGER}> · replied: “looking at it; which kernel?”" in show
    assert f"<@{CONTACT}> · replied: “patch LU-1234 fixes it”" in show
    assert "&lt;https://logs.example/mds|mds.log&gt;" in show


def test_the_reporter_never_gives_the_first_response_even_as_a_contact(week: RunningBot) -> None:
    week.fake.add_channel(TRIAGE, "lustre-support", members=[TRIAGER, REPORTER])
    n, thread = _filed_card(week, "lfs df hangs")
    _reply(week, REPORTER, "still hanging", thread)
    assert issue_row(week, n)["first_response_at"] is None
    assert _replies(week, n) == [(REPORTER, "still hanging")]


def test_bot_messages_edits_deletions_and_other_threads_record_nothing(
    week: RunningBot,
) -> None:
    n, thread = _filed_card(week, "OST flaps")
    elsewhere = week.fake.add_message(TRIAGE, "a thread that is no card", user=TRIAGER)
    _reply(week, TRIAGER, "not about an issue", elsewhere)
    # The card's own message (not in a thread) and a message without a thread.
    week.sender.message("hello all", user_id=TRIAGER, channel_id=TRIAGE)
    # The bot's own post in the thread.
    week.sender.message(
        "SLA warning", user_id="UBOT", channel_id=TRIAGE, thread_ts=thread, bot_id="B0WGBOT1"
    )
    assert _replies(week, n) == []
    assert issue_row(week, n)["first_response_at"] is None

    said = _reply(week, BYSTANDER, "first words", thread)
    history = events(week, n)
    # An edit and a deletion of that reply: the history keeps what was said then.
    week.sender.message(
        "",
        user_id=BYSTANDER,
        channel_id=TRIAGE,
        subtype="message_changed",
        message={
            "type": "message",
            "user": BYSTANDER,
            "text": "edited",
            "ts": said,
            "thread_ts": thread,
        },
        previous_message={
            "type": "message",
            "user": BYSTANDER,
            "text": "first words",
            "ts": said,
            "thread_ts": thread,
        },
    )
    week.sender.message(
        "",
        user_id=BYSTANDER,
        channel_id=TRIAGE,
        subtype="message_deleted",
        deleted_ts=said,
        previous_message={
            "type": "message",
            "user": BYSTANDER,
            "text": "first words",
            "ts": said,
            "thread_ts": thread,
        },
    )
    assert events(week, n) == history


def test_a_retried_event_is_recorded_once(week: RunningBot) -> None:
    n, thread = _filed_card(week, "quota off by one")
    ts = f"{time.time():.6f}"
    for retry in (None, 1):
        resp = week.sender.message(
            "on it",
            user_id=CONTACT,
            channel_id=TRIAGE,
            ts=ts,
            thread_ts=thread,
            event_id="Ev0REPLY001",
            retry_num=retry,
        )
        assert resp.status == 200
    assert _replies(week, n) == [(CONTACT, "on it")]


def test_the_reporters_reply_in_the_thread_ends_a_wait(week: RunningBot) -> None:
    n, thread = _filed_card(week, "MGS unreachable")
    assert "waiting on" in say(week, CONTACT, f"wait {n} which lustre version?")
    week.advance(timedelta(hours=3))
    _reply(week, REPORTER, "2.15.4 on all servers", thread)
    kinds = [kind for _, kind, _ in events(week, n)]
    assert kinds[-2:] == ["reply", "resumed"]
