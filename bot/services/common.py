"""Small services every feature needs: workspaces, sequences, once-only marks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import FromClause, TextClause, bindparam, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.models import Counter, JobMark, Workspace


def insert_ignore(session: Session, table: FromClause, values: dict[str, Any]) -> bool:
    """Insert a row unless its key exists; True when this call inserted it."""
    values = _with_defaults(table, values)
    stmt = _insert_ignore_sql(session.get_bind().dialect, table, tuple(sorted(values)))
    return session.execute(stmt, values).first() is not None


# SQLAlchemy does not cache the compiled form of dialect upserts (they recompile on
# every call); these run on every command, so they are written once as SQL text.
_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], TextClause] = {}


def _with_defaults(table: FromClause, values: dict[str, Any]) -> dict[str, Any]:
    """Column defaults the ORM or Core would have filled in (SQL text does not)."""
    out = dict(values)
    for col in table.columns:
        default = col.default
        if col.name in out or default is None:
            continue
        if default.is_scalar:
            out[col.name] = default.arg
        elif default.is_callable:
            out[col.name] = default.arg(None)
    return out


def _insert_ignore_sql(dialect: Dialect, table: FromClause, names: tuple[str, ...]) -> TextClause:
    key = (dialect.name, str(table.name), names)  # type: ignore[attr-defined]
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        q = dialect.identifier_preparer
        # rowcount is not reliable for INSERT … ON CONFLICT on every driver (psycopg
        # reports -1): RETURNING a key column tells whether a row was inserted.
        pk = q.quote(next(iter(table.primary_key)).name)
        stmt = text(
            f"INSERT INTO {q.quote(str(table.name))} ({', '.join(q.quote(n) for n in names)}) "  # type: ignore[attr-defined]
            f"VALUES ({', '.join(':' + n for n in names)}) ON CONFLICT DO NOTHING RETURNING {pk}"
        ).bindparams(*[bindparam(n, type_=table.c[n].type) for n in names])
        _STATEMENTS[key] = stmt
    return stmt


_NEXT_NUMBER = text(
    "INSERT INTO counters (team_id, name, value) VALUES (:t, :n, 1) "
    "ON CONFLICT (team_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value"
)


_KNOWN_WORKSPACES: set[tuple[str, str]] = set()


def forget_known_workspace(team_id: str) -> None:
    """The next request from `team_id` looks at its row again (e.g. after an uninstall)."""
    for key in [k for k in _KNOWN_WORKSPACES if k[1] == team_id]:
        _KNOWN_WORKSPACES.discard(key)


def ensure_workspace_known(session: Session, *, team_id: str, now: datetime) -> None:
    """Make sure the workspace row exists; after the first time, without a query."""
    key = (str(session.get_bind().engine.url), team_id)
    if key in _KNOWN_WORKSPACES:
        return
    ws = session.get(Workspace, team_id)
    if ws is not None:
        if ws.uninstalled_at is not None:
            # A request from the workspace: the app is back.
            ws.uninstalled_at = None
            return
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
    # One upsert: the conflicting row is updated under its row lock (PostgreSQL) or the
    # database write lock (SQLite), so no two transactions ever get the same value.
    return int(session.execute(_NEXT_NUMBER, {"t": team_id, "n": name}).scalar_one())


def current_number(session: Session, *, team_id: str, name: str) -> int:
    """The last value a sequence gave (0 when it never did)."""
    # A Core query on the session's connection: on hot paths the ORM's get() costs
    # several times more than the query itself.
    value = session.connection().execute(_CURRENT, {"t": team_id, "n": name}).scalar()
    return int(value or 0)


_CURRENT = select(Counter.value).where(
    Counter.team_id == bindparam("t"), Counter.name == bindparam("n")
)


def mark_once(session: Session, *, team_id: str, key: str, now: datetime) -> bool:
    """Record that `key` happened; True only for the first caller."""
    return insert_ignore(
        session, JobMark.__table__, {"team_id": team_id, "key": key[:200], "created_at": now}
    )


def the_only_workspace(
    session: Session,
    *,
    requested: str | None,
    token_team: Callable[[], str | None] = lambda: None,
) -> str:
    """The team a command-line tool acts on.

    The one asked for; else the only one in the database; else, on a fresh install,
    the workspace of the bot token (`token_team`, Slack's auth.test).
    """
    if requested:
        return requested
    teams = list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))
    if len(teams) == 1:
        return str(teams[0])
    if not teams:
        team = token_team()
        if team:
            return team
        raise UsageError(
            "No workspace has used the bot yet and SLACK_BOT_TOKEN does not name one; "
            "pass --team T0123ABCD (your Slack team id, or TCONSOLE for the local console)."
        )
    raise UsageError(f"Several workspaces use this database ({', '.join(teams)}); pass --team.")
