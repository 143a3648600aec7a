"""Housekeeping: the retention job prunes what only grows and keeps what is still edited.

Before it, nothing ever deleted an outbox row (nor an uploaded file's bytes), a
processed event id or a once-mark: each test below seeds rows of every kind, lets
the bot's clock pass the retention and runs the job as the scheduler does.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot import outbox
from bot.config import load_settings
from bot.errors import ConfigError
from bot.housekeeping.retention import Policy, prune
from bot.models import JobMark, OutboxMessage, ProcessedEvent
from bot.support.models import SupportIssue
from tests.conftest import RunningBot


def _post(rb: RunningBot, text: str, channel: str = "C1") -> int:
    with rb.bot.rt.db.write() as s:
        row = outbox.post_message(s, team_id="T1", channel=channel, text=text, now=rb.clock.now())
        assert row is not None
        return row.id


def _statuses(rb: RunningBot) -> dict[int, str]:
    with rb.bot.rt.db.read() as s:
        return dict(s.execute(select(OutboxMessage.id, OutboxMessage.status)).all())


def _issue_with_card(rb: RunningBot, card_id: int) -> None:
    """An issue whose card is the message `card_id` (what /issue leaves behind)."""
    now = rb.clock.now()
    with rb.bot.rt.db.write() as s:
        s.add(
            SupportIssue(
                team_id="T1",
                number=1,
                title="Lustre client hangs",
                severity="S2",
                reporter="U1",
                triage_channel="C1",
                created_at=now,
                updated_at=now,
                card_outbox_id=card_id,
            )
        )


def _seed_keys(rb: RunningBot, prefix: str) -> None:
    now = rb.clock.now()
    with rb.bot.rt.db.write() as s:
        for team in ("T1", "T2"):
            s.add(ProcessedEvent(team_id=team, event_id=f"Ev{prefix}{team}", received_at=now))
            s.add(JobMark(team_id=team, key=f"{prefix}:{team}", created_at=now))


def _keys(rb: RunningBot) -> tuple[set[str], set[str]]:
    with rb.bot.rt.db.read() as s:
        events = set(s.scalars(select(ProcessedEvent.event_id)))
        marks = set(s.scalars(select(JobMark.key)))
    return events, marks


@pytest.mark.expect_errors("failed for good")
def test_retention_prunes_old_rows_and_keeps_what_is_still_edited(running: RunningBot) -> None:
    rb = running
    t0 = rb.clock.now()
    old = [_post(rb, f"old {i}") for i in range(3)]
    card = _post(rb, "Issue #1 card")
    rb.fake.add_channel("C2", "ops", members=["U1"])
    rb.fake.invite_bot("C2")
    threaded = _post(rb, "a message an edit still waits for", channel="C2")
    rb.deliver()
    _issue_with_card(rb, card)
    # An edit queued for later (still pending when the job runs) needs its message.
    with rb.bot.rt.db.write() as s:
        pending_edit = outbox.enqueue(
            s,
            team_id="T1",
            method="chat.update",
            lane="C2",  # its lane waits for it; C1 goes on
            payload={"text": "edited", "$ref_as": "ts"},
            now=t0,
            ref=threaded,
            not_before=t0 + timedelta(days=365),
        )
        assert pending_edit is not None
    rb.fake.fail("chat.postMessage", error="is_archived", times=1)
    failed = _post(rb, "this one fails for good")
    rb.deliver()
    assert _statuses(rb)[failed] == "failed"
    _seed_keys(rb, "old")

    rb.advance(timedelta(days=26))
    _seed_keys(rb, "week")
    rb.advance(timedelta(days=5))  # 31 days after t0
    recent = _post(rb, "recent")
    rb.deliver()

    rb.run_jobs()  # the scheduler's tasks, housekeeping among them

    statuses = _statuses(rb)
    assert not set(old) & set(statuses), "month-old sent messages are pruned"
    assert statuses[card] == "sent", "an issue's card is kept: it is edited on every change"
    assert statuses[threaded] == "sent", "a message a pending edit refers to is kept"
    assert statuses[pending_edit.id] == "pending"
    assert statuses[failed] == "failed", "failed messages are kept longer (90 days)"
    assert statuses[recent] == "sent"
    events, marks = _keys(rb)
    assert events == {"EvweekT1", "EvweekT2"}, "event ids older than 7 days are pruned"
    # (the ones 5 days old stay: Slack's retries of them are still told apart)
    assert marks == {"old:T1", "old:T2", "week:T1", "week:T2"}, "marks are kept 400 days"

    # The card still edits: its ts is known, and chat.update reaches Slack.
    with rb.bot.rt.db.write() as s:
        outbox.update_message(
            s, team_id="T1", original=card, text="Issue #1 (closed)", now=rb.clock.now()
        )
    rb.deliver()
    edits = rb.fake.calls_to("chat.update")
    assert edits and edits[-1].ok and edits[-1].params["text"] == "Issue #1 (closed)"

    rb.advance(timedelta(days=60))  # 91 days after t0
    rb.run_jobs()
    statuses = _statuses(rb)
    assert failed not in statuses
    assert recent not in statuses
    assert card in statuses and threaded in statuses
    rb.advance(timedelta(days=310))  # 401 days after the first marks, 375 after the others
    rb.run_jobs()
    assert _keys(rb)[1] == {"week:T1", "week:T2"}


def test_uploaded_file_body_is_dropped_once_uploaded(running: RunningBot) -> None:
    rb = running
    body = "# Minutes\n" + "x" * 50_000
    with rb.bot.rt.db.write() as s:
        row = outbox.upload_file(
            s, team_id="T1", channel="C1", filename="minutes.md", content=body, now=rb.clock.now()
        )
        assert row is not None
        upload = row.id
    rb.deliver()
    assert [f.content.decode() for f in rb.fake.uploaded_files] == [body]
    with rb.bot.rt.db.read() as s:
        payload = s.get(OutboxMessage, upload).payload  # type: ignore[union-attr]
    assert "content_b64" not in payload and payload["content_dropped"] is True
    assert payload["filename"] == "minutes.md"


def test_retention_drops_bodies_uploaded_before_and_keeps_unsent_ones(
    running: RunningBot,
) -> None:
    rb = running
    raw = base64.b64encode(b"chart bytes").decode()
    with rb.bot.rt.db.write() as s:
        ids = []
        for status in ("sent", "pending"):
            row = outbox.enqueue(
                s,
                team_id="T1",
                method="files.upload",
                lane="C9",
                payload={"channel": "C9", "filename": "c.png", "content_b64": raw},
                now=rb.clock.now(),
                not_before=rb.clock.now() + timedelta(days=1),
            )
            assert row is not None
            ids.append(row.id)
        # As a worker before this release left it: sent, its bytes still stored.
        s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[0]).values(status="sent"))
    pruned = prune(rb.bot.rt.db, Policy(), rb.clock.now())
    assert pruned.bodies == 1 and pruned.outbox == 0
    with rb.bot.rt.db.read() as s:
        sent, pending = (s.get(OutboxMessage, i).payload for i in ids)  # type: ignore[union-attr]
    assert "content_b64" not in sent and sent["filename"] == "c.png"
    assert pending["content_b64"] == raw, "an upload not yet made keeps its bytes"


def test_retention_deletes_in_small_batches(running: RunningBot) -> None:
    rb = running
    now = rb.clock.now()
    with rb.bot.rt.db.write() as s:
        s.execute(
            OutboxMessage.__table__.insert(),
            [
                {
                    "team_id": "T1",
                    "method": "chat.postMessage",
                    "lane": "C1",
                    "payload": {"channel": "C1", "text": f"m{i}"},
                    "status": "sent",
                    "attempts": 1,
                    "maybe_sent": False,
                    "next_attempt_at": now,
                    "created_at": now,
                    "sent_at": now,
                }
                for i in range(95)
            ],
        )
        s.execute(
            ProcessedEvent.__table__.insert(),
            [{"team_id": "T1", "event_id": f"Ev{i}", "received_at": now} for i in range(25)],
        )
    later = now + timedelta(days=40)
    pruned = prune(rb.bot.rt.db, Policy(batch=10), later)
    assert (pruned.outbox, pruned.events) == (95, 25)
    assert pruned.batches == 10 + 3, "at most 10 rows per transaction"
    with rb.bot.rt.db.read() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert not prune(rb.bot.rt.db, Policy(batch=10), later), "a second run finds nothing"


def test_retention_settings_have_documented_defaults_and_bounds() -> None:
    defaults = Policy.of(load_settings({}, dotenv=None))
    assert defaults == Policy(
        outbox=timedelta(days=30),
        failed=timedelta(days=90),
        events=timedelta(days=7),
        marks=timedelta(days=400),
        batch=500,
    )
    chosen = Policy.of(
        load_settings(
            {"WGBOT_RETAIN_OUTBOX_DAYS": "14", "WGBOT_RETENTION_BATCH": "100"}, dotenv=None
        )
    )
    assert (chosen.outbox, chosen.batch) == (timedelta(days=14), 100)
    with pytest.raises(ConfigError) as refused:
        load_settings({"WGBOT_RETAIN_EVENTS_DAYS": "0"}, dotenv=None)
    assert refused.value.variable == "WGBOT_RETAIN_EVENTS_DAYS"
