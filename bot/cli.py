"""The `wgbot` command line: serve, worker, migrate, doctor, console, start, catalog."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.commands.registry import CliCommand
from bot.config import Settings, load_settings
from bot.errors import ConfigError

log = logging.getLogger("wgbot")


def _setup_logging(level: str, fmt: str = "text") -> None:
    from bot import logs

    logs.setup(level, fmt)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def _schema_is_current(settings: Settings) -> bool:
    """Whether the database is migrated; a schema newer than this wgbot raises SchemaTooNew."""
    from bot.migrate import schema_is_current

    return schema_is_current(settings.database_url)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.migrate import upgrade

    # Concurrent runs wait for the migration lock, then find nothing to do.
    upgrade(settings.database_url)
    print(f"wgbot: database is up to date ({_redact(settings.database_url)})")
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy of the SQLite database, taken while the bot runs."""
    import time

    from bot.housekeeping.backup import backup_sqlite

    started = time.monotonic()
    size = backup_sqlite(settings.database_url, Path(args.file))
    print(
        f"wgbot: backed up {_redact(settings.database_url)} to {args.file} "
        f"({size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s)"
    )
    return 0


def _redact(url: str) -> str:
    from bot.redact import mask_url

    return mask_url(url)


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """Check the configuration, the database and Slack; one line per check."""
    from bot.doctor import run_doctor

    probe = None
    if settings.slack_bot_token:
        from bot.slack.doctor import SlackProbe

        probe = SlackProbe(settings.slack_bot_token, settings.slack_api_url)
    checks = run_doctor(settings, probe)
    for check in checks:
        print(check.line(), flush=True)
    return 0 if all(check.status == "ok" for check in checks) else 1


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    if args.port is not None:
        settings = replace(settings, port=args.port)
    if args.host is not None:
        settings = replace(settings, host=args.host)
    if not settings.has_slack_credentials and not args.socket_mode:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "serve needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or use `wgbot console`)",
        )
    if args.socket_mode and not settings.slack_app_token:
        raise ConfigError("SLACK_APP_TOKEN", "Socket Mode needs an app-level token (xapp-…)")
    if args.socket_mode and not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN", "Socket Mode needs the bot token (xoxb-…)")
    if not _schema_is_current(settings):
        print(
            "wgbot: the database schema is not current; run `wgbot migrate` first", file=sys.stderr
        )
        return 2
    if args.workers > 1:
        from bot.multiproc import serve_workers

        return serve_workers(
            settings, workers=args.workers, threads=args.threads, roles=_roles(args)
        )

    from bot.app import build_bot

    bot = build_bot(settings)
    bot.start_background(delivery=not args.no_delivery, scheduler=not args.no_scheduler)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    if args.socket_mode:
        from bot.app import wsgi_app
        from bot.slack.socket_mode import SocketMode
        from bot.slack.web import make_server

        # Slack comes over the WebSocket, but the links the bot posts (calendar feeds,
        # minutes pages) and /healthz still need an HTTP server on PORT.
        pages = make_server(
            wsgi_app(bot, slack_over_http=False), settings.host, settings.port, threads=args.threads
        )
        pages_thread = threading.Thread(
            target=_serve_until_closed, args=(pages,), name="pages", daemon=True
        )
        pages_thread.start()
        handler = SocketMode(bot.bolt, settings.slack_app_token or "")
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        handler.connect()
        print(
            "wgbot: connected to Slack over Socket Mode; pages and /healthz on "
            f"http://{settings.host}:{pages.effective_port}",
            file=sys.stderr,
            flush=True,
        )
        _wait_for_signal(stop)
        handler.close()
        pages.close()
        pages_thread.join(5)
        bot.stop()
        return 0

    from bot.app import wsgi_app
    from bot.slack.web import make_server

    server = make_server(wsgi_app(bot), settings.host, settings.port, threads=args.threads)

    def shutdown(signum: int, _frame: Any) -> None:
        threading.Thread(target=server.close, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(
        f"wgbot: serving Slack at http://{settings.host}:{server.effective_port}/slack/events "
        f"(health: /healthz, public URL {settings.public_url})",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.run()
    except (OSError, ValueError):
        pass  # closed by the signal handler
    finally:
        bot.stop()
    return 0


def _serve_until_closed(server: Any) -> None:
    # close() from another thread pulls the sockets from under waitress's select().
    with contextlib.suppress(OSError, ValueError):
        server.run()


def _roles(args: argparse.Namespace) -> dict[str, bool]:
    return {"delivery": not args.no_delivery, "scheduler": not args.no_scheduler}


def _wait_for_signal(stop: threading.Event) -> None:
    """Wait for a signal handler to set `stop`.

    Never one blocking wait: a process-directed SIGTERM may be delivered to another
    thread, and a main thread blocked in a lock is not woken to run Python's handler
    (a worker then ignored `docker stop` about one time in nine).
    """
    while not stop.wait(0.25):
        pass


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Scheduler and outbox delivery without HTTP: the background role on its own."""
    if not _schema_is_current(settings):
        print(
            "wgbot: the database schema is not current; run `wgbot migrate` first", file=sys.stderr
        )
        return 2
    from bot.app import build_bot

    bot = build_bot(settings)
    bot.start_background(delivery=not args.no_delivery, scheduler=not args.no_scheduler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("wgbot: worker running (outbox delivery and scheduled jobs)", file=sys.stderr, flush=True)
    _wait_for_signal(stop)
    bot.stop()
    return 0


def _default_tz() -> str:
    tz = os.environ.get("TZ", "").strip()
    if tz:
        return tz
    try:
        link = Path("/etc/localtime").resolve()
        if "zoneinfo/" in str(link):
            return str(link).split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import Console, interactive_lines
    from bot.errors import UsageError
    from bot.migrate import upgrade
    from bot.timekit.zones import profile_zone

    tz = args.tz or _default_tz()
    try:
        tz = profile_zone(tz)
    except UsageError as e:
        raise ConfigError("--tz", e.message) from None
    upgrade(settings.database_url)
    files = getattr(args, "files", None)
    console = Console(
        settings,
        user=args.user,
        channel=args.channel,
        tz=tz,
        files_dir=Path(files) if files else None,
    )
    if sys.stdin.isatty():
        console.run(interactive_lines(lambda: console.prompt), interactive=True)
    else:
        console.run(sys.stdin, interactive=False)
    return 0


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """What `make run` calls: serve with Slack credentials, else the local console."""
    if settings.slack_app_token and settings.slack_bot_token:
        print(
            "wgbot: SLACK_APP_TOKEN and SLACK_BOT_TOKEN are set, so starting Socket Mode",
            flush=True,
        )
        args.socket_mode, args.port, args.host, args.workers = True, None, None, 1
        args.no_delivery = args.no_scheduler = False
        args.threads = 16
        return cmd_serve(args, settings)
    if settings.has_slack_credentials:
        print(
            f"wgbot: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set, so serving HTTP on port {settings.port}",
            flush=True,
        )
        args.socket_mode, args.port, args.host, args.workers = False, None, None, 1
        args.no_delivery = args.no_scheduler = False
        args.threads = 16
        return cmd_serve(args, settings)
    print(
        "wgbot: no Slack credentials (SLACK_BOT_TOKEN/SLACK_SIGNING_SECRET unset), so starting the local console",
        flush=True,
    )
    args.user, args.channel, args.tz = os.environ.get("USER") or "you", "general", None
    return cmd_console(args, settings)


def _run_with_database(command: CliCommand) -> Callable[[argparse.Namespace, Settings], int]:
    """A feature's subcommand runs on the migrated database, which the command line owns."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        from bot.db import Database
        from bot.migrate import upgrade

        upgrade(settings.database_url)
        db = Database(settings.database_url, pool_size=1)

        def this_workspace() -> str | None:
            from bot.slack.oauth import team_of_token

            return team_of_token(settings)

        def channel_ids(team_id: str, names: Sequence[str]) -> dict[str, str]:
            from bot.slack.channels import channel_ids_for

            return channel_ids_for(settings, db, team_id, names)

        try:
            return command.run(args, db, this_workspace, channel_ids)
        finally:
            db.dispose()

    return run


def build_parser(extra: Iterable[CliCommand] = ()) -> argparse.ArgumentParser:
    """The whole command line: the bot's own verbs, then each feature's (`extra`)."""
    parser = argparse.ArgumentParser(
        prog="wgbot", description="A Slack bot for community working groups."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve Slack over HTTP (or --socket-mode)")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument("--host", help="address to bind (default: 0.0.0.0)")
    serve.add_argument(
        "--socket-mode", action="store_true", help="connect over Socket Mode instead of HTTP"
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="HTTP worker processes sharing the port"
    )
    serve.add_argument("--threads", type=int, default=16, help="request threads per process")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled jobs here")
    serve.add_argument("--no-delivery", action="store_true", help="do not deliver the outbox here")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run scheduled jobs and outbox delivery only")
    worker.add_argument("--no-scheduler", action="store_true")
    worker.add_argument("--no-delivery", action="store_true")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    backup = sub.add_parser(
        "backup", help="copy the SQLite database to FILE while the bot runs (PostgreSQL: pg_dump)"
    )
    backup.add_argument("file", metavar="FILE", help="where to write the copy (replaced)")
    backup.set_defaults(func=cmd_backup)

    doctor = sub.add_parser(
        "doctor", help="check the configuration, the database and Slack, one line per check"
    )
    doctor.set_defaults(func=cmd_doctor)

    console = sub.add_parser("console", help="a local REPL with no Slack")
    console.add_argument("--user", default=os.environ.get("USER") or "you", help="your user name")
    console.add_argument("--channel", default="general", help="the channel you type in")
    console.add_argument(
        "--tz", help="your time zone: an IANA name or a city (default: this machine's)"
    )
    console.add_argument(
        "--files",
        help="where uploaded files and opened pages are saved (default: ./wgbot-console-files)",
    )
    console.set_defaults(func=cmd_console)

    start = sub.add_parser("start", help="serve when Slack credentials are set, else the console")
    start.set_defaults(func=cmd_start)

    for command in extra:
        p = sub.add_parser(command.name, help=command.help)
        command.add_arguments(p)
        p.set_defaults(func=_run_with_database(command))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot.app import registry

    args = build_parser(registry().cli.values()).parse_args(argv)
    settings: Settings | None = None
    try:
        settings = load_settings()
        _setup_logging(settings.log_level, settings.log_format)
        _redact_logs(settings)
        return int(args.func(args, settings))
    except ConfigError as exc:
        _fail(f"configuration error: {exc.variable}: {exc.problem}", settings)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A start-up failure (database unreachable or read-only, a schema from a newer
        # wgbot) is one line and status 2; its traceback only with LOG_LEVEL=DEBUG.
        log.debug("%s failed", args.command, exc_info=True)
        _fail(startup_failure(exc, settings), settings)
        return 2


def _secrets(settings: Settings | None) -> list[str | None]:
    if settings is None:
        # Settings could not be read: mask whatever secrets the environment holds.
        names = (
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            "SLACK_SIGNING_SECRET",
            "SLACK_CLIENT_SECRET",
            "METRICS_TOKEN",
        )
        return [os.environ.get(name) for name in names]
    from sqlalchemy.engine import make_url

    try:
        db_password = make_url(settings.database_url).password
    except Exception:
        db_password = None
    return [
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
        settings.slack_client_secret,
        getattr(settings, "metrics_token", None),
        str(db_password) if db_password else None,
    ]


def _fail(message: str, settings: Settings | None) -> None:
    from bot.redact import redact

    print(f"wgbot: {redact(message, _secrets(settings))}", file=sys.stderr, flush=True)


class _RedactFilter(logging.Filter):
    """Masks URL passwords, Slack tokens and the configured secrets in every record."""

    def __init__(self, secrets: list[str | None]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        from bot.redact import redact

        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _redact_logs(settings: Settings) -> None:
    """No log line carries a token, a secret or a database password."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, _RedactFilter)]:
            handler.removeFilter(old)
        handler.addFilter(_RedactFilter(_secrets(settings)))


def startup_failure(exc: BaseException, settings: Settings | None) -> str:
    """One line saying what stopped the command and what to do."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from bot.faultlog import one_line
    from bot.migrate import SchemaTooNew

    if isinstance(exc, SchemaTooNew):
        return str(exc)
    where = _redact(settings.database_url) if settings is not None else "the database"
    detail = one_line(exc)
    if isinstance(exc, DBAPIError | SQLAlchemyError):
        lowered = detail.lower()
        if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
            hint = "SQLite needs to write the file and its directory (journal and lock files)"
        else:
            hint = "check DATABASE_URL and that the database server is up"
        return f"cannot use the database {where}: {detail}; {hint}"
    if isinstance(exc, OSError):
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"cannot start: {detail}; the database's directory must be writable"
        if exc.errno == errno.EADDRINUSE:
            return f"cannot start: {detail}; another process listens on this port (set PORT)"
        return f"cannot start: {detail}"
    return f"{exc.__class__.__name__} at start-up: {detail} (LOG_LEVEL=DEBUG shows the traceback)"


if __name__ == "__main__":
    raise SystemExit(main())
