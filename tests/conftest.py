"""Fixtures: databases (SQLite file and real PostgreSQL), the fake Slack, a running bot."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import Bot, build_bot, wsgi_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.migrate import upgrade
from bot.slack.web import make_server
from tests.harness.fakeslack import FakeSlack
from tests.harness.pgserver import PgServer, available
from tests.harness.slackclient import Response, SlackSender

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Monday 23 November 2026, 12:00 UTC: the suite's "now" unless a test moves the clock.
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(
        reason="slow variant: run with `make test-slow` (pytest -m slow --run-slow)"
    )
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# -- databases ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    ok, why = available()
    if not ok:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but cannot start: {why}")
        yield None
        return
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer | None) -> str | None:
    """A database migrated once; each test copies it (CREATE DATABASE … TEMPLATE)."""
    if pg_server is None:
        return None
    url = pg_server.create_database("wgbot_template")
    upgrade(url)
    return "wgbot_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "wgbot.db"
    upgrade(f"sqlite:///{path}")
    return path


def _fresh_pg(pg_server: PgServer | None, pg_template: str | None) -> Iterator[str]:
    if pg_server is None or pg_template is None:
        _ok, why = available()
        pytest.skip(f"PostgreSQL not available: {why}")
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name, template=pg_template)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    pg_server: PgServer | None,
    pg_template: str | None,
) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, then a real PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "wgbot.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
    else:
        yield from _fresh_pg(pg_server, pg_template)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "wgbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def pg_url(pg_server: PgServer | None, pg_template: str | None) -> Iterator[str]:
    yield from _fresh_pg(pg_server, pg_template)


# -- Slack ----------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.start()
    fake.add_user("U1", tz="Europe/Paris", name="alice")
    fake.add_user("U2", tz="America/Los_Angeles", name="bob")
    fake.add_user("U3", tz="Asia/Tokyo", name="chie")
    fake.add_user("UADMIN", tz="UTC", name="admin", is_admin=True)
    fake.add_channel("C1", "general", members=["U1", "U2", "U3", "UADMIN"])
    try:
        yield fake
    finally:
        fake.stop()


def make_settings(db_url: str, fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.url,
        "port": 0,
        "public_url": "http://wgbot.test",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class RunningBot:
    """The real Bolt app behind the real HTTP server, talking to the fake Slack."""

    bot: Bot
    url: str
    fake: FakeSlack
    clock: FakeClock
    sender: SlackSender
    server: Any
    thread: threading.Thread
    extra: dict[str, Any] = field(default_factory=dict)

    def command(self, command: str, text: str = "", **kw: Any) -> Response:
        return self.sender.command(command, text, **kw)

    def deliver(self) -> int:
        """Deliver every due outbox row now (what the delivery thread does)."""
        return self.bot.worker.drain()

    def run_jobs(self, at: datetime | None = None) -> dict[str, int]:
        if at is not None:
            self.clock.set(at)
        done = self.bot.run_jobs()
        self.deliver()
        return done

    def advance(self, delta: timedelta) -> datetime:
        return self.clock.advance(delta)

    def stop(self) -> None:
        self.server.close()
        self.thread.join(5)
        self.bot.stop()


def _serve_until_closed(server: Any) -> None:
    # close() from another thread pulls the sockets from under waitress's select().
    with contextlib.suppress(OSError, ValueError):
        server.run()


def start_bot(
    db_url: str, fake: FakeSlack, *, clock: FakeClock | None = None, **settings: Any
) -> RunningBot:
    clock = clock or FakeClock(T0)
    bot = build_bot(make_settings(db_url, fake, **settings), clock=clock, pool_size=5)
    server = make_server(wsgi_app(bot), "127.0.0.1", 0, threads=8, loop_timeout=0.05)
    thread = threading.Thread(
        target=_serve_until_closed, args=(server,), name="waitress", daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    sender = SlackSender(url, SIGNING_SECRET, team_id="T1")
    return RunningBot(
        bot=bot, url=url, fake=fake, clock=clock, sender=sender, server=server, thread=thread
    )


@pytest.fixture
def running(db_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    """A running bot on each database (SQLite, then PostgreSQL)."""
    rb = start_bot(db_url, fake_slack)
    try:
        yield rb
    finally:
        rb.stop()


@pytest.fixture
def running_sqlite(sqlite_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    """A running bot on SQLite only, for tests about Slack behaviour rather than storage."""
    rb = start_bot(sqlite_url, fake_slack)
    try:
        yield rb
    finally:
        rb.stop()
