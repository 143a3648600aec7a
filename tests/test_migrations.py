"""`upgrade heads` on an empty database gives exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect

from bot.migrate import alembic_config, current_heads, upgrade
from bot.schema import all_metadata


def _all_metadata() -> MetaData:
    combined = MetaData()
    for md in all_metadata():
        for table in md.tables.values():
            table.to_metadata(combined)
    return combined


def test_one_head_only() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, "merge the migration heads: alembic merge heads"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path, pg_server, pg_template) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    if pg_server is None:
        pytest.skip("PostgreSQL not available")
    return str(pg_server.create_database(f"empty_{tmp_path.name[-20:].lower().replace('-', '_')}"))


def test_upgrade_head_matches_models(empty_db: str) -> None:
    upgrade(empty_db)
    engine = create_engine(empty_db)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, _all_metadata())
        assert diff == [], f"models and migrations differ: {diff}"
        # Upgrading again is a no-op.
        upgrade(empty_db)
        assert current_heads(empty_db) == set(
            ScriptDirectory.from_config(alembic_config(empty_db)).get_heads()
        )
        names = set(inspect(engine).get_table_names())
        assert {"outbox", "workspaces", "counters", "job_marks", "processed_events"} <= names
    finally:
        engine.dispose()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    from bot.db import Database

    db = Database(sqlite_url)
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        db.dispose()


def test_naive_datetimes_are_refused(sqlite_url: str) -> None:
    from datetime import datetime

    from bot.db import Database
    from bot.models import Workspace

    db = Database(sqlite_url)
    try:
        with pytest.raises(Exception, match="naive datetime"), db.write() as s:
            s.add(Workspace(team_id="TX", name="x", created_at=datetime(2026, 1, 1)))
            s.flush()
        with db.read() as s:
            assert s.get(Workspace, "TX") is None
    finally:
        db.dispose()


def test_deadlines_missed_before_0013_are_not_escalated_in_a_burst(empty_db: str) -> None:
    """Upgrading to resolution escalations must not DM contacts about every old issue."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    upgrade(empty_db, "0012_time_as_written")
    engine = create_engine(empty_db)
    past = datetime.now(UTC) - timedelta(days=30)
    future = datetime.now(UTC) + timedelta(days=3)
    sqlite = empty_db.startswith("sqlite")

    def stored(when: datetime) -> object:
        return when.replace(tzinfo=None) if sqlite else when

    insert = text(
        "INSERT INTO support_issues (team_id, number, title, description, severity, status,"
        " is_open, reporter, triage_channel, created_at, updated_at, resolution_due)"
        " VALUES ('T0ABC', :n, 't', '', 'S2', 'acknowledged', :open, 'U0REP', 'C0TRI',"
        " :at, :at, :due)"
    )
    try:
        with engine.begin() as conn:
            for n, due, is_open in ((1, past, True), (2, future, True), (3, past, False)):
                conn.execute(
                    insert, {"n": n, "open": is_open, "at": stored(past), "due": stored(due)}
                )
        upgrade(empty_db)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT number, resolution_escalated_at IS NOT NULL"
                    " FROM support_issues ORDER BY number"
                )
            ).all()
        # The open issue past its deadline counts as escalated; the others wait their turn.
        assert [(n, bool(done)) for n, done in rows] == [(1, True), (2, False), (3, False)]
    finally:
        engine.dispose()
