"""Tests for the private PostgreSQL test server (tests/harness/pgserver.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from tests.harness.ci import in_ci
from tests.harness.pgserver import PgServer, PgServerError, available


def require_postgres() -> None:
    """Skip when no server can be started here, but fail in CI (tests/harness/ci.py)."""
    ok, reason = available()
    if ok:
        return
    if in_ci():
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    require_postgres()
    with PgServer() as server:
        yield server


def scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def database_exists(pg: PgServer, name: str) -> bool:
    return bool(scalar(pg.url(), f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"))


@pytest.mark.postgres
def test_available_explains_itself() -> None:
    ok, reason = available()
    assert isinstance(ok, bool)
    assert reason


@pytest.mark.postgres
def test_create_database_and_query(pg: PgServer) -> None:
    url = pg.create_database("basic")
    assert url == f"postgresql+psycopg://postgres@127.0.0.1:{pg.port}/basic"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
            assert conn.execute(sa.text("show server_encoding")).scalar_one() == "UTF8"
        with engine.begin() as conn:
            conn.execute(sa.text("create table item (id int primary key, name text not null)"))
            conn.execute(
                sa.text("insert into item (id, name) values (:id, :name)"),
                [{"id": 1, "name": "ünïcode"}, {"id": 2, "name": "two"}],
            )
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select id, name from item order by id")).all()
        assert [tuple(row) for row in rows] == [(1, "ünïcode"), (2, "two")]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_create_from_template_and_drop(pg: PgServer) -> None:
    template_url = pg.create_database("tpl")
    engine = sa.create_engine(template_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table seeded (x int)"))
        conn.execute(sa.text("insert into seeded values (42)"))
    engine.dispose()

    copy_url = pg.create_database("copy", template="tpl")
    # An open connection does not stop drop_database: it is terminated.
    holder = sa.create_engine(copy_url)
    conn = holder.connect()
    assert conn.execute(sa.text("select x from seeded")).scalar_one() == 42
    pg.drop_database("copy")
    with pytest.raises(OperationalError):
        conn.execute(sa.text("select 1"))
    conn.invalidate()
    conn.close()
    holder.dispose()
    assert not database_exists(pg, "copy")
    pg.drop_database("copy")  # dropping a missing database is fine
    pg.drop_database("tpl")


@pytest.mark.postgres
def test_restart_keeps_data_and_accepts_new_connections(pg: PgServer) -> None:
    url = pg.create_database("restart_db")
    engine = sa.create_engine(url, pool_pre_ping=True)
    with engine.begin() as conn:
        conn.execute(sa.text("create table t (v text)"))
        conn.execute(sa.text("insert into t values ('before restart')"))
    port = pg.port

    pg.restart()

    assert pg.is_running()
    assert pg.port == port
    # The pooled connection died with the old server; pre-ping replaces it.
    with engine.connect() as conn:
        assert conn.execute(sa.text("select v from t")).scalar_one() == "before restart"
    engine.dispose()
    assert scalar(url, "select 1") == 1


@pytest.mark.postgres
def test_kill_then_restart_recovers(pg: PgServer) -> None:
    url = pg.create_database("crash_db")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        # The server runs with synchronous_commit=off: a commit is only guaranteed
        # to survive a crash when it waits for its WAL to be written.
        conn.execute(sa.text("set local synchronous_commit = on"))
        conn.execute(sa.text("create table t (v int)"))
        conn.execute(sa.text("insert into t values (1)"))
    conn = engine.connect()  # an open connection across the crash

    pg.kill()

    assert not pg.is_running()
    with pytest.raises(OperationalError):
        conn.execute(sa.text("select 1"))
    conn.invalidate()
    conn.close()
    engine.dispose()
    with pytest.raises(OperationalError):
        scalar(url, "select 1")

    pg.restart()  # crash recovery
    assert pg.is_running()
    assert scalar(url, "select count(*) from t") == 1

    # start_again() works after a kill too, and kill() on a dead server is a no-op.
    pg.kill()
    pg.kill()
    pg.start_again()
    assert scalar(url, "select v from t") == 1


@pytest.mark.postgres
def test_stop_and_start_again(pg: PgServer) -> None:
    pg.stop()
    assert not pg.is_running()
    pg.stop()  # idempotent
    pg.start()  # start() on a stopped server reuses the cluster and port
    assert pg.is_running()
    assert scalar(pg.url(), "select current_user") == "postgres"


@pytest.mark.postgres
def test_context_manager_and_base_dir_cleanup() -> None:
    require_postgres()
    base = Path(tempfile.mkdtemp(prefix="pgserver-test-"))
    base.chmod(0o755)  # the postgres user must be able to traverse it when we are root
    try:
        with PgServer(base_dir=base) as server:
            workdir = server.workdir
            assert workdir is not None
            assert workdir.parent == base.resolve()
            assert server.is_running()
            assert scalar(server.url(), "select 1") == 1
        assert not server.is_running()
        assert not workdir.exists()
        assert base.exists()
        server.close()  # idempotent
        with pytest.raises(PgServerError):
            server.start()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.skipif(os.geteuid() != 0, reason="only root drops privileges to 'postgres'")
def test_untraversable_base_dir_is_reported_when_root(tmp_path: Path) -> None:
    require_postgres()
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    server = PgServer(base_dir=hidden / "pg")
    try:
        if os.stat(hidden).st_mode & 0o001:
            pytest.skip("tmp dir unexpectedly world-searchable")
        with pytest.raises(PgServerError, match="cannot traverse"):
            server.start()
    finally:
        server.close()
