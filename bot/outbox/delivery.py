"""The delivery worker: claims due outbox rows and performs them against Slack.

Exactly once: a row is claimed with a lease by a conditional UPDATE (one winner
across threads and processes), performed outside any transaction, then marked.
When an attempt's outcome is unknown (timeout, 5xx, the process killed while the
lease was held) the row is flagged `maybe_sent`, and before posting again the
worker looks for the message by the outbox id it carries in its metadata.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.db import Database
from bot.faultlog import FailureLog
from bot.models import OutboxMessage, Workspace

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(hours=24)
# Slack outages are short; a message should not wait long after Slack is back.
MAX_BACKOFF_S = 60.0
# A DM (a post to a user id) Slack will not open: another organisation's member in a
# Slack Connect channel, or a bot. Known and final: the message is cancelled.
DM_REFUSALS = frozenset({"cannot_dm_bot", "channel_not_found", "not_allowed", "user_not_found"})


def _dm_refused(method: str, payload: dict[str, Any], result: CallResult) -> bool:
    channel = str(payload.get("channel") or "")
    return (
        method == "chat.postMessage"
        and channel[:1] in ("U", "W")
        and not result.ok
        and not result.retry
        and result.error in DM_REFUSALS
    )


@dataclass
class CallResult:
    """What one Web API call came to."""

    ok: bool
    channel: str | None = None
    ts: str | None = None
    error: str | None = None
    # Set for a failure worth retrying; the seconds to wait (Retry-After or None).
    retry: bool = False
    retry_after: float | None = None
    # The call may have taken effect although it failed (timeout, 5xx).
    ambiguous: bool = False
    # What it was about is gone (a message deleted before its reaction or edit went
    # out): nothing to do, and nothing failed.
    moot: bool = False


class LookupFailed(Exception):
    """Slack's history could not be read, so whether a post went through is unknown."""


class Transport(Protocol):
    def call(self, team_id: str, method: str, payload: dict[str, Any]) -> CallResult: ...

    def find_posted(
        self, team_id: str, channel: str, outbox_id: int, since: datetime
    ) -> tuple[str, str] | None:
        """(channel, ts) of a message this outbox row already posted, if any.

        Raises LookupFailed when that cannot be known right now.
        """
        ...


def without_body(payload: dict[str, Any]) -> dict[str, Any]:
    """An uploaded file's payload without its content, which Slack now holds."""
    kept = {k: v for k, v in payload.items() if k != "content_b64"}
    if "content_b64" in payload:
        kept["content_dropped"] = True
    return kept


def metadata_for(row: OutboxMessage) -> dict[str, Any]:
    return {
        "event_type": "wgbot_outbox",
        "event_payload": {"outbox_id": row.id, "team": row.team_id},
    }


