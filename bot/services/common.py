"""Small services every feature needs: workspaces, sequences, once-only marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import FromClause, update
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
    insert_ignore(session, Counter.__table__, {"team_id": team_id, "name": name, "value": 0})
    # The UPDATE takes the row (PostgreSQL) or database (SQLite) write lock, so two
    # transactions can never read the same value; the number is reused by nobody.
    value = session.execute(
        update(Counter)
        .where(Counter.team_id == team_id, Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
    return int(value)


def mark_once(session: Session, *, team_id: str, key: str, now: datetime) -> bool:
    """Record that `key` happened; True only for the first caller."""
    return insert_ignore(
        session, JobMark.__table__, {"team_id": team_id, "key": key[:200], "created_at": now}
    )
