"""The retention job: prune what only grows, a few hundred rows per short transaction.

Finished outbox messages (sent or cancelled) and messages that failed for good are
deleted once older than their retention, except those something still edits or
answers in the thread of: a message another table points at (an issue's card) or
that an unfinished message refers to. Uploaded file bodies are dropped (the worker
drops them when the upload succeeds; this catches rows sent before that). Slack
event ids and once-marks are deleted once older than theirs.

Candidates are read outside the writer lock; each batch is deleted in its own
transaction, so a writer (a slash command) never waits long behind the job.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    column,
    delete,
    exists,
    inspect,
    select,
    update,
)
from sqlalchemy import table as sql_table
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, aliased

from bot.config import Settings
from bot.db import Database
from bot.models import JobMark, OutboxMessage, ProcessedEvent
from bot.outbox.delivery import without_body
from bot.runtime import Runtime

log = logging.getLogger(__name__)

FINISHED = ("sent", "cancelled")
UNFINISHED = ("pending", "sending", "failed")
# How often the scheduler runs the job.
EVERY_SECONDS = 3600.0
# Outbox rows read per step of the walk, in batches: most are usually kept (recent).
SCAN_FACTOR = 4


@dataclass(frozen=True)
class Policy:
    """How long each kind of row is kept, and the rows one transaction deletes."""

    outbox: timedelta = timedelta(days=30)
    failed: timedelta = timedelta(days=90)
    events: timedelta = timedelta(days=7)
    marks: timedelta = timedelta(days=400)
    batch: int = 500

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        return cls(
            outbox=timedelta(days=settings.retain_outbox_days),
            failed=timedelta(days=settings.retain_failed_days),
            events=timedelta(days=settings.retain_events_days),
            marks=timedelta(days=settings.retain_marks_days),
            batch=settings.retention_batch,
        )


@dataclass
class Pruned:
    """What one run removed, and the longest it held the writer lock (seconds)."""

    outbox: int = 0
    bodies: int = 0
    events: int = 0
    marks: int = 0
    batches: int = 0
    longest_hold: float = 0.0
    # Each transaction's time under the writer lock, in seconds (for `make bench`).
    holds: list[float] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.outbox or self.bodies or self.events or self.marks)


class _Writer:
    """Short write transactions, each timed: the job's promise is a short lock."""

    def __init__(self, db: Database, pruned: Pruned, pause: Callable[[], None]) -> None:
        self.db = db
        self.pruned = pruned
        self.pause = pause
        self._checkpointer: sqlite3.Connection | None = None
        path = make_url(db.url).database if db.sqlite else None
        if path and path != ":memory:":
            self._checkpointer = sqlite3.connect(path, timeout=1, isolation_level=None)

    @contextmanager
    def batch(self) -> Iterator[Session]:
        # No cyclic garbage collection while the lock is held: a full collection in
        # a big process takes tens of milliseconds, which every waiting writer would
        # wait too. It runs right after, outside the lock.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self.db.write() as session:
                started = time.perf_counter()
                yield session
            # Measured from inside the lock to the commit's end.
            held = time.perf_counter() - started
        finally:
            if collecting:
                gc.enable()
        self.pruned.batches += 1
        self.pruned.longest_hold = max(self.pruned.longest_hold, held)
        self.pruned.holds.append(held)
        if self._checkpointer is not None:
            # A commit that finds the WAL long copies it into the database before it
            # returns, the writer lock still held. The job's batches grow the WAL by
            # hundreds of pages, so it copies them back itself, outside the lock:
            # PASSIVE waits for nobody and takes no write lock.
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.pause()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None


def prune(
    db: Database,
    policy: Policy,
    now: datetime,
    *,
    pause: Callable[[], None] = lambda: time.sleep(0),
) -> Pruned:
    """Run every part of the retention once; returns what was removed."""
    pruned = Pruned()
    writer = _Writer(db, pruned, pause)
    try:
        _prune_all(db, writer, policy, now, pruned)
    finally:
        writer.close()
    return pruned


def _prune_all(
    db: Database, writer: _Writer, policy: Policy, now: datetime, pruned: Pruned
) -> None:
    pruned.outbox, pruned.bodies = _prune_outbox(db, writer, policy, now)
    pruned.events = _prune_keyed(
        db,
        writer,
        ProcessedEvent,
        (ProcessedEvent.team_id, ProcessedEvent.event_id),
        ProcessedEvent.received_at < now - policy.events,
        policy.batch,
    )
    pruned.marks = _prune_keyed(
        db,
        writer,
        JobMark,
        (JobMark.team_id, JobMark.key),
        JobMark.created_at < now - policy.marks,
        policy.batch,
    )


def referenced_from_elsewhere(session: Session) -> set[int]:
    """Outbox ids another table points at (an issue's card, a draft): edited later.

    The database's own foreign keys say which tables those are, whichever features'
    models this process has imported.
    """
    inspector = inspect(session.connection())
    ids: set[int] = set()
    for table in inspector.get_table_names():
        if table == OutboxMessage.__tablename__:
            continue
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] != OutboxMessage.__tablename__:
                continue
            for name in fk["constrained_columns"]:
                col = sql_table(table, column(name)).c[name]
                ids.update(int(v) for v in session.scalars(select(col).where(col.is_not(None))))
    return ids


