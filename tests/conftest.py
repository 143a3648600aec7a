"""Fixtures: databases (SQLite file and real PostgreSQL), the fake Slack, a running bot.

And the guards that make the suite unable to pass on a bug (README, "Testing"): an
error logged by the bot, a violation or a 500 of the fake Slack, an outbox message
failed for good or a crashing job fails the test unless it is marked as expecting it.
"""

from __future__ import annotations

import contextlib
import logging
import random
import shutil
import threading
import uuid
import weakref
from collections.abc import Generator, Iterator
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
from tests.harness import guards
from tests.harness.ci import in_ci
from tests.harness.fakeslack import FakeSlack
from tests.harness.pgserver import PgServer, available
from tests.harness.slackclient import Response, SlackSender

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
IN_CI = in_ci()
# Monday 23 November 2026, 12:00 UTC: the suite's "now" unless a test moves the clock.
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=None,
        help="examples per command family in the long fuzz profile (default 2000); "
        "CI runs a slice of it",
    )


# -- Hypothesis: new inputs every run, and the seed to reproduce them -----------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Every run draws new inputs from a seed chosen here (unless --hypothesis-seed
    # gives one), printed in the header and next to a failure: the seed reproduces it.
    # Runs before Hypothesis's own pytest_configure, which applies the option.
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(random.SystemRandom().randrange(2**32))


def _hypothesis_seed(config: pytest.Config) -> str | None:
    seed = config.getoption("hypothesis_seed", None)
    return None if seed is None else str(seed)


def pytest_report_header(config: pytest.Config) -> list[str]:
    seed = _hypothesis_seed(config)
    lines = [f"CI: {'yes (PostgreSQL and Chromium tests must run)' if IN_CI else 'no'}"]
    if seed is not None:
        lines.append(f"hypothesis seed: {seed} (reproduce with --hypothesis-seed={seed})")
    return lines


def _must_run_in_ci(item: pytest.Item) -> bool:
    """PostgreSQL and browser tests never skip in CI (slow ones skip without --run-slow)."""
    if "slow" in item.keywords and not item.config.getoption("--run-slow"):
        return False
    return any(item.get_closest_marker(name) is not None for name in ("postgres", "browser"))


def _raised_through_hypothesis(call: pytest.CallInfo[None]) -> bool:
    """Whether the failure came out of a Hypothesis test (its frames in the traceback)."""
    if call.excinfo is None:
        return False
    return any("/hypothesis/" in str(entry.path) for entry in call.excinfo.traceback)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.skipped and IN_CI and not hasattr(report, "wasxfail") and _must_run_in_ci(item):
        why = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        why = str(why).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where PostgreSQL and browser tests must run: {why}"
    elif report.failed and report.when == "call" and _raised_through_hypothesis(call):
        seed = _hypothesis_seed(item.config)
        report.sections.append(
            ("hypothesis", f"this run's seed: reproduce with --hypothesis-seed={seed}")
        )
    return report


# -- the guards -----------------------------------------------------------------------


def _marker_patterns(request: pytest.FixtureRequest, name: str) -> tuple[str, ...] | None:
    """None without the marker; else its patterns (none: anything is expected)."""
    marker = request.node.get_closest_marker(name)
    return None if marker is None else tuple(str(arg) for arg in marker.args)


@pytest.fixture(autouse=True)
def cli_log_handler() -> Iterator[None]:
    """A `wgbot` command run in-process installs a stderr handler on the root logger:
    take it away after the test, before pytest closes the stream it writes to."""
    yield
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "wgbot-stderr"]


@pytest.fixture(autouse=True)
def bot_errors(request: pytest.FixtureRequest) -> Iterator[guards.BotErrorLog]:
    """Every record at ERROR or above logged by the bot (any thread) fails the test.

    `@pytest.mark.expect_errors` lets them through (and fails when there is none);
    with regular expressions, `@pytest.mark.expect_errors("listener failed", ...)`,
    only matching records are let through, and each expression must match one. A
    test may also request this fixture and `take()` the records it checks itself.
    """
    log = guards.BotErrorLog().install()
    try:
        yield log
    finally:
        log.uninstall()
    records = log.take()
    expected = _marker_patterns(request, "expect_errors")
    if request.node.get_closest_marker("expect_failed_outbox") is not None:
        # Giving up on a message is logged as an error: expected with the outbox failures.
        records = [
            r
            for r in records
            if not (r.name == "bot.outbox.delivery" and "failed for good" in r.getMessage())
        ]
    if expected is None:
        unexpected = records
    elif expected:
        unexpected = [r for r in records if not guards.matches(r, expected)]
        missing = [p for p in expected if not any(guards.matches(r, (p,)) for r in records)]
        if missing:
            pytest.fail(
                f"expect_errors: no error logged matching {missing!r}; logged:\n"
                + (guards.describe_all(records) or "  (nothing)"),
                pytrace=False,
            )
    elif records:
        unexpected = []
    else:
        pytest.fail("marked expect_errors, but the bot logged no error: remove the marker")
    if unexpected:
        pytest.fail(
            f"the bot logged {len(unexpected)} error(s) during the test "
            "(mark it @pytest.mark.expect_errors(...) if they are expected):\n"
            + guards.describe_all(unexpected),
            pytrace=False,
        )


# Outbox rows failed for good, found when each bot of a test stopped, by fake Slack
# (a dict as an ordered set: two bots on one database find the same rows).
_FAILED_OUTBOX: weakref.WeakKeyDictionary[FakeSlack, dict[str, None]] = weakref.WeakKeyDictionary()


def check_fake_slack(request: pytest.FixtureRequest, fake: FakeSlack) -> None:
    """At teardown: no Block Kit violation, no 500 from the fake, no outbox failed for good."""
    problems: list[str] = []
    checks = (
        ("expect_violations", "Block Kit that Slack would refuse", fake.violations),
        ("expect_server_errors", "bugs of the fake Slack (answered 500)", fake.server_errors),
        (
            "expect_failed_outbox",
            "outbox messages failed for good",
            list(_FAILED_OUTBOX.pop(fake, {})),
        ),
    )
    for marker, what, found in checks:
        expected = request.node.get_closest_marker(marker) is not None
        if found and not expected:
            listed = "\n".join(f"  - {line}" for line in found)
            problems.append(f"{what} (mark the test {marker} if expected):\n{listed}")
        elif expected and not found:
            problems.append(f"marked {marker}, but there were no {what}: remove the marker")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


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
def fake_slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    """The fake Slack; at teardown, checked by check_fake_slack."""
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
    check_fake_slack(request, fake)


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
        """Run every periodic task once (a failing task raises), then deliver."""
        if at is not None:
            self.clock.set(at)
        done = self.bot.run_jobs(raise_errors=True)
        self.deliver()
        return done

    def advance(self, delta: timedelta) -> datetime:
        return self.clock.advance(delta)

    def stop(self) -> None:
        """Stop serving and the bot; note the outbox rows that failed for good."""
        self.server.close()
        self.thread.join(5)
        self.bot.stop()
        db = self.bot.rt.db
        try:
            failed = guards.failed_outbox(db)
        finally:
            db.dispose()
        _FAILED_OUTBOX.setdefault(self.fake, {}).update(dict.fromkeys(failed))
        assert not self.thread.is_alive(), "the HTTP server thread did not end within 5s"


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
    sender = SlackSender(url, SIGNING_SECRET, team_id="T1", fake=fake, response_base=fake.hooks_url)
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
