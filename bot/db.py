"""Engine and transactions: one unit of work per request or job."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


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
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that later writes can fail with SQLITE_BUSY without
        # waiting (lock upgrade deadlock); writers take the write lock up front instead.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


class SqliteWriterLock:
    """Serializes SQLite writers across threads (RLock) and processes (flock)."""

    def __init__(self, database: str | None) -> None:
        self._mutex = threading.RLock()
        self._depth = threading.local()
        self._fd: int | None = None
        if database and database != ":memory:":
            self._fd = os.open(f"{database}-wgbot.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        self._mutex.acquire()
        depth = getattr(self._depth, "n", 0)
        if depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._depth.n = depth + 1

    def __exit__(self, *exc: object) -> None:
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

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits when the block ends and rolls back on error."""
        if self._writer is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._writer, self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reads (SQLite: a deferred one that takes no write lock)."""
        with self._read() as session, session.begin():
            yield session

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()
