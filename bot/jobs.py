"""Periodic work (reminders, SLA checks, nudges) as plain functions of (runtime, now).

Every task is idempotent: what it does once it records with a JobMark in the same
transaction, so running it twice, late, or in two processes never repeats an effect.
That is what lets APScheduler simply call each task on an interval. Features declare
their tasks in their install; the scheduler receives the list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.faultlog import FailureLog
from bot.runtime import Runtime

log = logging.getLogger(__name__)

TaskFn = Callable[[Runtime, datetime], int]


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    fn: TaskFn
    every: float  # seconds between runs


def task_failures(rt: Runtime, task: PeriodicTask) -> FailureLog:
    """The failure log of one task: the scheduler keeps one per task across ticks."""
    return FailureLog(log, f"periodic task {task.name}", rt.clock.now)


def run_task(
    rt: Runtime,
    task: PeriodicTask,
    now: datetime | None = None,
    *,
    raise_errors: bool = False,
    failures: FailureLog | None = None,
) -> int:
    """Run one task; a failure is logged in one line and retried on the next tick.

    `failures` (the scheduler's, kept across ticks) throttles a task that keeps
    failing to a summary a minute. With `raise_errors` (the tests) a failure is not
    logged but raised, with a note naming the task, so that a crashing job fails
    whoever ran it.
    """
    try:
        done = task.fn(rt, now or rt.clock.now())
    except Exception as exc:
        if raise_errors:
            exc.add_note(f"periodic task {task.name} failed")
            raise
        (failures or task_failures(rt, task)).failed(exc)
        return 0
    if failures is not None:
        failures.succeeded()
    if done:
        rt.notify_outbox()
    return done


def run_all(
    rt: Runtime,
    tasks: Iterable[PeriodicTask],
    now: datetime | None = None,
    *,
    raise_errors: bool = False,
) -> dict[str, int]:
    """Run every task once (tests with a controllable clock, and the console).

    With `raise_errors` the first failing task raises (see run_task).
    """
    return {task.name: run_task(rt, task, now, raise_errors=raise_errors) for task in tasks}
