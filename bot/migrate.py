"""Apply Alembic migrations programmatically (what `wgbot migrate` runs).

Several `wgbot migrate` may start at once (a deployment rolling out replicas):
each takes a lock first, a PostgreSQL advisory lock or a file lock beside the SQLite
file, so the others wait and then find nothing to do. A database stamped with a
revision this release does not know was migrated by a newer wgbot: that is said in
one line instead of Alembic's "Can't locate revision".
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.resources import migrations_dir

# pg_advisory_lock key of `wgbot migrate` ("wgmigr"); the scheduler's leader lock differs.
MIGRATE_LOCK_KEY = 0x77676D696772


class SchemaTooNew(Exception):
    """The database carries a revision this wgbot does not know."""

    def __init__(self, revisions: set[str]) -> None:
        self.revisions = revisions
        shown = ", ".join(sorted(revisions))
        super().__init__(
            f"this database was migrated by a newer wgbot (revision {shown}); "
            "upgrade wgbot or restore a backup"
        )


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def known_revisions(database_url: str) -> tuple[set[str], set[str]]:
    """(every revision this release ships, its heads)."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return {rev.revision for rev in script.walk_revisions()}, set(script.get_heads())


def check_not_newer(database_url: str) -> set[str]:
    """The database's current revisions; SchemaTooNew if any is unknown here."""
    current = current_heads(database_url)
    known, _heads = known_revisions(database_url)
    unknown = current - known
    if unknown:
        raise SchemaTooNew(unknown)
    return current


def schema_is_current(database_url: str) -> bool:
    """Whether the database is at this release's heads (SchemaTooNew if it is past them)."""
    current = check_not_newer(database_url)
    return current == known_revisions(database_url)[1]


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database to the newest schema, one migrating process at a time."""
    with migration_lock(database_url):
        check_not_newer(database_url)
        command.upgrade(alembic_config(database_url), revision)


@contextmanager
def migration_lock(database_url: str) -> Iterator[None]:
    """Held while migrating: concurrent runs wait here, then find nothing to do."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            yield
            return
        fd = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock
        return
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            _pg_lock(conn, True)
            try:
                yield
            finally:
                _pg_lock(conn, False)
    finally:
        engine.dispose()


def _pg_lock(conn: Connection, take: bool) -> None:
    verb = "pg_advisory_lock" if take else "pg_advisory_unlock"
    # Session-level: it outlives this autocommitted statement and ends with the session.
    conn.execute(text(f"SELECT {verb}(:k)"), {"k": MIGRATE_LOCK_KEY})
    conn.commit()


def current_heads(database_url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
