"""What makes the suite unable to pass on a bug: errors logged by the bot, threads
that did not end, outbox messages that failed for good.

tests/conftest.py wires these into every test (see README, "Testing"):

* ``BotErrorLog`` collects the records at ERROR or above of the bot's own loggers
  (``bot.*`` and ``wgbot``), whatever thread emits them (waitress request threads,
  the outbox worker, the scheduler); a test fails at teardown when it holds any,
  unless marked ``expect_errors``.
* ``join_all`` joins threads and fails when one is still running.
* ``failed_outbox`` lists the outbox rows that failed for good.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxMessage

#: The loggers of the bot's own code: logging.getLogger(__name__) under bot/ (and
#: commands/, imported as bot.commands), and the command line's "wgbot".
BOT_LOGGERS = ("bot", "wgbot")

#: OutboxMessage.status of a row the delivery worker gave up on (bot/outbox/delivery.py).
FAILED = "failed"

_FORMAT = logging.Formatter("%(levelname)s %(name)s [%(threadName)s]: %(message)s")


class BotErrorLog(logging.Handler):
    """Collects the ERROR+ records of the bot's loggers, from every thread."""

    def __init__(self, loggers: Sequence[str] = BOT_LOGGERS) -> None:
        super().__init__(logging.ERROR)
        self.loggers = tuple(loggers)
        self._records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Called with self.lock held (Handler.handle).
        self._records.append(record)

    def install(self) -> BotErrorLog:
        for name in self.loggers:
            logging.getLogger(name).addHandler(self)
        return self

    def uninstall(self) -> None:
        for name in self.loggers:
            logging.getLogger(name).removeHandler(self)

    @property
    def records(self) -> list[logging.LogRecord]:
        """What was collected so far (a copy)."""
        with self._guard():
            return list(self._records)

    def take(self) -> list[logging.LogRecord]:
        """What was collected so far, forgotten here (it no longer fails the test)."""
        with self._guard():
            taken, self._records = self._records, []
        return taken

    def _guard(self) -> threading.RLock:
        assert self.lock is not None
        return self.lock


def describe(record: logging.LogRecord) -> str:
    """One record as the test report shows it: level, logger, thread, message, traceback."""
    text = _FORMAT.format(record)
    return text.replace("\n", "\n    ")


def describe_all(records: Iterable[logging.LogRecord]) -> str:
    return "\n".join(f"  - {describe(r)}" for r in records)


def matches(record: logging.LogRecord, patterns: Sequence[str]) -> bool:
    """Whether a pattern (a regular expression) is found in the record as described."""
    text = describe(record)
    return any(re.search(p, text) for p in patterns)


def join_all(threads: Iterable[threading.Thread], timeout: float) -> None:
    """Join every thread within `timeout` seconds in all; fail naming those still running.

    A bare ``t.join(timeout)`` returns quietly when the thread is still running, and
    the test goes on to check a state that thread is still changing.
    """
    threads = list(threads)
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threads if t.is_alive()]
    assert not alive, f"threads still running after {timeout}s: {', '.join(alive)}"


def failed_outbox(db: Database) -> list[str]:
    """The outbox rows that failed for good, one line each."""
    with db.read() as s:
        rows = s.execute(
            select(
                OutboxMessage.id, OutboxMessage.method, OutboxMessage.lane, OutboxMessage.last_error
            )
            .where(OutboxMessage.status == FAILED)
            .order_by(OutboxMessage.id)
        ).all()
    return [
        f"outbox #{row_id} {method} (lane {lane}) failed for good: {error}"
        for row_id, method, lane, error in rows
    ]
