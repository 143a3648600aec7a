"""Failure logging for loops that retry: a line when it starts, a summary a minute, a line when it ends.

A periodic job or the delivery loop that fails on every pass (the database file made
read-only, PostgreSQL restarting) must not write a traceback per pass: that filled
disks at 4 GiB a day. A `FailureLog` per loop logs the first failure in one line (its
traceback only at DEBUG), then at most one summary per interval with the count, and
one line when the loop succeeds again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.redact import redact

SUMMARY_EVERY = timedelta(minutes=1)
MAX_SUMMARY_CHARS = 300


def one_line(exc: BaseException) -> str:
    """`Type: message` on one line, without SQL statements, parameters or secrets."""
    # SQLAlchemy wraps the driver's error and appends the statement and its
    # parameters: the driver's own message says what went wrong.
    orig = getattr(exc, "orig", None)
    shown = orig if isinstance(orig, BaseException) else exc
    first = next((line.strip() for line in str(shown).splitlines() if line.strip()), "")
    text = f"{type(shown).__name__}: {first}" if first else type(shown).__name__
    text = redact(text)
    if len(text) > MAX_SUMMARY_CHARS:
        text = text[: MAX_SUMMARY_CHARS - 1] + "…"
    return text


class FailureLog:
    """The failures of one retrying loop (`what`: "periodic task reminders", …)."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        now: Callable[[], datetime],
        *,
        every: timedelta = SUMMARY_EVERY,
        level: int = logging.ERROR,
    ) -> None:
        self.log = log
        self.what = what
        self.now = now
        self.every = every
        self.level = level
        self._lock = threading.Lock()
        self._since: datetime | None = None  # failing since (None: not failing)
        self._total = 0  # failures since it started failing
        self._unreported = 0  # failures since the last line
        self._last_line: datetime | None = None
        self._last_error = ""

    @property
    def failing(self) -> bool:
        return self._since is not None

    @property
    def count(self) -> int:
        """Failures since it started failing (0 when it is not)."""
        return self._total

    def failed(self, exc: BaseException) -> None:
        """One more failure: logged if it is the first, or a summary is due."""
        now = self.now()
        summary = one_line(exc)
        with self._lock:
            self._total += 1
            self._unreported += 1
            self._last_error = summary
            if self._since is None:
                self._since = self._last_line = now
                self._unreported = 0
                first = True
            elif self._last_line is not None and now - self._last_line >= self.every:
                count, self._unreported, self._last_line = self._unreported, 0, now
                first = False
            else:
                return
        if first:
            self.log.log(self.level, "%s failed: %s", self.what, summary)
            self.log.debug("%s: the first failure's traceback", self.what, exc_info=exc)
        else:
            self.log.warning(
                "%s still failing: %d more failure(s) in the last %s; last: %s",
                self.what,
                count,
                _span(self.every),
                summary,
            )

    def succeeded(self) -> None:
        """A pass went through: say so once if it had been failing."""
        if self._since is None:  # the common case, without the lock
            return
        now = self.now()
        with self._lock:
            if self._since is None:
                return
            since, total = self._since, self._total
            self._since, self._total, self._unreported, self._last_line = None, 0, 0, None
        self.log.warning(
            "%s recovered after %d failure(s) over %s", self.what, total, _span(now - since)
        )


def _span(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
