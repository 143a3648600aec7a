"""The app's life in a workspace: uninstalled, tokens revoked, written to, edited lines."""

from __future__ import annotations

from bot.models import OutboxMessage, Workspace
from tests.conftest import RunningBot


def _outbox_statuses(running: RunningBot) -> list[str]:
    with running.bot.rt.db.read() as s:
        return [row.status for row in s.query(OutboxMessage).order_by(OutboxMessage.id)]


def test_uninstall_cancels_what_is_queued_and_posts_nothing_more(running: RunningBot) -> None:
    running.command("/action", "add write the charter")
    assert running.command("/wg", "help").status == 200
    queued_before = len(_outbox_statuses(running))

    # A reminder is owed to the workspace when the app is removed.
    with running.bot.rt.db.write() as s:
        from bot import outbox

        outbox.post_message(
            s, team_id="T1", channel="C1", text="owed before the uninstall", now=running.clock.now()
        )
    resp = running.sender.event({"type": "app_uninstalled"})
    assert resp.status == 200
    with running.bot.rt.db.read() as s:
        ws = s.get(Workspace, "T1")
        assert ws is not None and ws.uninstalled_at is not None
    assert _outbox_statuses(running)[queued_before:] == ["cancelled"]
    posted_before = len(running.fake.calls_to("chat.postMessage"))

    # Something queued afterwards (a scheduled job, say) is not posted either.
    with running.bot.rt.db.write() as s:
        from bot import outbox

        outbox.post_message(
            s, team_id="T1", channel="C1", text="after the uninstall", now=running.clock.now()
        )
    running.deliver()
    assert len(running.fake.calls_to("chat.postMessage")) == posted_before
    assert _outbox_statuses(running)[-1] == "cancelled"

    # The app is back as soon as the workspace uses it again.
    assert running.command("/action", "add reinstalled").status == 200
    with running.bot.rt.db.read() as s:
        ws = s.get(Workspace, "T1")
        assert ws is not None and ws.uninstalled_at is None


def test_revoking_user_tokens_only_leaves_the_bot_working(running: RunningBot) -> None:
    running.command("/action", "add keep working")
    running.sender.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"]}})
    with running.bot.rt.db.read() as s:
        ws = s.get(Workspace, "T1")
        assert ws is not None and ws.uninstalled_at is None
    running.sender.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}})
    with running.bot.rt.db.read() as s:
        ws = s.get(Workspace, "T1")
        assert ws is not None and ws.uninstalled_at is not None


def test_a_direct_message_to_the_bot_gets_a_short_help(running: RunningBot) -> None:
    resp = running.sender.event(
        {
            "type": "message",
            "channel": "DU1",
            "channel_type": "im",
            "user": "U1",
            "text": "hello? how do I use you",
            "ts": "1790000000.000100",
        }
    )
    assert resp.status == 200
    running.deliver()
    dms = [c.params for c in running.fake.calls_to("chat.postMessage")]
    assert len(dms) == 1
    assert dms[0]["channel"] in ("U1", "DU1")
    assert "/wg help" in dms[0]["text"]
    # Nothing of a DM is captured as meeting minutes or answered twice.
    running.sender.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "DU1",
            "channel_type": "im",
            "message": {"user": "U1", "text": "edited", "ts": "1790000000.000100"},
        }
    )
    running.deliver()
    assert len(running.fake.calls_to("chat.postMessage")) == 1


def test_an_edit_without_message_ts_finds_the_line_by_previous_message(
    running: RunningBot,
) -> None:
    running.command("/minutes", "start Edits")
    said = running.sender.message("#topic Budgett", user_id="U1", channel_id="C1")
    assert said.status == 200
    from bot.minutes.models import MeetingItem

    with running.bot.rt.db.read() as s:
        item = s.query(MeetingItem).one()
        source_ts = item.source_ts
    running.sender.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "channel_type": "channel",
            "hidden": True,
            "message": {"type": "message", "user": "U1", "text": "#topic Budget"},
            "previous_message": {"type": "message", "user": "U1", "ts": source_ts},
        }
    )
    with running.bot.rt.db.read() as s:
        assert [i.text for i in s.query(MeetingItem)] == ["Budget"]
