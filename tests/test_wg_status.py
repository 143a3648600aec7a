"""`/wg status` (admins): the outbox's backlog and failures with Retry, the scheduler, job errors.

Before it, a message the outbox gave up on was visible only in the log. Spoken through
the signed HTTP path, by an admin (UADMIN, a Slack admin in the fake workspace) and a
member (U1, not an admin).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import outbox
from bot.housekeeping.status import process_name
from bot.jobs import PeriodicTask, run_task
from bot.runtime import Runtime
from tests.conftest import RunningBot


def _post(rb: RunningBot, text: str, channel: str = "C1") -> int:
    with rb.bot.rt.db.write() as s:
        row = outbox.post_message(s, team_id="T1", channel=channel, text=text, now=rb.clock.now())
        assert row is not None
        return row.id


def _fail_one(rb: RunningBot, text: str) -> int:
    rb.fake.fail("chat.postMessage", error="is_archived", times=1)
    row_id = _post(rb, text)
    rb.deliver()
    return row_id


def _buttons(resp_json: dict[str, Any]) -> dict[str, str]:
    """Label -> value of the status answer's buttons."""
    found = {}
    for block in resp_json.get("blocks") or []:
        for el in block.get("elements", []) if block.get("type") == "actions" else []:
            assert el["action_id"] == "wg_outbox_retry"
            found[el["text"]["text"]] = el["value"]
    return found


def _texts(rb: RunningBot, text: str) -> list[str]:
    return [m["text"] for m in rb.fake.messages("C1") if m["text"] == text]


def test_members_are_refused_and_told_who_can(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    for text in ("status", "retry all"):
        answer = rb.command("/wg", text, user_id="U1").reply_text
        assert "only workspace admins and bot admins" in answer, answer
        assert "Outbox" not in answer


@pytest.mark.expect_failed_outbox
@pytest.mark.expect_errors(r"periodic task support_sla failed: .*database is tired")
def test_admin_sees_backlog_failures_scheduler_and_errors(running: RunningBot) -> None:
    rb = running
    answer = rb.command("/wg", "status", user_id="UADMIN").reply_text
    assert "no process has run the scheduled jobs yet" in answer
    assert "0 failed for good" in answer

    failed = _fail_one(rb, "the agenda for Thursday")
    # Two waiting in a channel whose head waits an hour (Slack rate-limited it).
    rb.fake.add_channel("C2", "ops", members=["U2"])
    rb.fake.invite_bot("C2")
    with rb.bot.rt.db.write() as s:
        for text in ("first", "second"):
            outbox.post_message(
                s,
                team_id="T1",
                channel="C2",
                text=text,
                now=rb.clock.now(),
                not_before=rb.clock.now() + timedelta(hours=1),
            )

    def tired(rt: Runtime, now: object) -> int:
        raise RuntimeError("the database is tired")

    # A job failing as the scheduler runs it: logged, and stored by the next heartbeat.
    run_task(rb.bot.rt, PeriodicTask("support_sla", tired, 60))
    rb.advance(timedelta(minutes=7))
    rb.run_jobs()

    resp = rb.command("/wg", "status", user_id="UADMIN")
    answer = resp.reply_text
    assert "2 waiting" in answer and "the oldest for 7 min" in answer, answer
    assert "1 failed for good" in answer
    assert f"#{failed}" in answer and "is_archived" in answer and "<#C1>" in answer
    assert f"led by `{process_name()}`" in answer
    assert "no tick for" not in answer
    assert "support_sla" in answer and "the database is tired" in answer
    assert _buttons(resp.json()) == {f"Retry #{failed}": str(failed)}

    # A scheduler that stopped ticking is called out.
    rb.advance(timedelta(minutes=10))
    assert "no tick for 10 min" in rb.command("/wg", "status", user_id="UADMIN").reply_text


@pytest.mark.expect_errors("failed for good")
def test_retry_button_sends_a_failed_message_once(running: RunningBot) -> None:
    rb = running
    failed = _fail_one(rb, "minutes of the call")
    assert _texts(rb, "minutes of the call") == []
    # A member's click is refused and changes nothing.
    rb.sender.block_action("wg_outbox_retry", str(failed), user_id="U1")
    rb.deliver()
    assert _texts(rb, "minutes of the call") == []
    assert any("only workspace admins" in e["text"] for e in rb.fake.ephemerals)

    buttons = _buttons(rb.command("/wg", "status", user_id="UADMIN").json())
    assert (
        rb.sender.block_action(
            "wg_outbox_retry", buttons[f"Retry #{failed}"], user_id="UADMIN"
        ).status
        == 200
    )
    rb.deliver()
    assert _texts(rb, "minutes of the call") == ["minutes of the call"]
    assert any(f"Queued again: #{failed}" in e["text"] for e in rb.fake.ephemerals)
    # Clicked twice (an old status message): nothing is sent again.
    rb.sender.block_action("wg_outbox_retry", str(failed), user_id="UADMIN")
    rb.deliver()
    rb.run_jobs()
    assert _texts(rb, "minutes of the call") == ["minutes of the call"]
    assert any(
        f"Message #{failed} has not failed (it is sent)" in e["text"] for e in rb.fake.ephemerals
    )
    assert "0 failed for good" in rb.command("/wg", "status", user_id="UADMIN").reply_text


@pytest.mark.expect_errors("failed for good", "failed for good")
def test_retry_all_command_is_the_buttons_equivalent(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    first = _fail_one(rb, "one")
    second = _fail_one(rb, "two")
    buttons = _buttons(rb.command("/wg", "status", user_id="UADMIN").json())
    assert buttons["Retry all 2"] == "all"
    assert "Name a failed message" in rb.command("/wg", "retry soon", user_id="UADMIN").reply_text
    answer = rb.command("/wg", "retry all", user_id="UADMIN").reply_text
    assert f"Queued again: #{first}, #{second}" in answer
    rb.deliver()
    assert [m["text"] for m in rb.fake.messages("C1")] == ["one", "two"]
    assert "nothing to retry" in rb.command("/wg", "retry all", user_id="UADMIN").reply_text


def test_an_admin_sees_and_retries_only_their_workspace(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    with rb.bot.rt.db.write() as s:
        other = outbox.post_message(
            s, team_id="T0OTHER", channel="C9", text="theirs", now=rb.clock.now()
        )
        assert other is not None
        other.status, other.last_error = "failed", "is_archived"
        other_id = other.id
    answer = rb.command("/wg", "status", user_id="UADMIN").reply_text
    assert "0 failed for good" in answer and f"#{other_id}" not in answer
    for text in (f"retry {other_id}", "retry all"):
        rb.command("/wg", text, user_id="UADMIN")
    with rb.bot.rt.db.write() as s:
        row = s.get(type(other), other_id)
        assert row is not None and row.status == "failed"
        row.status = "cancelled"  # not this test's failure: the guard need not see it
    assert (
        f"There is no message #{other_id} in this workspace's outbox."
        in rb.command("/wg", f"retry {other_id}", user_id="UADMIN").reply_text
    )
