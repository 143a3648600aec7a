"""Every start-up failure is one line with exit status 2, and no secret is ever printed.

Each case runs the real command line in a subprocess with a bot token, an app token,
a signing secret, a client secret and a database password set, and reads all it
prints for them. `wgbot migrate` takes a lock: three at once on a fresh database all
succeed.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.pgserver import PgServer

BOT_TOKEN = "xoxb-1111-2222-SeCrEtBoTtOkEn"
APP_TOKEN = "xapp-1-A0111-3333-SeCrEtApPtOkEn"
SIGNING_SECRET = "signing-5f4dcc3b5aa765d61d83"
CLIENT_SECRET = "client-7c6a180b36896a0a8c02"
DB_PASSWORD = "S3cretDbPw"
SECRETS = (
    BOT_TOKEN,
    "SeCrEtBoTtOkEn",
    APP_TOKEN,
    "SeCrEtApPtOkEn",
    SIGNING_SECRET,
    CLIENT_SECRET,
    DB_PASSWORD,
)
NEWER = "f00dfacefeed"


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "LOG_", "WGBOT_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_CLIENT_ID="1111.2222",
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        DATABASE_URL=database_url,
        PORT=str(_closed_port()),
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}  # "": unset


def _command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def _check(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """Nothing the process printed holds a secret, and it printed no traceback."""
    said = proc.stdout + proc.stderr
    for secret in SECRETS:
        assert secret not in said, f"{secret!r} printed:\n{said}"
    assert "Traceback" not in said, said
    return proc


def _run(
    args: list[str], database_url: str, cwd: Path, *, prefix: list[str] = (), **extra: str
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*prefix, *_command(args)],
        env=_env(database_url, **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return _check(proc)


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("wgbot: ")
    return lines[0]


def _migrated_sqlite(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "wgbot.db"
    shutil.copy(sqlite_template, path)
    return path


# -- a schema from a newer release ------------------------------------------------------


def _stamp_newer(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (NEWER,))


@pytest.mark.parametrize("command", ["migrate", "serve", "worker", "doctor"])
def test_a_schema_from_a_newer_wgbot_is_named(
    command: str, tmp_path: Path, sqlite_template: Path
) -> None:
    db = _migrated_sqlite(tmp_path, sqlite_template)
    _stamp_newer(db)
    proc = _run([command], f"sqlite:///{db}", tmp_path, SLACK_API_URL="http://127.0.0.1:9/api/")
    expected = (
        f"this database was migrated by a newer wgbot (revision {NEWER}); "
        "upgrade wgbot or restore a backup"
    )
    if command == "doctor":  # the doctor reports it among its checks
        assert proc.returncode == 1
        assert f"FAIL revision: {expected}" in proc.stdout.splitlines()
        return
    assert _one_line(proc) == f"wgbot: {expected}"
    with sqlite3.connect(db) as conn:  # and nothing was touched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(NEWER,)]


# -- the database cannot be reached ------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("command", ["migrate", "serve", "worker"])
def test_an_unreachable_database_is_one_line_without_the_password(
    command: str, tmp_path: Path
) -> None:
    url = f"postgresql://wg:{DB_PASSWORD}@127.0.0.1:{_closed_port()}/wg"
    line = _one_line(_run([command], url, tmp_path))
    assert line.startswith(
        "wgbot: cannot use the database postgresql+psycopg://wg:***@127.0.0.1:"
    ), line
    assert "check DATABASE_URL and that the database server is up" in line


def test_a_malformed_database_url_is_echoed_with_the_password_masked(tmp_path: Path) -> None:
    line = _one_line(_run(["migrate"], f"mysql://wg:{DB_PASSWORD}@h/db", tmp_path))
    assert line == (
        "wgbot: configuration error: DATABASE_URL: expected sqlite:///FILE or "
        "postgresql://USER@HOST/DB, got 'mysql://wg:***@h/db'"
    )


def test_a_malformed_token_is_not_echoed(tmp_path: Path) -> None:
    proc = _run(["serve"], "sqlite:///x.db", tmp_path, SLACK_BOT_TOKEN="SeCrEtBoTtOkEn")
    assert _one_line(proc) == (
        "wgbot: configuration error: SLACK_BOT_TOKEN: expected a token starting with xoxb-"
    )


# -- a read-only filesystem ----------------------------------------------------------------


def _read_only_prefix(folder: Path) -> list[str]:
    """Run the command with `folder` read-only: a read-only bind mount, or file modes."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    if shutil.which("unshare") is None:
        pytest.skip("root, and no unshare(1) to mount a read-only filesystem")
    probe = subprocess.run(
        ["unshare", "-m", "true"], capture_output=True, text=True, timeout=30, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"root, and unshare -m is not allowed here: {probe.stderr.strip()}")
    # A private mount namespace: the bind mount is seen by the command only.
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, str(folder)]