def _prune_outbox(db: Database, writer: _Writer, policy: Policy, now: datetime) -> tuple[int, int]:
    """Walk the outbox by id; returns (messages deleted, file bodies dropped)."""
    with db.read() as s:
        keep = referenced_from_elsewhere(s)
    finished_before, failed_before = now - policy.outbox, now - policy.failed

    def expired(status: str, created_at: datetime) -> bool:
        return (status in FINISHED and created_at < finished_before) or (
            status == "failed" and created_at < failed_before
        )

    deleted = dropped = after = 0
    while True:
        # Only the primary key in the condition: a range scan whatever the planner
        # thinks of the status index (which would read every sent row per batch).
        with db.read() as s:
            rows = s.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.status,
                    OutboxMessage.created_at,
                    OutboxMessage.method,
                )
                .where(OutboxMessage.id > after)
                .order_by(OutboxMessage.id)
                .limit(policy.batch * SCAN_FACTOR)
            ).all()
        if not rows:
            return deleted, dropped
        after = rows[-1].id
        doomed = [r.id for r in rows if r.id not in keep and expired(r.status, r.created_at)]
        for i in range(0, len(doomed), policy.batch):
            deleted += _delete_messages(writer, doomed[i : i + policy.batch], expired)
        gone = set(doomed)
        uploads = [
            r.id
            for r in rows
            if r.method == "files.upload" and r.status in FINISHED and r.id not in gone
        ]
        for i in range(0, len(uploads), policy.batch):
            dropped += _drop_bodies(db, writer, uploads[i : i + policy.batch])


def _delete_messages(
    writer: _Writer, ids: list[int], expired: Callable[[str, datetime], bool]
) -> int:
    later = aliased(OutboxMessage)
    # An unfinished message (an edit, a reply in a thread) needs the row it refers to.
    needed = exists().where(later.ref_id == OutboxMessage.id, later.status.in_(UNFINISHED))
    with writer.batch() as s:
        # Read again under the lock (a row retried since stays), and by primary key
        # only: given a condition on status as well, SQLite prefers the status index
        # and reads every sent message of the table for each batch.
        current = s.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.created_at).where(
                OutboxMessage.id.in_(ids)
            )
        ).all()
        still = [r.id for r in current if expired(r.status, r.created_at)]
        if not still:
            return 0
        result = s.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(still), ~needed)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def _drop_bodies(db: Database, writer: _Writer, ids: list[int]) -> int:
    """Drop the content of uploads already made (sent before the worker dropped it)."""
    with db.read() as s:
        rows = [
            (row_id, payload)
            for row_id, payload in s.execute(
                select(OutboxMessage.id, OutboxMessage.payload).where(OutboxMessage.id.in_(ids))
            )
            if isinstance(payload, dict) and "content_b64" in payload
        ]
    if not rows:
        return 0
    with writer.batch() as s:
        for row_id, payload in rows:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status.in_(FINISHED))
                .values(payload=without_body(payload))
                .execution_options(synchronize_session=False)
            )
    return len(rows)


def _prune_keyed(
    db: Database,
    writer: _Writer,
    model: type[Any],
    key: Sequence[Any],
    expired: Any,
    batch: int,
) -> int:
    """Delete expired rows of a table with a two-column key, a batch at a time."""
    deleted = 0
    while True:
        with db.read() as s:
            keys = [tuple(row) for row in s.execute(select(*key).where(expired).limit(batch))]
        if not keys:
            return deleted
        by_team: dict[Any, list[Any]] = {}
        for team, name in keys:
            by_team.setdefault(team, []).append(name)
        gone = 0
        with writer.batch() as s:
            # By primary key only, a workspace at a time: with the date as well the
            # planner may read the whole date index, and SQLite reads the whole table
            # for a list of (team, name) pairs.
            for team, names in by_team.items():
                result = s.execute(
                    delete(model)
                    .where(key[0] == team, key[1].in_(names))
                    .execution_options(synchronize_session=False)
                )
                gone += int(result.rowcount)  # type: ignore[attr-defined]
        deleted += gone
        # Fewer than asked: the end of what expired (or rows refreshed meanwhile).
        if len(keys) < batch or gone == 0:
            return deleted


def retention_task(rt: Runtime, now: datetime) -> int:
    """The periodic job: prune with the settings' policy (returns 0: nothing to deliver)."""
    pruned = prune(rt.db, Policy.of(rt.settings), now)
    if pruned:
        log.info(
            "housekeeping: pruned %d outbox messages, %d file bodies, %d event ids, %d marks "
            "(%d batches, longest %.0f ms)",
            pruned.outbox,
            pruned.bodies,
            pruned.events,
            pruned.marks,
            pruned.batches,
            pruned.longest_hold * 1000,
        )
    return 0
