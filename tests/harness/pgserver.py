"""A private, throw-away PostgreSQL server for tests.

``PgServer`` runs ``initdb`` into a fresh temporary directory, starts a postmaster
on a free TCP port of 127.0.0.1 (trust authentication, durability switched off
for speed) and removes everything again on ``close()``.  It never touches the
system (Debian) cluster and registers no global state: no atexit hooks, no
environment variables.

When the tests run as root, PostgreSQL refuses to run as root, so ``initdb`` and
``pg_ctl`` are run as the ``postgres`` OS user via ``runuser -u postgres --`` and
the temporary directory is chowned to that user.

Typical use::

    ok, reason = available()
    if not ok:
        pytest.skip(reason)
    with PgServer() as pg:
        url = pg.create_database("app")   # postgresql+psycopg://postgres@127.0.0.1:PORT/app
        ...
        pg.restart()                      # same port and data directory
        pg.kill()                         # SIGKILL: simulated crash
        pg.restart()                      # crash recovery, committed data survives
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

__all__ = ["PgServer", "PgServerError", "StopMode", "available"]

StopMode = Literal["smart", "fast", "immediate"]

SUPERUSER = "postgres"
"""Database superuser created by ``initdb`` (also the OS user used when running as root)."""

HOST = "127.0.0.1"

_DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
_REQUIRED_BINARIES = ("initdb", "pg_ctl")
# Unix socket paths are limited to 107 bytes; keep room for "/.s.PGSQL.65535.lock".
_MAX_SOCKDIR_LEN = 80
_START_ATTEMPTS = 5


class PgServerError(RuntimeError):
    """A PostgreSQL server could not be created, started or stopped."""


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _has_server_binaries(bindir: Path) -> bool:
    return all(_is_executable(bindir / name) for name in _REQUIRED_BINARIES)


def _version_key(version: str) -> tuple[int, ...]:
    """Sort key for directory names such as ``15`` or ``9.6`` (non-numbers sort first)."""
    parts = re.findall(r"\d+", version)
    return tuple(int(part) for part in parts) if parts else (-1,)


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _find_runuser() -> str | None:
    found = shutil.which("runuser")
    if found:
        return found
    for candidate in ("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"):
        if _is_executable(Path(candidate)):
            return candidate
    return None


def _child_env() -> dict[str, str]:
    """Environment for initdb/pg_ctl: no PG* variables leaking in, C messages."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    env.pop("LANGUAGE", None)
    return env


def _process_state(pid: int) -> str | None:
    """The one-letter state of ``pid`` from /proc (``Z`` = zombie), or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError:
        # No /proc or not readable: fall back to signal 0.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return "?"
        return "?"
    # Format: "pid (comm) state ppid ...", comm may contain spaces and parentheses.
    return raw.rpartition(")")[2].split()[0]


def _is_alive(pid: int) -> bool:
    state = _process_state(pid)
    return state is not None and state not in ("Z", "X")


def _children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc scan; empty list elsewhere)."""
    children: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw.rpartition(")")[2].split()
        if len(fields) > 1 and fields[1] == str(pid):
            children.append(int(entry))
    return children


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _postgres_ids() -> tuple[int, int, set[int]] | None:
    """uid, primary gid and all group ids of the ``postgres`` OS user (None if absent)."""
    try:
        entry = pwd.getpwnam(SUPERUSER)
    except KeyError:
        return None
    groups = set(os.getgrouplist(SUPERUSER, entry.pw_gid))
    return entry.pw_uid, entry.pw_gid, groups


def _untraversable_ancestor(path: Path, uid: int, groups: set[int]) -> Path | None:
    """The first directory in ``path`` and its ancestors that ``uid`` cannot search."""
    for directory in [path, *path.parents]:
        st = directory.stat()
        if st.st_uid == uid:
            allowed = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid in groups:
            allowed = bool(st.st_mode & stat.S_IXGRP)
        else:
            allowed = bool(st.st_mode & stat.S_IXOTH)
        if not allowed:
            return directory
    return None


