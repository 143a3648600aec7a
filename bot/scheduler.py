"""APScheduler runs the periodic tasks; with PostgreSQL, one process at a time leads.

APScheduler 3 cannot share a job store between processes, so jobs are not stored
in it: the durable state is our own tables (JobMark, outbox). Each process runs
the same interval jobs, and on PostgreSQL only the holder of an advisory lock does
the work, so several processes do not even race for the once-only marks.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from bot import metrics
from bot.faultlog import FailureLog
from bot.jobs import PeriodicTask, run_task, task_failures
from bot.runtime import Runtime

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 0x7767626F74  # "wgbot"


class Leadership:
    """Holds a PostgreSQL session-level advisory lock; SQLite: always the leader."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._conn: Any = None
        self._lock = threading.Lock()
        # Every task's tick asks; a database that is down must not log once per tick.
        self.failures = FailureLog(log, "leader election", rt.clock.now, level=logging.WARNING)

    def is_leader(self) -> bool:
        if self.rt.db.sqlite:
            return True
        with self._lock:
            try:
                if self._conn is not None:
                    self._conn.execute(text("SELECT 1"))
                    return True
            except Exception:
                # The connection died (database restarted): the lock is gone with it.
                self._drop()
            try:
                conn = self.rt.db.engine.connect()
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY}
                ).scalar()
                conn.commit()
                self.failures.succeeded()
                if got:
                    self._conn = conn
                    log.info("this process now leads the scheduled jobs")
                    return True
                conn.close()
            except Exception as exc:
                self.failures.failed(exc)
            return False

    def _drop(self) -> None:
        try:
            if self._conn is not None:
                self._conn.invalidate()
        except Exception:
            log.debug("invalidating a dead leader connection failed", exc_info=True)
        self._conn = None

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(
                        text("SELECT pg_advisory_unlock(:k)"), {"k": LEADER_LOCK_KEY}
                    )
                    self._conn.close()
                except Exception:
                    log.debug("releasing the leader lock failed", exc_info=True)
                self._conn = None


class Scheduler:
    def __init__(self, rt: Runtime, tasks: list[PeriodicTask]) -> None:
        self.rt = rt
        self.tasks = {task.name: task for task in tasks}
        self.failures = {task.name: task_failures(rt, task) for task in tasks}
        self.leadership = Leadership(rt)
        # For /readyz: when this process's scheduler started and last ticked (bot clock).
        self.started_at: datetime | None = None
        self.last_tick: datetime | None = None
        self._aps = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
        )

    def start(self) -> None:
        # First run at once: what came due while the bot was down is handled on start.
        first = datetime.now(UTC)
        self.started_at = self.rt.clock.now()
        for task in self.tasks.values():
            self._aps.add_job(
                self._tick,
                "interval",
                args=[task.name],
                seconds=task.every,
                id=task.name,
                next_run_time=first,
                misfire_grace_time=None,
            )
        self._aps.start()

    def _tick(self, name: str) -> None:
        leader = self.leadership.is_leader()
        # A follower's tick counts too: it shows a scheduler alive, ready to take over.
        now = self.rt.clock.now()
        self.last_tick = now
        metrics.scheduler_tick(leader=leader, timestamp=now.timestamp())
        if leader:
            run_task(self.rt, self.tasks[name], failures=self.failures[name])

    def shutdown(self) -> None:
        try:
            self._aps.shutdown(wait=True)
        except Exception:
            log.debug("scheduler shutdown failed", exc_info=True)
        self.leadership.release()
