"""The Slack edge against a Slack that refuses what Slack refuses (tests/harness/fakeslack.py).

A reaction or an edit about a message someone deleted meanwhile is dropped, not failed;
a burst of posts in one channel under Slack's rate limit arrives, in order.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from bot import outbox
from bot.models import OutboxMessage
from tests.conftest import RunningBot
from tests.harness.rooms import Room


def test_a_reaction_to_a_message_deleted_meanwhile_is_dropped_not_failed(
    running: RunningBot,
) -> None:
    room = Room(running)
    room.cmd("start Deletions")
    kept = room.say("#idea keep this one")
    gone = room.say("#idea delete this one")
    room.delete(gone)  # before the bot's acknowledging reaction went out
    running.deliver()
    assert running.fake.reactions("C1", kept)
    [refused] = [c for c in running.fake.calls_to("reactions.add") if c.params["timestamp"] == gone]
    assert refused.error == "message_not_found"
    with running.bot.rt.db.read() as s:
        row = s.scalars(
            select(OutboxMessage).where(
                OutboxMessage.method == "reactions.add", OutboxMessage.lane == f"C1/{gone}"
            )
        ).one()
        assert row.status == "cancelled" and "deleted" in str(row.last_error)
    # (the guards: no error logged, no outbox row failed for good)


def test_an_edit_of_a_card_someone_deleted_is_dropped_not_failed(running: RunningBot) -> None:
    with running.bot.rt.db.write() as s:
        card = outbox.post_message(
            s, team_id="T1", channel="C1", text="v1", now=running.clock.now()
        )
    running.deliver()
    [posted] = running.fake.messages("C1")
    # An admin deletes the bot's message in Slack; then the bot edits it.
    running.fake.apply_event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C1",
            "deleted_ts": posted["ts"],
        }
    )
    with running.bot.rt.db.write() as s:
        assert card is not None
        outbox.update_message(s, team_id="T1", original=card.id, text="v2", now=running.clock.now())
    running.deliver()
    assert running.fake.last_call("chat.update").error == "message_not_found"
    with running.bot.rt.db.read() as s:
        statuses = dict(
            s.execute(select(OutboxMessage.method, OutboxMessage.status)).tuples().all()
        )
    assert statuses == {"chat.postMessage": "sent", "chat.update": "cancelled"}


def test_a_burst_in_one_channel_under_slacks_rate_limit_arrives_in_order(
    running_sqlite: RunningBot,
) -> None:
    rb = running_sqlite
    rb.fake.rate_limit(tiers=True)  # about one post a second per channel, a short burst
    with rb.bot.rt.db.write() as s:
        for i in range(6):
            outbox.post_message(s, team_id="T1", channel="C1", text=f"n{i}", now=rb.clock.now())
    deadline = time.monotonic() + 20
    while len(rb.fake.messages("C1")) < 6 and time.monotonic() < deadline:
        rb.deliver()
        rb.advance(timedelta(seconds=1))  # the outbox waits Retry-After on its clock...
        time.sleep(0.5)  # ...and Slack's limit runs on the wall clock
    assert [m["text"] for m in rb.fake.messages("C1")] == [f"n{i}" for i in range(6)]
    limited = [c for c in rb.fake.calls_to("chat.postMessage") if c.rate_limited]
    assert limited and all(c.status == 429 for c in limited)
    with rb.bot.rt.db.read() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_a_shortcuts_answer_from_a_dm_among_people_comes_in_the_bots_dm(
    running_sqlite: RunningBot,
) -> None:
    rb = running_sqlite
    # A message shortcut works in any conversation the user is in, a DM with a
    # colleague too, which the bot is not part of: its answer goes to the bot's DM.
    resp = rb.sender.message_shortcut(
        "no_such_shortcut", {"text": "x", "user": "U2"}, channel_id="D0PEOPLE1", user_id="U1"
    )
    assert resp.status == 200

    def answered() -> bool:
        rb.deliver()
        return any("Unknown shortcut" in m["text"] for m in rb.fake.messages("DU1"))

    rb.fake.wait_until(answered)
    assert not [e for e in rb.fake.ephemerals if e["channel"] == "D0PEOPLE1"]
