"""The durable outbox against the fake Slack: retries, ordering, crashes, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import outbox
from bot.models import OutboxMessage
from bot.outbox.delivery import OutboxWorker
from tests.conftest import RunningBot
from tests.harness.guards import join_all


def _post(rb: RunningBot, text: str, channel: str = "C1", **kw: object) -> int:
    with rb.bot.rt.db.write() as s:
        row = outbox.post_message(
            s, team_id="T1", channel=channel, text=text, now=rb.clock.now(), **kw
        )  # type: ignore[arg-type]
        assert row is not None
        return row.id


def _row(rb: RunningBot, row_id: int) -> OutboxMessage:
    with rb.bot.rt.db.read() as s:
        row = s.get(OutboxMessage, row_id)
        assert row is not None
        return row


def _texts(rb: RunningBot, channel: str = "C1") -> list[str]:
    return [m["text"] for m in rb.fake.messages(channel)]


def test_delivers_in_order_with_metadata(running: RunningBot) -> None:
    ids = [_post(running, f"m{i}") for i in range(5)]
    assert running.deliver() == 5
    assert _texts(running) == [f"m{i}" for i in range(5)]
    sent = [_row(running, i) for i in ids]
    assert all(r.status == "sent" and r.result_ts for r in sent)
    meta = running.fake.calls_to("chat.postMessage")[0].params["metadata"]
    assert meta["event_payload"]["outbox_id"] == ids[0]


def test_429_honours_retry_after_and_keeps_lane_order(running: RunningBot) -> None:
    running.fake.fail("chat.postMessage", status=429, retry_after=7, times=1)
    first = _post(running, "first")
    _post(running, "second")
    running.deliver()
    # The channel waits for its head row; another lane is not held up.
    running.fake.add_channel("C2", "elsewhere")
    _post(running, "elsewhere", channel="C2")
    running.deliver()
    assert _texts(running) == []
    assert _texts(running, "C2") == ["elsewhere"]
    row = _row(running, first)
    assert row.status == "pending" and row.last_error == "ratelimited"
    assert row.next_attempt_at == running.clock.now() + timedelta(seconds=7)
    running.advance(timedelta(seconds=6))
    running.deliver()
    assert _texts(running) == []
    running.advance(timedelta(seconds=2))
    running.deliver()
    assert _texts(running) == ["first", "second"]


def test_500_then_success_posts_once(running: RunningBot) -> None:
    running.fake.fail("chat.postMessage", status=500, times=3)
    row_id = _post(running, "hello")
    for _ in range(4):
        running.deliver()
        running.advance(timedelta(minutes=10))
    assert _texts(running) == ["hello"]
    assert _row(running, row_id).status == "sent"
    assert _row(running, row_id).attempts == 3


def test_timeout_after_slack_accepted_is_not_posted_twice(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    # Slack takes the message but answers too late: the outcome is unknown to us.
    rb.fake.hang("chat.postMessage", seconds=3, times=1)
    transport = rb.bot.worker.transport
    transport._timeout = 1  # type: ignore[attr-defined]
    transport._clients.clear()  # type: ignore[attr-defined]
    row_id = _post(rb, "only once")
    rb.deliver()
    assert _row(rb, row_id).maybe_sent
    rb.fake.wait_until(lambda: len(rb.fake.messages("C1")) == 1, timeout=5)
    rb.advance(timedelta(minutes=5))
    rb.deliver()
    assert _texts(rb) == ["only once"]
    assert _row(rb, row_id).status == "sent"


def test_crash_after_post_before_mark_is_recovered_from_history(running: RunningBot) -> None:
    row_id = _post(running, "posted by a worker that died")
    dead = OutboxWorker(
        running.bot.rt.db, running.bot.worker.transport, running.clock, worker_id="dead"
    )
    assert dead._claim() == [row_id]
    # The dead worker's call reached Slack, then the process died before recording it.
    row = _row(running, row_id)
    payload = dict(row.payload)
    from bot.outbox.delivery import metadata_for

    payload["metadata"] = metadata_for(row)
    assert running.bot.worker.transport.call("T1", "chat.postMessage", payload).ok
    # Another worker sees the row still leased: nothing happens until the lease ends.
    running.deliver()
    assert _row(running, row_id).status == "sending"
    running.advance(timedelta(minutes=2))
    running.deliver()
    assert _texts(running) == ["posted by a worker that died"]
    assert _row(running, row_id).status == "sent"


def test_crash_before_post_is_delivered_after_lease(running: RunningBot) -> None:
    row_id = _post(running, "never reached Slack")
    dead = OutboxWorker(
        running.bot.rt.db, running.bot.worker.transport, running.clock, worker_id="dead"
    )
    assert dead._claim() == [row_id]
    running.advance(timedelta(minutes=2))
    running.deliver()
    assert _texts(running) == ["never reached Slack"]


@pytest.mark.expect_failed_outbox
def test_permanent_error_fails_row_and_unblocks_lane(running: RunningBot) -> None:
    running.fake.fail("chat.postMessage", error="channel_not_found", times=1)
    bad = _post(running, "lost cause")
    _post(running, "next one")
    running.deliver()
    assert _row(running, bad).status == "failed"
    assert _texts(running) == ["next one"]


def test_update_waits_for_its_post_and_uses_its_ts(running: RunningBot) -> None:
    with running.bot.rt.db.write() as s:
        card = outbox.post_message(
            s, team_id="T1", channel="C1", text="v1", now=running.clock.now()
        )
        assert card is not None
        outbox.update_message(s, team_id="T1", original=card, text="v2", now=running.clock.now())
    running.deliver()
    msgs = running.fake.messages("C1")
    assert len(msgs) == 1 and msgs[0]["text"] == "v2"


def test_dedupe_key_enqueues_once(running: RunningBot) -> None:
    with running.bot.rt.db.write() as s:
        a = outbox.post_message(
            s, team_id="T1", channel="C1", text="x", now=running.clock.now(), key="k1"
        )
        b = outbox.post_message(
            s, team_id="T1", channel="C1", text="x", now=running.clock.now(), key="k1"
        )
    assert a is not None and b is not None and a.id == b.id
    running.deliver()
    assert _texts(running) == ["x"]


def test_two_workers_deliver_each_row_exactly_once(running: RunningBot) -> None:
    for lane in range(4):
        running.fake.add_channel(f"C{lane + 10}", f"lane-{lane}")
    for i in range(40):
        _post(running, f"n{i}", channel=f"C{i % 4 + 10}")
    workers = [
        OutboxWorker(
            running.bot.rt.db,
            running.bot.worker.transport,
            running.clock,
            worker_id=f"w{n}",
            batch=5,
        )
        for n in range(3)
    ]
    threads = [threading.Thread(target=w.drain) for w in workers]
    for t in threads:
        t.start()
    join_all(threads, 30)
    posted = [c.params["text"] for c in running.fake.calls_to("chat.postMessage")]
    assert sorted(posted) == sorted(f"n{i}" for i in range(40))
    for lane in range(4):
        texts = _texts(running, f"C{lane + 10}")
        assert texts == [f"n{i}" for i in range(40) if i % 4 == lane]
    with running.bot.rt.db.read() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_background_thread_delivers_after_commit(running: RunningBot) -> None:
    running.bot.worker.start(interval=0.05)
    try:
        _post(running, "soon")
        running.bot.rt.notify_outbox()
        running.fake.wait_until(lambda: _texts(running) == ["soon"], timeout=5)
    finally:
        running.bot.worker.stop()


def test_insert_ignore_and_mark_once_report_first_insert_only(running: RunningBot) -> None:
    from bot.services.common import mark_once

    with running.bot.rt.db.write() as s:
        assert mark_once(s, team_id="T1", key="k", now=running.clock.now()) is True
        assert mark_once(s, team_id="T1", key="k", now=running.clock.now()) is False
        assert mark_once(s, team_id="T2", key="k", now=running.clock.now()) is True


def test_duplicate_event_runs_hooks_once(running: RunningBot) -> None:
    from bot.models import ProcessedEvent

    seen: list[str] = []
    running.bot.registry.on_message(lambda ctx, ev: seen.append(ev.text))
    running.sender.message("once", event_id="EvDup")
    running.sender.message("once", event_id="EvDup", retry_num=1)
    running.sender.message("once", event_id="EvDup", retry_num=2)
    assert seen == ["once"]
    with running.bot.rt.db.read() as s:
        assert s.query(ProcessedEvent).filter_by(event_id="EvDup").count() == 1
