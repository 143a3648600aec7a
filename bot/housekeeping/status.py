"""What `/wg status` shows: the outbox's backlog and failures, the scheduler, last errors.

The scheduler's leader runs the heartbeat task: it records its process and the time
(so any process can tell who leads and whether the jobs still tick) and stores the
periodic jobs' failures, which that process's job log reports, in `job_runs`.
Failed outbox messages can be queued again (`/wg retry N|all`, or the buttons).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.errors import Conflict, NotFound
from bot.models import JobRun, OutboxMessage
from bot.runtime import Runtime
from bot.services.common import insert_ignore

HEARTBEAT_TASK = "scheduler"
HEARTBEAT_SECONDS = 30.0
# No heartbeat for this long: no process runs the scheduled jobs.
STALE_AFTER = timedelta(minutes=3)
SHOWN_FAILED = 10
SHOWN_ERRORS = 5
MAX_ERROR_CHARS = 500
# The job log's lines about a task name it "periodic task NAME" (bot.jobs, bot.faultlog).
_TASK_PREFIX = "periodic task "


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class JobFailureRecorder(logging.Handler):
    """Keeps, in memory, the job log's failure lines until the heartbeat stores them."""

    def __init__(self, capacity: int = 100) -> None:
        super().__init__(logging.WARNING)
        self._pending: deque[tuple[str, float, str]] = deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        first = record.args[0] if isinstance(record.args, tuple) and record.args else None
        if not isinstance(first, str):
            return
        if str(record.msg).startswith(_TASK_PREFIX + "%s"):
            task = first  # "periodic task %s failed"
        elif first.startswith(_TASK_PREFIX):
            task = first[len(_TASK_PREFIX) :]  # "%s failed: …" with "periodic task NAME"
        else:
            return
        message = record.getMessage()
        if " recovered after " in message:
            return  # good news: the last failure stays the last error shown
        self._pending.append((task, record.created, message))

    def take(self) -> list[tuple[str, float, str]]:
        taken = []
        while self._pending:
            taken.append(self._pending.popleft())
        return taken


_recorder: JobFailureRecorder | None = None
_recorder_lock = threading.Lock()


def job_failures() -> JobFailureRecorder:
    """This process's recorder, listening to the job log from its first use on."""
    global _recorder
    with _recorder_lock:
        if _recorder is None:
            _recorder = JobFailureRecorder()
            logging.getLogger("bot.jobs").addHandler(_recorder)
        return _recorder


def _upsert_run(session: Session, task: str) -> None:
    insert_ignore(session, JobRun.__table__, {"task": task[:64], "process": ""})


def heartbeat_task(rt: Runtime, now: datetime) -> int:
    """Run by the scheduler's leader only: say who leads, and store the jobs' failures."""
    recorder = job_failures()
    failures = recorder.take()
    me = process_name()
    with rt.db.write() as s:
        _upsert_run(s, HEARTBEAT_TASK)
        s.execute(
            update(JobRun)
            .where(JobRun.task == HEARTBEAT_TASK)
            .values(process=me, last_run_at=now)
            .execution_options(synchronize_session=False)
        )
        for task, created, message in failures:
            _upsert_run(s, task)
            s.execute(
                update(JobRun)
                .where(JobRun.task == task[:64])
                .values(
                    process=me,
                    # On the bot's clock: this long before now by the wall clock.
                    last_error_at=now - timedelta(seconds=max(0.0, time.time() - created)),
                    last_error=message[:MAX_ERROR_CHARS],
                )
                .execution_options(synchronize_session=False)
            )
    return 0


# -- reading the status ---------------------------------------------------------------


@dataclass(frozen=True)
class FailedMessage:
    id: int
    method: str
    lane: str
    error: str
    created_at: datetime
    attempts: int


@dataclass(frozen=True)
class JobError:
    task: str
    at: datetime
    error: str
    process: str


@dataclass(frozen=True)
class Status:
    pending: int
    sending: int
    failed: int
    oldest_pending: datetime | None
    failed_messages: list[FailedMessage]
    leader: str | None
    last_tick: datetime | None
    stale: bool
    errors: list[JobError]


def status(session: Session, *, team_id: str, now: datetime) -> Status:
    """The workspace's outbox, and the scheduler's state (shared by every workspace)."""
    counts: dict[str, int] = {
        state: int(count)
        for state, count in session.execute(
            select(OutboxMessage.status, func.count())
            .where(
                OutboxMessage.team_id == team_id,
                OutboxMessage.status.in_(("pending", "sending", "failed")),
            )
            .group_by(OutboxMessage.status)
        )
    }
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.team_id == team_id, OutboxMessage.status.in_(("pending", "sending"))
        )
    )
    failed_rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(SHOWN_FAILED)
    ).all()
    beat = session.get(JobRun, HEARTBEAT_TASK)
    errors = session.scalars(
        select(JobRun)
        .where(JobRun.last_error_at.is_not(None))
        .order_by(JobRun.last_error_at.desc())
        .limit(SHOWN_ERRORS)
    ).all()
    last_tick = beat.last_run_at if beat is not None else None
    return Status(
        pending=int(counts.get("pending", 0)),
        sending=int(counts.get("sending", 0)),
        failed=int(counts.get("failed", 0)),
        oldest_pending=oldest,
        failed_messages=[
            FailedMessage(
                id=row.id,
                method=row.method,
                lane=row.lane,
                error=row.last_error or "",
                created_at=row.created_at,
                attempts=row.attempts,
            )
            for row in failed_rows
        ],
        leader=beat.process if beat is not None and beat.process else None,
        last_tick=last_tick,
        stale=last_tick is None or now - last_tick > STALE_AFTER,
        errors=[
            JobError(task=e.task, at=e.last_error_at, error=e.last_error or "", process=e.process)
            for e in errors
            if e.last_error_at is not None
        ],
    )


def retry_failed(
    session: Session, *, team_id: str, now: datetime, message_id: int | None
) -> list[int]:
    """Queue failed messages again (one, or with None every one of the workspace)."""
    query = select(OutboxMessage).where(
        OutboxMessage.team_id == team_id, OutboxMessage.status == "failed"
    )
    if message_id is not None:
        row = session.get(OutboxMessage, message_id)
        if row is None or row.team_id != team_id:
            raise NotFound(f"There is no message #{message_id} in this workspace's outbox.")
        if row.status != "failed":
            raise Conflict(f"Message #{message_id} has not failed (it is {row.status}).")
        query = query.where(OutboxMessage.id == message_id)
    rows = session.scalars(query.order_by(OutboxMessage.id)).all()
    for row in rows:
        row.status = "pending"
        row.attempts = 0
        row.next_attempt_at = now
        row.claimed_by = row.claimed_until = None
        if not row.maybe_sent:
            # Its give-up clock starts over. A message that may have been posted keeps
            # its time: the worker looks for it in the channel history since then.
            row.created_at = now
    if rows:
        session.flush()
        session.info[outbox.QUEUED] = True
    return [row.id for row in rows]