def available() -> tuple[bool, str]:
    """Whether a ``PgServer`` can be started here; the string says why not (or what was found)."""
    bindir = PgServer.find_bindir()
    if bindir is None:
        return (
            False,
            "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or on "
            "PATH; install them with scripts/ensure-postgres (as root) or apt-get install postgresql",
        )
    missing = [name for name in _REQUIRED_BINARIES if not _is_executable(bindir / name)]
    if missing:
        return False, f"{bindir} has initdb but lacks {', '.join(missing)}"
    command = [str(bindir / "initdb"), "--version"]
    if _running_as_root():
        if _postgres_ids() is None:
            return (
                False,
                "running as root but there is no 'postgres' OS user to run the server as "
                "(PostgreSQL refuses to run as root)",
            )
        runuser = _find_runuser()
        if runuser is None:
            return False, "running as root but runuser(1) is missing, cannot drop to 'postgres'"
        command = [runuser, "-u", SUPERUSER, "--", *command]
    try:
        result = subprocess.run(
            command,
            cwd="/",
            env=_child_env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"cannot run {shlex.join(command)}: {exc}"
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        why = detail[-1] if detail else f"exit status {result.returncode}"
        return False, f"cannot run {shlex.join(command)}: {why}"
    return True, f"{result.stdout.strip()} in {bindir}"


class PgServer:
    """A private PostgreSQL cluster in a temporary directory, listening on 127.0.0.1.

    Attributes become meaningful after the first ``start()``: ``port``, ``workdir``
    (removed by ``close()``), ``data_dir``, ``socket_dir`` and ``log_path`` (the
    server log, appended to across restarts; handy when a test fails).

    ``settings`` adds or overrides server settings (``-c name=value``); the defaults
    trade durability for speed: fsync, synchronous_commit and full_page_writes off,
    max_connections=200, listening on 127.0.0.1 only.
    """

    def __init__(
        self,
        base_dir: Path | None = None,
        *,
        settings: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.base_dir = Path(base_dir) if base_dir is not None else None
        # Server settings passed as "-c name=value"; entries of ``settings`` override.
        self.settings: dict[str, str] = {
            "listen_addresses": HOST,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            **(settings or {}),
        }
        self.timeout = timeout
        self.bindir: Path | None = None
        self.workdir: Path | None = None
        self.socket_dir: Path | None = None
        self.port: int | None = None
        self._own_socket_dir = False
        self._closed = False

    # ------------------------------------------------------------------ discovery

    @staticmethod
    def find_bindir() -> Path | None:
        """Directory holding initdb and pg_ctl: the highest /usr/lib/postgresql/*/bin
        version, else the directory of ``initdb`` on PATH, else None."""
        debian = [
            Path(candidate)
            for candidate in glob.glob(_DEBIAN_BINDIRS)
            if _has_server_binaries(Path(candidate))
        ]
        if debian:
            return max(debian, key=lambda bindir: _version_key(bindir.parent.name))
        initdb = shutil.which("initdb")
        if initdb is None:
            return None
        # /usr/local/bin/initdb may be a symlink into the real bindir; prefer the
        # directory that really has both binaries.
        for bindir in (Path(initdb).resolve().parent, Path(initdb).parent):
            if _has_server_binaries(bindir):
                return bindir
        return Path(initdb).parent

    # ------------------------------------------------------------------ paths

    @property
    def data_dir(self) -> Path:
        return self._require_workdir() / "data"

    @property
    def log_path(self) -> Path:
        return self._require_workdir() / "postgres.log"

    def _require_workdir(self) -> Path:
        if self.workdir is None:
            raise PgServerError("PgServer has not been started yet")
        return self.workdir

    def _require_port(self) -> int:
        if self.port is None:
            raise PgServerError("PgServer has not been started yet")
        return self.port

    # ------------------------------------------------------------------ URLs

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL: ``postgresql+psycopg://postgres@127.0.0.1:PORT/dbname``."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self._require_port()}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq/psycopg connection string for ``dbname``."""
        return make_conninfo(
            host=HOST,
            port=self._require_port(),
            user=SUPERUSER,
            dbname=dbname,
            connect_timeout=10,
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Create the cluster (first call only) and start the server.

        A no-op when the server is already running; after ``stop()`` or ``kill()``
        it starts the existing cluster again on the same port.
        """
        if self._closed:
            raise PgServerError("PgServer is closed")
        if self.workdir is not None and (self.data_dir / "PG_VERSION").exists():
            self.start_again()
            return
        if self.workdir is not None:
            # A previous initdb failed half-way: start from scratch.
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        self._init_cluster()
        last_error: PgServerError | None = None
        for _attempt in range(_START_ATTEMPTS):
            self.port = _free_port()
            try:
                self._launch()
            except PgServerError as exc:
                # Another process may have grabbed the port between probing and binding.
                if "could not bind" not in str(exc) and "already in use" not in str(exc):
                    raise
                last_error = exc
                continue
            return
        raise PgServerError(f"no free port after {_START_ATTEMPTS} attempts") from last_error

    def start_again(self) -> None:
        """Start the existing cluster on its original port (after ``stop()`` or ``kill()``)."""
        if self._closed:
            raise PgServerError("PgServer is closed")
        if self.workdir is None or self.port is None:
            raise PgServerError("start_again() needs a cluster created by start()")
        if self.is_running():
            return
        self._launch()

    def restart(self) -> None:
        """Stop (if running), then start on the same port and data directory."""
        if self.is_running():
            self.stop()
        self.start_again()

    def stop(self, mode: StopMode = "fast") -> None:
        """``pg_ctl stop -m mode``; waits until the server has exited. No-op if not running."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"unknown stop mode {mode!r}")
        if self.workdir is None or not self.is_running():
            return
        self._pg_ctl("stop", "-w", "-t", str(int(self.timeout)), "-m", mode, "-D", self.data_dir)

    def kill(self) -> None:
        """SIGKILL the postmaster and its child processes (a simulated crash).

        Waits until they are gone; ``start_again()``/``restart()`` then run crash
        recovery.  No-op if the server is not running.

        With the default ``synchronous_commit=off``, transactions committed in the
        last few hundred milliseconds may be lost, exactly as on a production
        server with that setting.  Tests asserting that committed data survives a
        crash must commit with ``SET LOCAL synchronous_commit = on`` (or construct
        the server with ``settings={"synchronous_commit": "on"}``).
        """
        pid = self._postmaster_pid()
        if pid is None or not _is_alive(pid):
            return
        children = _children_of(pid)
        for victim in (pid, *children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + self.timeout
        while any(_is_alive(victim) for victim in (pid, *children)):
            if time.monotonic() > deadline:
                raise PgServerError(f"postmaster {pid} survived SIGKILL")
            time.sleep(0.01)
        self._remove_stale_lock_files()

    def is_running(self) -> bool:
        """Whether the postmaster of this cluster is alive."""
        pid = self._postmaster_pid()
        return pid is not None and _is_alive(pid)

    def close(self) -> None:
        """Stop the server (immediate mode, the data is discarded) and delete the temp dir."""
        if self._closed:
            return
        self._closed = True
        if self.workdir is None:
            return
        try:
            self.stop("immediate")
        except PgServerError:
            self.kill()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
            if self._own_socket_dir and self.socket_dir is not None:
                shutil.rmtree(self.socket_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "running" if self.is_running() else "stopped"
        return f"<PgServer port={self.port} dir={self.workdir} {state}>"

    # ------------------------------------------------------------------ databases

    def create_database(self, name: str, template: str | None = None) -> str:
        """``CREATE DATABASE name [TEMPLATE template]``; returns the SQLAlchemy URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, terminating other connections to it first."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            if conn.info.server_version >= 130000:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
                return
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    # ------------------------------------------------------------------ internals

    def _command(self, *args: str | Path) -> list[str]:
        argv = [str(arg) for arg in args]
        if not _running_as_root():
            return argv
        runuser = _find_runuser()
        if runuser is None:
            raise PgServerError("running as root but runuser(1) is missing")
        return [runuser, "-u", SUPERUSER, "--", *argv]

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        argv = self._command(*args)
        try:
            return subprocess.run(
                argv,
                cwd=self.workdir,
                env=_child_env(),
                capture_output=True,
                text=True,
                timeout=self.timeout + 30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PgServerError(f"{shlex.join(argv)} failed: {exc}") from exc

    def _pg_ctl(self, *args: str | Path) -> None:
        assert self.bindir is not None
        result = self._run(self.bindir / "pg_ctl", *args)
        if result.returncode != 0:
            raise PgServerError(
                f"pg_ctl {args[0]} failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- {self.log_path} ---\n{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def _default_base_dir(self, pg_ids: tuple[int, int, set[int]] | None) -> Path:
        base = Path(tempfile.gettempdir())
        if pg_ids is not None and _untraversable_ancestor(base, pg_ids[0], pg_ids[2]):
            # e.g. TMPDIR=/root/tmp: fall back to the world-searchable /tmp.
            return Path("/tmp")
        return base

    def _init_cluster(self) -> None:
        bindir = self.find_bindir()
        if bindir is None or not _has_server_binaries(bindir):
            raise PgServerError(available()[1])
        self.bindir = bindir
        pg_ids: tuple[int, int, set[int]] | None = None
        if _running_as_root():
            pg_ids = _postgres_ids()
            if pg_ids is None:
                raise PgServerError("running as root but there is no 'postgres' OS user")
        base = self.base_dir if self.base_dir is not None else self._default_base_dir(pg_ids)
        base.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="pgserver-", dir=base)).resolve()
        self.workdir = workdir
        socket_dir = workdir / "sock"
        if len(str(socket_dir)) > _MAX_SOCKDIR_LEN:
            socket_dir = Path(tempfile.mkdtemp(prefix="pgsock-", dir="/tmp"))
            self._own_socket_dir = True
        else:
            socket_dir.mkdir(mode=0o700)
        self.socket_dir = socket_dir
        if pg_ids is not None:
            uid, gid, groups = pg_ids
            # The socket dir lives inside workdir unless the path was too long.
            private_dirs = [workdir, socket_dir] if self._own_socket_dir else [workdir]
            for directory in (workdir, socket_dir):
                os.chown(directory, uid, gid)
                os.chmod(directory, 0o700)
            for directory in private_dirs:
                blocked = _untraversable_ancestor(directory.parent, uid, groups)
                if blocked is not None:
                    raise PgServerError(
                        f"the 'postgres' OS user cannot traverse {blocked} (mode "
                        f"{stat.filemode(blocked.stat().st_mode)}), so it cannot reach "
                        f"{directory}; use a base_dir under /tmp or chmod o+x {blocked}"
                    )
        result = self._run(
            bindir / "initdb",
            "--pgdata",
            self.data_dir,
            "--username",
            SUPERUSER,
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--auth-local",
            "trust",
            "--auth-host",
            "trust",
            "--no-sync",
            "--no-instructions",
        )
        if result.returncode != 0:
            raise PgServerError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _launch(self) -> None:
        port = self._require_port()
        assert self.socket_dir is not None
        self._remove_stale_lock_files()
        # pg_ctl hands -o to /bin/sh, hence the quoting.
        options = " ".join(
            [
                f"-p {port}",
                f"-k {shlex.quote(str(self.socket_dir))}",
                *(f"-c {shlex.quote(f'{name}={value}')}" for name, value in self.settings.items()),
            ]
        )
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            str(int(self.timeout)),
            "-D",
            self.data_dir,
            "-l",
            self.log_path,
            "-o",
            options,
        )
        self._wait_for_connections()

    def _wait_for_connections(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                with psycopg.connect(self.dsn(), autocommit=True) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline or not self.is_running():
                    raise PgServerError(
                        f"server does not accept connections: {exc}\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.02)

    def _postmaster_pid(self) -> int | None:
        if self.workdir is None:
            return None
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
        except OSError:
            return None
        try:
            pid = int(first_line.strip())
        except ValueError:
            return None
        return pid if pid > 0 else None

    def _remove_stale_lock_files(self) -> None:
        """Remove lock files of a postmaster that is dead (or a zombie nobody reaps).

        PostgreSQL removes stale lock files itself, but only when the recorded pid
        no longer exists; an unreaped zombie (containers whose PID 1 does not reap)
        would make it refuse to start.
        """
        pid = self._postmaster_pid()
        if pid is None or _is_alive(pid):
            return
        lock_files = [self.data_dir / "postmaster.pid"]
        if self.socket_dir is not None and self.port is not None:
            lock_files.append(self.socket_dir / f".s.PGSQL.{self.port}.lock")
        for lock_file in lock_files:
            with contextlib.suppress(FileNotFoundError):
                lock_file.unlink()
