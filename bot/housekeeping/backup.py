"""`wgbot backup FILE`: a consistent copy of a SQLite database while the bot runs.

SQLite's online backup API copies every page of one committed state; in WAL mode
the bot keeps reading and writing meanwhile. PostgreSQL has its own tool, `pg_dump`.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.errors import ConfigError

# All pages in one step, inside one read transaction: in WAL mode that snapshot never
# blocks the bot's writers, whereas a copy in several steps starts over each time
# another connection writes, and a busy bot could keep it from ever finishing.
PAGES_PER_STEP = -1


def backup_sqlite(database_url: str, target: Path) -> int:
    """Copy the database to `target` (replaced if it exists); returns its size in bytes."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise ConfigError(
            "DATABASE_URL",
            "wgbot backup copies SQLite databases; for PostgreSQL use "
            '`pg_dump --format=custom --file=wgbot.dump DBNAME` (README, "Housekeeping and backups")',
        )
    source_path = url.database or ""
    if not source_path or source_path == ":memory:" or not Path(source_path).is_file():
        raise ConfigError("DATABASE_URL", f"no SQLite database at {source_path!r}")
    target = target.expanduser()
    if not target.parent.is_dir():
        raise ConfigError("FILE", f"the directory {str(target.parent)!r} does not exist")
    if target.resolve() == Path(source_path).resolve():
        raise ConfigError("FILE", "the backup must go to another file than the database")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # mode=rw: a database file that has gone is an error, not a new empty database.
    source = sqlite3.connect(f"file:{source_path}?mode=rw", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest, pages=PAGES_PER_STEP)
            # The copy is a database of its own: one file, no WAL beside it.
            dest.execute("PRAGMA journal_mode=DELETE")
        finally:
            dest.close()
    finally:
        source.close()
    # Whole or not at all: a crash mid-copy never leaves a truncated FILE behind.
    os.replace(partial, target)
    return target.stat().st_size
