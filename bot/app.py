"""The composition root: settings -> database -> runtime -> outbox, scheduler -> Bolt app."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.db import Database
from bot.directory import Directory
from bot.outbox.delivery import OutboxWorker, Transport
from bot.runtime import Runtime
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


@dataclass
class Bot:
    """A wired bot: the runtime handlers see, plus its background workers."""

    rt: Runtime
    worker: OutboxWorker
    scheduler: Scheduler
    bolt: Any = None  # slack_bolt.App when serving Slack
    _started: list[str] = field(default_factory=list)

    def start_background(self, *, delivery: bool = True, scheduler: bool = True) -> None:
        if delivery:
            self.worker.start()
            self._started.append("delivery")
        if scheduler:
            self.scheduler.start()
            self._started.append("scheduler")

    def stop(self) -> None:
        if "scheduler" in self._started:
            self.scheduler.shutdown()
        if "delivery" in self._started:
            self.worker.stop()
        self._started.clear()
        self.rt.db.dispose()


def load_features() -> None:
    """Import every command family so that its handlers and tasks register."""
    import commands  # noqa: F401


def build_bot(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: Transport | None = None,
    directory: Directory | None = None,
    with_slack: bool = True,
    pool_size: int = 10,
) -> Bot:
    """Wire a bot; without Slack (the console) transport and directory must be given."""
    load_features()
    clock = clock or SystemClock()
    db = Database(settings.database_url, pool_size=pool_size)
    bolt = None
    bots: Any = None  # the OAuth installation store, shared by the outbox and Bolt
    if with_slack:
        from bot.slack_app import (
            InstalledBots,
            build_bolt_app,
            single_token_lookup,
            slack_directory,
            slack_transport,
        )

        bots = InstalledBots(settings, db) if settings.oauth_enabled else None
        token_for = bots.token if bots is not None else single_token_lookup(settings)
        transport = transport or slack_transport(settings, token_for)
        directory = directory or slack_directory(settings, token_for, clock)
    if transport is None or directory is None:
        raise ValueError("without Slack, a transport and a directory are required")
    rt = Runtime(settings=settings, db=db, clock=clock, directory=directory)
    worker = OutboxWorker(
        db, transport, clock, lease=timedelta(seconds=settings.outbox_lease_seconds)
    )
    rt.notify_outbox = worker.wake
    if with_slack:
        bolt = build_bolt_app(rt, bots)
    return Bot(rt=rt, worker=worker, scheduler=Scheduler(rt), bolt=bolt)
