"""A loop that keeps failing logs one line, a summary a minute, and one line on recovery.

The reported fault: with the database file unwritable, the reminder tick (every
0.25 s) and the delivery loop (every 0.5 s) each wrote a full traceback per pass,
about 50 KiB a second. Here the real scheduler and delivery threads run against a
SQLite database that refuses writes while the bot's clock moves on.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.clock import FakeClock
from bot.db import Database
from bot.faultlog import FailureLog, one_line
from bot.jobs import PeriodicTask, run_task
from tests.conftest import T0, RunningBot
from tests.harness.guards import BotErrorLog


class Lines(logging.Handler):
    """Every record the bot logs at `level` or above, as a production log shows them."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, contains: str = "") -> list[str]:
        with self.lock:  # type: ignore[union-attr]
            found = [r.getMessage() for r in self.records]
        return [m for m in found if contains in m]


@pytest.fixture
def lines() -> Iterator[Lines]:
    logger = logging.getLogger("bot")
    handler, debug = Lines(logging.INFO), Lines(logging.DEBUG)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.addHandler(debug)
    handler.debug = debug  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(debug)
        logger.setLevel(old)


def _query_only(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA query_only=ON")


def make_unwritable(db: Database) -> Callable[[], None]:
    """The database refuses writes from now on; returns what makes it writable again.

    As a normal user the file and its directory become read-only. Root writes through
    file modes, so there every new connection is made read-only (PRAGMA query_only)
    instead: SQLite then refuses every write transaction, as for a read-only file.
    """
    path = Path(make_url(db.url).database or "")
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in (path, path.parent)}
        for p in modes:
            p.chmod(stat.S_IMODE(modes[p]) & ~0o222)

        def restore() -> None:
            for p, mode in modes.items():
                p.chmod(stat.S_IMODE(mode))
            db.engine.dispose()

    else:
        event.listen(db.engine, "connect", _query_only)

        def restore() -> None:
            event.remove(db.engine, "connect", _query_only)
            db.engine.dispose()

    db.engine.dispose()  # pooled connections were opened writable
    return restore


def _wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_unwritable_database_logs_one_line_per_loop_then_a_summary_a_minute(
    running_sqlite: RunningBot, lines: Lines, bot_errors: BotErrorLog
) -> None:
    try:
        _unwritable_database(running_sqlite, lines)
    finally:
        bot_errors.take()  # the first line of each loop is an error, checked here


def _unwritable_database(running_sqlite: RunningBot, lines: Lines) -> None:
    bot, clock = running_sqlite.bot, running_sqlite.clock
    restore = make_unwritable(bot.rt.db)
    bot.start_background(directory=False)
    reminders = bot.scheduler.failures["meeting-reminders"]
    delivery = bot.worker.failures
    # The reminder tick runs 4 times a second, delivery twice: let each fail many times.
    _wait(lambda: reminders.count >= 8 and delivery.count >= 4)

    started = lines.messages(" failed: ")
    per_loop = Counter(m.split(" failed: ")[0] for m in started)
    assert per_loop["periodic task meeting-reminders"] == 1
    assert per_loop["outbox delivery"] == 1
    assert all(n == 1 for n in per_loop.values()), per_loop
    assert all("attempt to write a readonly database" in m for m in started), started
    assert lines.messages("still failing") == []
    # One line each, no traceback in the log; the first traceback only at DEBUG.
    assert not [r for r in lines.records if r.exc_info], "a traceback was logged above DEBUG"
    debug = lines.debug  # type: ignore[attr-defined]
    assert any(r.exc_info for r in debug.records if "meeting-reminders" in r.getMessage())

    # A minute passes on the bot's clock: one summary per failing loop, with the count.
    clock.advance(timedelta(seconds=61))
    failing = {"periodic task meeting-reminders": reminders, "outbox delivery": delivery}
    before = {name: log.count for name, log in failing.items()}
    _wait(lambda: all(log.count >= before[name] + 4 for name, log in failing.items()))
    summaries = lines.messages("still failing")
    # (The other tasks run every 30 s or more: they have not failed again.)
    assert Counter(m.split(" still failing")[0] for m in summaries) == Counter(list(failing))
    reminder_summary = next(m for m in summaries if m.startswith("periodic task meeting-"))
    assert "more failure(s) in the last 60s; last: OperationalError" in reminder_summary
    # Less than a minute later: no new summary however often it fails.
    clock.advance(timedelta(seconds=30))
    again = reminders.count
    _wait(lambda: reminders.count >= again + 4)
    assert len(lines.messages("still failing")) == len(summaries)

    restore()
    _wait(lambda: not reminders.failing and not delivery.failing)
    _wait(lambda: len(lines.messages("recovered")) >= 2)
    recovered = lines.messages("recovered")
    assert sum("meeting-reminders recovered" in m for m in recovered) == 1
    assert sum(m.startswith("outbox delivery recovered") for m in recovered) == 1
    assert any("over 91s" in m for m in recovered), recovered  # the bot's clock


def test_failure_log_over_ten_minutes_of_failures() -> None:
    clock = FakeClock(T0)
    logger = logging.getLogger("bot.test_failure_log")
    handler = Lines(logging.DEBUG)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        failures = FailureLog(logger, "periodic task digest", clock.now)
        for _ in range(10 * 60 * 4):  # four failures a second for ten minutes
            failures.failed(OperationalError("UPDATE x", {"p": 1}, Exception("disk I/O error")))
            clock.advance(timedelta(milliseconds=250))
        failures.succeeded()
        failures.succeeded()  # only the first success after failures is news
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    info = [r for r in handler.records if r.levelno >= logging.INFO]
    assert info[0].levelno == logging.ERROR
    assert info[0].getMessage() == "periodic task digest failed: Exception: disk I/O error"
    summaries = [r.getMessage() for r in info if "still failing" in r.getMessage()]
    assert len(summaries) == 9  # at minutes 1 … 9: at most one a minute
    counted = sum(int(m.split(": ")[1].split(" ")[0]) for m in summaries)
    assert counted == 9 * 60 * 4  # each summary counts the failures since the last line
    assert info[-1].getMessage() == "periodic task digest recovered after 2400 failure(s) over 10m"
    assert len(info) == 1 + 9 + 1


def test_run_task_alone_logs_one_line_without_the_traceback(
    running_sqlite: RunningBot, lines: Lines, bot_errors: BotErrorLog
) -> None:
    def broken(rt: object, now: object) -> int:
        raise RuntimeError("reminder template missing\nsecond line of detail")

    assert run_task(running_sqlite.bot.rt, PeriodicTask("broken", broken, 60)) == 0
    [record] = bot_errors.take()
    assert record.getMessage() == (
        "periodic task broken failed: RuntimeError: reminder template missing"
    )
    assert record.exc_info is None


def test_one_line_hides_statements_parameters_and_passwords() -> None:
    exc = OperationalError(
        "INSERT INTO outbox (payload) VALUES (?)",
        {"payload": "xoxb-1234-secret"},
        Exception('connection to "postgresql://wg:S3cret@db.example.org/wg" failed\nDETAIL: more'),
    )
    text = one_line(exc)
    assert text == 'Exception: connection to "postgresql://wg:***@db.example.org/wg" failed'