class OutboxWorker:
    """Delivers due rows; run one per process, any number of processes."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        clock: Clock,
        *,
        worker_id: str | None = None,
        lease: timedelta = timedelta(seconds=60),
        batch: int = 50,
        concurrency: int = 8,
    ) -> None:
        self.db = db
        self.transport = transport
        self.clock = clock
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.lease = lease
        self.batch = batch
        # A claimed batch holds at most one row per lane (channel), so its rows can
        # go out side by side without breaking any channel's order.
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="outbox-send")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = FailureLog(log, "outbox delivery", clock.now)

    # -- one pass --------------------------------------------------------------

    def deliver_due(self) -> int:
        """Claim and perform what is due now; returns how many rows were finished."""
        claimed = self._claim()
        if len(claimed) <= 1:
            return sum(1 for row_id in claimed if self._perform(row_id))
        return sum(1 for finished in self._pool.map(self._perform, claimed) if finished)

    def drain(self, max_passes: int = 100) -> int:
        """Deliver until nothing is due now (tests, the console)."""
        total = 0
        for _ in range(max_passes):
            # A pass that finishes nothing means what is left waits for its time
            # (or for an earlier row of its lane): nothing more is due now.
            n = self.deliver_due()
            total += n
            if n == 0:
                break
        return total

    def _claim(self) -> list[int]:
        now = self.clock.now()
        earlier = aliased(OutboxMessage)
        # Head of line only: a lane's next row waits until every earlier row of the
        # lane is finished, so posts in one channel keep their order across workers.
        blocked = exists().where(
            earlier.lane == OutboxMessage.lane,
            earlier.id < OutboxMessage.id,
            earlier.status.in_(("pending", "sending")),
        )
        # Two index-friendly queries rather than one OR: due pending rows, and rows
        # whose claimer's lease ran out (a worker died mid-call).
        conditions = [
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
        ]
        claimed: list[int] = []
        with self.db.write() as s:
            candidates: list[Any] = []
            for due in conditions:
                query = (
                    select(OutboxMessage.id, OutboxMessage.status)
                    .where(due, ~blocked)
                    .order_by(OutboxMessage.id)
                    .limit(self.batch)
                )
                if not self.db.sqlite:
                    query = query.with_for_update(skip_locked=True, of=OutboxMessage)
                candidates.extend(s.execute(query).all())
            for row_id, status in candidates:
                # The conditional UPDATE makes one claimer win even without row locks.
                res = s.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row_id,
                        OutboxMessage.status == status,
                        or_(
                            OutboxMessage.status == "pending",
                            OutboxMessage.claimed_until < now,
                        ),
                    )
                    .values(
                        status="sending",
                        claimed_by=self.worker_id,
                        claimed_until=now + self.lease,
                        # A lease that ran out means a worker died mid-call.
                        maybe_sent=True if status == "sending" else OutboxMessage.maybe_sent,
                    )
                )
                if res.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(row_id)
        return claimed

    def _perform(self, row_id: int) -> bool:
        with self.db.read() as s:
            row = s.get(OutboxMessage, row_id)
            if row is None or row.claimed_by != self.worker_id:
                return False
            ref = s.get(OutboxMessage, row.ref_id) if row.ref_id else None
            workspace = s.get(Workspace, row.team_id)
            uninstalled = workspace is not None and workspace.uninstalled_at is not None
            s.expunge_all()
        if uninstalled:
            return self._cancel(row, "the app was uninstalled from this workspace")
        payload = dict(row.payload)
        ref_as = payload.pop("$ref_as", None)
        if ref_as:
            if ref is None or ref.status == "failed":
                return self._finish(
                    row, CallResult(ok=False, error="referenced message was never posted")
                )
            if ref.status != "sent" or not ref.result_ts:
                # Not posted yet (another lane): try again shortly, no attempt used.
                self._release(row, delay=1.0, count_attempt=False)
                return False
            payload["channel"] = ref.result_channel
            payload["timestamp" if ref_as == "timestamp" else ref_as] = ref.result_ts
        if row.method == "chat.postMessage":
            payload["metadata"] = metadata_for(row)
            if row.maybe_sent:
                try:
                    found = self.transport.find_posted(
                        row.team_id,
                        str(payload["channel"]),
                        row.id,
                        row.created_at - timedelta(minutes=5),
                    )
                except LookupFailed as exc:
                    # Posting blind could duplicate the message: wait for Slack to answer.
                    return self._finish(row, CallResult(ok=False, error=str(exc), retry=True))
                if found is not None:
                    log.info("outbox %s was already posted before a crash or timeout", row.id)
                    return self._finish(row, CallResult(ok=True, channel=found[0], ts=found[1]))
        try:
            result = self.transport.call(row.team_id, row.method, payload)
        except Exception as exc:  # a bug in a transport must not kill the worker
            log.exception("outbox %s: transport raised", row.id)
            result = CallResult(
                ok=False, error=f"transport error: {exc}", retry=True, ambiguous=True
            )
        if _dm_refused(row.method, payload, result):
            log.warning(
                "outbox %s: Slack refused a DM to %s (%s): given up",
                row.id,
                payload.get("channel"),
                result.error,
            )
            return self._cancel(row, f"DM refused by Slack: {result.error}")
        return self._finish(row, result)

    def _finish(self, row: OutboxMessage, result: CallResult) -> bool:
        if result.moot:
            return self._cancel(row, result.error or "what it was about is gone")
        now = self.clock.now()
        if result.ok:
            values: dict[str, Any] = {
                "status": "sent",
                "sent_at": now,
                "result_channel": result.channel or row.payload.get("channel"),
                "result_ts": result.ts,
                "last_error": None,
            }
            if row.method == "files.upload":
                # Uploaded: Slack keeps the file, the outbox need not keep its bytes.
                values["payload"] = without_body(row.payload)
        elif result.retry and now - row.created_at < GIVE_UP_AFTER:
            attempts = row.attempts + 1
            delay = result.retry_after
            if delay is None:
                delay = min(MAX_BACKOFF_S, 2.0 ** min(attempts, 9)) * (0.5 + random.random() / 2)
            values = {
                "status": "pending",
                "attempts": attempts,
                "next_attempt_at": now + timedelta(seconds=delay),
                "last_error": result.error,
                "maybe_sent": row.maybe_sent or result.ambiguous,
            }
            log.warning("outbox %s %s: %s; retry in %.1fs", row.id, row.method, result.error, delay)
        else:
            values = {"status": "failed", "attempts": row.attempts + 1, "last_error": result.error}
            log.error("outbox %s %s failed for good: %s", row.id, row.method, result.error)
        values.update(claimed_by=None, claimed_until=None)
        with self.db.write() as s:
            res = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == self.worker_id)
                .values(**values)
            )
            return bool(res.rowcount == 1) and values["status"] != "pending"  # type: ignore[attr-defined]

    def _cancel(self, row: OutboxMessage, reason: str) -> bool:
        """Not sent, on purpose (the app uninstalled, a DM Slack refuses): not a failure."""
        log.info("outbox %s %s cancelled: %s", row.id, row.method, reason)
        with self.db.write() as s:
            res = s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == self.worker_id)
                .values(status="cancelled", last_error=reason, claimed_by=None, claimed_until=None)
            )
            return bool(res.rowcount == 1)  # type: ignore[attr-defined]

    def _release(self, row: OutboxMessage, *, delay: float, count_attempt: bool) -> None:
        with self.db.write() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == self.worker_id)
                .values(
                    status="pending",
                    claimed_by=None,
                    claimed_until=None,
                    attempts=row.attempts + (1 if count_attempt else 0),
                    next_attempt_at=self.clock.now() + timedelta(seconds=delay),
                )
            )

    # -- background thread -----------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def start(self, interval: float = 0.5) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name=f"outbox-{self.worker_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                busy = self.deliver_due() > 0
            except Exception as exc:
                # The database may be restarting: keep the loop alive and try again.
                self.failures.failed(exc)
                busy = False
            else:
                self.failures.succeeded()
            if not busy:
                self._wake.wait(interval)
                self._wake.clear()
