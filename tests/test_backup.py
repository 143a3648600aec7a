"""`wgbot backup FILE`: a consistent copy of the SQLite database taken while the bot writes.

Before it, the README had no way to back up a running bot (copying the file while
it writes can copy half a transaction, and misses what the WAL file holds).
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db import Database
from bot.migrate import schema_is_current
from bot.models import JobMark

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _fill(db: Database, start: int, count: int) -> None:
    """Pairs of marks, each pair in one transaction (a copy holds both or neither)."""
    for i in range(start, start + count):
        with db.write() as s:
            s.add(JobMark(team_id="T1", key=f"pair:{i}:a", created_at=NOW))
            s.add(JobMark(team_id="T2", key=f"pair:{i}:b" + "x" * 150, created_at=NOW))


def test_backup_while_another_connection_writes_restores_whole(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = Database(sqlite_url, pool_size=2)
    _fill(db, 0, 2000)
    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:
        i = 10_000
        while not stop.is_set():
            _fill(db, i, 1)
            written.append(i)
            i += 1

    writer = threading.Thread(target=keep_writing, name="writer")
    writer.start()
    target = tmp_path / "backups" / "wgbot-backup.db"
    target.parent.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    try:
        while len(written) < 20:  # the writer is under way
            threading.Event().wait(0.01)
        status = main(["backup", str(target)])
        during = len(written)
    finally:
        stop.set()
        writer.join(10)
    assert status == 0
    out = capsys.readouterr().out
    assert out.startswith("wgbot: backed up sqlite:///") and str(target) in out and " MB in " in out
    assert not Path(f"{target}.partial").exists()
    assert not Path(f"{target}-wal").exists(), "the copy is one file"
    assert sqlite3.connect(target).execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # Restore: the copy becomes a database the bot runs on.
    restored = tmp_path / "restored.db"
    shutil.copy(target, restored)
    url = f"sqlite:///{restored}"
    assert schema_is_current(url)
    copy = Database(url, pool_size=1)
    with copy.read() as s:
        count = s.scalar(select(func.count()).select_from(JobMark))
        halves = s.scalar(select(func.count()).where(JobMark.key.like("pair:%:a")))
    assert count is not None and count % 2 == 0 and halves == count // 2, "whole transactions only"
    assert 4000 + 2 * 20 <= count <= 4000 + 2 * during
    with copy.write() as s:
        s.add(JobMark(team_id="T1", key="after restore", created_at=NOW))
    copy.dispose()
    db.dispose()


def test_backup_refuses_postgresql_and_names_pg_dump(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://wgbot:secret@db.internal/wgbot")
    assert main(["backup", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pg_dump" in err and "secret" not in err
    assert not (tmp_path / "x.db").exists()


def test_backup_of_a_missing_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'gone.db'}")
    assert main(["backup", str(tmp_path / "copy.db")]) == 2
    assert "no SQLite database at" in capsys.readouterr().err
    assert not (tmp_path / "gone.db").exists(), "nothing is created"
