"""Small services every feature needs: workspaces, sequences, once-only marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import FromClause
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.models import Counter, JobMark, Workspace


def insert_ignore(session: Session, table: FromClause, values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists; True when this call inserted it."""
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(**values)  # type: ignore[arg-type]
    # rowcount is not reliable for INSERT … ON CONFLICT on every driver (psycopg
    # reports -1): RETURNING a key column tells whether a row was inserted.
    key = next(iter(table.primary_key))
    result = session.execute(stmt.on_conflict_do_nothing().returning(key))
    return result.first() is not None


_KNOWN_WORKSPACES: set[tuple[str, str]] = set()


def ensure_workspace_known(session: Session, *, team_id: str, now: datetime) -> None:
    """Make sure the workspace row exists; after the first time, without a query."""
    key = (str(session.get_bind().engine.url), team_id)
    if key in _KNOWN_WORKSPACES:
        return
    if session.get(Workspace, team_id) is not None:
        # Committed before this transaction, and workspace rows are never deleted.
        _KNOWN_WORKSPACES.add(key)
        return
    # Inserted now: not remembered until a later request sees it committed.
    ensure_workspace(session, team_id=team_id, now=now)


def ensure_workspace(session: Session, *, team_id: str, now: datetime) -> Workspace:
    ws = session.get(Workspace, team_id)
    if ws is None:
        insert_ignore(
            session, Workspace.__table__, {"team_id": team_id, "name": "", "created_at": now}
        )
        ws = session.get(Workspace, team_id)
        assert ws is not None
    return ws


def next_number(session: Session, *, team_id: str, name: str) -> int:
    """Allocate the next value of a per-workspace sequence; safe under concurrency."""
    dialect = session.get_bind().dialect.name
    table = Counter.__table__
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)  # type: ignore[arg-type]
    # One upsert: the conflicting row is updated under its row lock (PostgreSQL) or the
    # database write lock (SQLite), so no two transactions ever get the same value.
    stmt = (
        insert.values(team_id=team_id, name=name, value=1)
        .on_conflict_do_update(
            index_elements=[table.c.team_id, table.c.name], set_={"value": table.c.value + 1}
        )
        .returning(table.c.value)
    )
    return int(session.execute(stmt).scalar_one())


def current_number(session: Session, *, team_id: str, name: str) -> int:
    """The last value a sequence gave (0 when it never did)."""
    row = session.get(Counter, (team_id, name))
    return row.value if row is not None else 0


def mark_once(session: Session, *, team_id: str, key: str, now: datetime) -> bool:
    """Record that `key` happened; True only for the first caller."""
    return insert_ignore(
        session, JobMark.__table__, {"team_id": team_id, "key": key[:200], "created_at": now}
    )
