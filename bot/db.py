"""Engine and transactions: one unit of work per request or job."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 30_000


class DeadlineExceeded(Exception):
    """A transaction could not finish before its deadline; nothing was committed."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and immediate writes."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_recycle=1800,
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Take over BEGIN from pysqlite so that writers can start with BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that later writes can fail with SQLITE_BUSY without
        # waiting (lock upgrade deadlock); writers take the write lock up front instead.
        options = conn.get_execution_options()
        mode = options.get("sqlite_begin", "IMMEDIATE")
        # How long BEGIN may wait for another process's lock: a request's remaining
        # budget, else the default (pooled connections keep the last value).
        busy_ms = int(options.get("wgbot_busy_ms", BUSY_TIMEOUT_MS))
        conn.exec_driver_sql(f"PRAGMA busy_timeout={max(busy_ms, 1)}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _ping_engine(url: str, timeout: float) -> Engine:
    """An engine for health checks only: no pool, a short timeout, no write lock."""
    from sqlalchemy.pool import NullPool

    if is_sqlite(url):
        # A plain deferred read: in WAL mode it never waits for a writer. mode=rw: a
        # database file that has gone is an outage, not a new empty database.
        path = make_url(url).database or ""
        return create_engine(
            "sqlite://",
            poolclass=NullPool,
            creator=lambda: sqlite3.connect(
                f"file:{path}?mode=rw", uri=True, timeout=timeout, check_same_thread=False
            ),
        )
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": max(1, int(timeout)),
            "options": f"-c statement_timeout={int(timeout * 1000)}",
        },
    )


class SqliteWriterLock:
    """Serializes SQLite writers across threads (RLock) and processes (flock)."""

    def __init__(self, database: str | None) -> None:
        self._mutex = threading.RLock()
        self._depth = threading.local()
        self._fd: int | None = None
        if database and database != ":memory:":
            self._fd = os.open(f"{database}-wgbot.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        self.acquire(None)

    def acquire(self, deadline: float | None) -> None:
        """Take the lock, or raise DeadlineExceeded once time.monotonic() passes `deadline`."""
        if deadline is None:
            self._mutex.acquire()
        elif not self._mutex.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise DeadlineExceeded("another writer of this process held the database")
        depth = getattr(self._depth, "n", 0)
        if depth == 0 and self._fd is not None:
            try:
                self._flock(deadline)
            except BaseException:
                self._mutex.release()
                raise
        self._depth.n = depth + 1

    def _flock(self, deadline: float | None) -> None:
        if deadline is None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # type: ignore[arg-type]
            return
        # flock has no timeout: poll without blocking until the deadline.
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[arg-type]
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DeadlineExceeded("another process held the database") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.01)

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        self._depth.n -= 1
        if self._depth.n == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._mutex.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Database:
    """The engine plus session factories for read-write and read-only work."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sqlite = is_sqlite(url)
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        reader = (
            self.engine.execution_options(sqlite_begin="DEFERRED") if self.sqlite else self.engine
        )
        self._read = sessionmaker(reader, expire_on_commit=False)
        # SQLite has one writer at a time. Writers queue on a lock instead of SQLite's
        # busy handler, which sleeps (1, 2, 5 … 100 ms) between retries: threads of
        # this process on a mutex, processes sharing the file on a kernel file lock,
        # both of which wake the next writer the moment the last one commits.
        self._writer = SqliteWriterLock(make_url(url).database) if self.sqlite else None
        self._ping_engine: Engine | None = None

    @contextmanager
    def write(self, deadline: float | None = None) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on error.

        With a `deadline` (time.monotonic()), waiting for the database and the work
        itself must end before it: else DeadlineExceeded, and nothing is committed.
        """
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineExceeded("no time left to start the transaction")
        if self._writer is not None:
            self._writer.acquire(deadline)
        try:
            with self._write() as session, session.begin():
                if deadline is not None:
                    self._bound(session, deadline)
                yield session
                if deadline is not None and time.monotonic() >= deadline:
                    # Slack has given up on this request: roll back rather than commit
                    # a change its author was told failed.
                    raise DeadlineExceeded("the work did not finish in time")
        finally:
            if self._writer is not None:
                self._writer.release()

    def _bound(self, session: Session, deadline: float) -> None:
        """Make the database give up waiting at the deadline too."""
        left_ms = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            if self.sqlite:
                session.connection(execution_options={"wgbot_busy_ms": left_ms})
            else:
                session.execute(text(f"SET LOCAL lock_timeout = {left_ms}"))
                session.execute(text(f"SET LOCAL statement_timeout = {left_ms}"))
        except OperationalError as exc:
            raise DeadlineExceeded(f"the database stayed locked: {exc.orig}") from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reads (SQLite: a deferred one that takes no write lock)."""
        with self._read() as session, session.begin():
            yield session

    def ping(self, timeout: float = 1.0) -> bool:
        """Whether the database answers within `timeout`, on a connection of its own.

        Never from the request pool and never behind the writer lock: a health check
        must answer while every pooled connection waits on a long write (a backup,
        a `sqlite3` shell holding a lock).
        """
        if self._ping_engine is None:
            self._ping_engine = _ping_engine(self.url, timeout)
        try:
            with self._ping_engine.connect() as conn:
                # Reads a page of the database (not only the connection): a file that
                # cannot be read answers False.
                conn.execute(
                    text("SELECT count(*) FROM sqlite_master" if self.sqlite else "SELECT 1")
                )
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if self._ping_engine is not None:
            self._ping_engine.dispose()
        if self._writer is not None:
            self._writer.close()