@pytest.fixture
def read_only_folder(tmp_path: Path, sqlite_template: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(sqlite_template, folder / "wgbot.db")
    try:
        yield folder
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("command", ["migrate", "serve", "worker"])
def test_a_read_only_filesystem_is_one_line(command: str, read_only_folder: Path) -> None:
    prefix = _read_only_prefix(read_only_folder)
    url = f"sqlite:///{read_only_folder / 'wgbot.db'}"
    line = _one_line(_run([command], url, read_only_folder.parent, prefix=prefix))
    assert "database" in line, line
    assert any(
        words in line
        for words in ("Read-only file system", "Permission denied", "readonly", "unable to open")
    ), line


def test_a_port_in_use_is_one_line(tmp_path: Path, sqlite_template: Path) -> None:
    db = _migrated_sqlite(tmp_path, sqlite_template)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _run(
            ["serve", "--host", "127.0.0.1", "--port", str(port)],
            f"sqlite:///{db}",
            tmp_path,
            SLACK_API_URL="http://127.0.0.1:9/api/",
            SLACK_CLIENT_ID="",
            SLACK_CLIENT_SECRET="",
        )
    # The bot was built before the port was taken: its start-up lines come first.
    assert proc.returncode == 2
    [line] = [x for x in proc.stderr.splitlines() if x.startswith("wgbot: ")]
    assert proc.stderr.strip().splitlines()[-1] == line
    assert "Address already in use" in line and "set PORT" in line, line


# -- migrate takes a lock -------------------------------------------------------------------


def _migrate_at_once(url: str, cwd: Path, n: int = 3) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            _command(["migrate"]),
            env=_env(url),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        done.append(_check(subprocess.CompletedProcess(p.args, p.returncode, out, err)))
    return done


def _heads() -> set[str]:
    from bot.migrate import known_revisions

    return known_revisions("sqlite://")[1]


def test_three_concurrent_migrations_of_a_fresh_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    for proc in _migrate_at_once(f"sqlite:///{db}", tmp_path):
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"wgbot: database is up to date (sqlite:///{db})"
    with sqlite3.connect(db) as conn:
        assert {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")} == _heads()


@pytest.mark.postgres
def test_three_concurrent_migrations_of_a_fresh_postgres_database(
    tmp_path: Path, pg_server: PgServer | None
) -> None:
    if pg_server is None:
        pytest.skip("PostgreSQL not available")
    name = f"fresh_{uuid.uuid4().hex[:10]}"
    url = pg_server.create_database(name)
    try:
        # Trust authentication ignores the password; it must still never be printed.
        with_password = url.replace("postgres@", f"postgres:{DB_PASSWORD}@", 1)
        assert DB_PASSWORD in with_password
        for proc in _migrate_at_once(with_password, tmp_path):
            assert proc.returncode == 0, proc.stderr
            assert "postgres:***@" in proc.stdout
        from bot.migrate import current_heads

        assert current_heads(url) == _heads()
    finally:
        pg_server.drop_database(name)


# -- what is masked --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("mysql://wg:S3cret@h/db", "mysql://wg:***@h/db"),
        ("postgresql+psycopg://wg:p@ss:w0rd@db:5432/wg", "postgresql+psycopg://wg:***@db:5432/wg"),
        ("postgresql://wg@db/wg", "postgresql://wg@db/wg"),  # no password
        ("sqlite:////var/lib/wgbot/wgbot.db", "sqlite:////var/lib/wgbot/wgbot.db"),
        ("see https://u:pw@x.org/a and xoxb-1-2-abc", "see https://u:***@x.org/a and xoxb-***"),
        ("app xapp-1-A0-3-abcdef, user xoxp-9-8", "app xapp-***, user xoxp-***"),
    ],
)
def test_redact(text: str, shown: str) -> None:
    from bot.redact import redact

    assert redact(text) == shown


def test_redact_known_secrets_longest_first() -> None:
    from bot.redact import redact

    assert redact("sig=abcd1234 and abcd", ["abcd", "abcd1234", None, ""]) == "sig=*** and ***"
