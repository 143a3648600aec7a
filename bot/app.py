"""The composition root: the one list of features, and settings -> database -> runtime -> bot.

Each feature's install(registry) is called here and nowhere else; the Slack edge, the
console, the scheduler, the web pages and the command line read the same registry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, SystemClock
from bot.commands import action, home, issue, meeting, meeting_check, minutes, support, wg
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import Installer, Registry, build_registry
from bot.config import Settings
from bot.db import Database
from bot.directory import Directory
from bot.jobs import run_all
from bot.outbox.delivery import OutboxWorker, Transport
from bot.platform import Offline, Platform
from bot.runtime import Runtime
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)

# Every feature of the bot, in the order /wg help lists them.
FEATURES: tuple[Installer, ...] = (
    issue.install,
    support.install,
    meeting.install,
    meeting_check.install,
    action.install,
    minutes.install,
    wg.install,
    home.install,
)


def registry() -> Registry:
    """A fresh registry with every feature installed."""
    return build_registry(FEATURES)


@dataclass
class Bot:
    """A wired bot: the runtime handlers see, its registry, and its background workers."""

    rt: Runtime
    registry: Registry
    dispatcher: Dispatcher
    worker: OutboxWorker
    scheduler: Scheduler
    bolt: Any = None  # slack_bolt.App when serving Slack
    _started: list[str] = field(default_factory=list)

    def start_background(
        self, *, delivery: bool = True, scheduler: bool = True, directory: bool = True
    ) -> None:
        if directory:
            # Every user of the workspace(s) with users.list, in the background: start-up
            # does not wait for it (skipped when any process did it recently).
            self.rt.directory.start_fill()
        if delivery:
            self.worker.start()
            self._started.append("delivery")
        if scheduler:
            self.scheduler.start()
            self._started.append("scheduler")

    def run_jobs(
        self, now: datetime | None = None, *, raise_errors: bool = False
    ) -> dict[str, int]:
        """Run every periodic task once (tests with a controllable clock, the console).

        A failing task is logged and retried on the next run, or with `raise_errors`
        (what the tests use) raised.
        """
        return run_all(self.rt, self.registry.tasks.values(), now, raise_errors=raise_errors)

    def stop(self) -> None:
        if "scheduler" in self._started:
            self.scheduler.shutdown()
        if "delivery" in self._started:
            self.worker.stop()
        self._started.clear()
        self.rt.directory.close()
        self.rt.db.dispose()


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
    reg = registry()
    clock = clock or SystemClock()
    db = Database(settings.database_url, pool_size=pool_size)
    bots: Any = None  # the OAuth installation store, shared by the outbox and Bolt
    if with_slack:
        from bot.slack.directory import slack_directory
        from bot.slack.oauth import InstalledBots, single_token_lookup
        from bot.slack.platform import SlackPlatform
        from bot.slack.transport import SlackTransport, slack_transport

        bots = InstalledBots(settings, db) if settings.oauth_enabled else None
        token_for = bots.token if bots is not None else single_token_lookup(settings)
        transport = transport or slack_transport(settings, token_for)
        directory = directory or slack_directory(settings, token_for, clock, db=db)
        slack_platform = SlackPlatform(settings, token_for)
        if isinstance(transport, SlackTransport):
            transport.on_lost_channel = slack_platform.forget
        platform: Platform = slack_platform
    else:
        platform = Offline()
    if transport is None or directory is None:
        raise ValueError("without Slack, a transport and a directory are required")
    directory.attach(db)  # what Slack answers is stored by the directory's writer
    rt = Runtime(
        settings=settings,
        db=db,
        clock=clock,
        directory=directory,
        hooks=reg.hooks,
        platform=platform,
    )
    worker = OutboxWorker(
        db, transport, clock, lease=timedelta(seconds=settings.outbox_lease_seconds)
    )
    rt.notify_outbox = worker.wake
    dispatcher = Dispatcher(rt, reg)
    bolt = None
    if with_slack:
        from bot.slack.app import build_bolt_app

        bolt = build_bolt_app(dispatcher, bots)
    return Bot(
        rt=rt,
        registry=reg,
        dispatcher=dispatcher,
        worker=worker,
        scheduler=Scheduler(rt, list(reg.tasks.values())),
        bolt=bolt,
    )


def wsgi_app(bot: Bot, *, slack_over_http: bool = True) -> Any:
    """The HTTP front for a bot: Bolt at /slack/* (unless Socket Mode), /healthz, pages."""
    from bot.slack.web import WsgiApp

    return WsgiApp(
        bot.rt, bot.bolt if slack_over_http else None, bot.registry.pages, scheduler=bot.scheduler
    )
