"""`wgbot serve --workers N`: N HTTP processes sharing one listening socket.

The parent binds the port, forks the workers (each builds its own engine and bot
after the fork, so no connection crosses a process), restarts any that die, and
passes SIGTERM on. Every worker may also run outbox delivery and the scheduler:
delivery claims rows with a conditional UPDATE (and SKIP LOCKED on PostgreSQL),
and the scheduler's work is led by one process at a time (advisory lock), so
running those roles in several processes stays exactly-once.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from typing import Any

from bot.config import Settings

log = logging.getLogger(__name__)
METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _child(sock: socket.socket, settings: Settings, threads: int, roles: dict[str, bool]) -> None:
    from bot.app import build_bot, wsgi_app
    from bot.slack.web import make_server

    bot = build_bot(settings)
    bot.start_background(
        delivery=roles.get("delivery", True), scheduler=roles.get("scheduler", True)
    )
    server = make_server(wsgi_app(bot), sock=sock, threads=threads)

    def stop(signum: int, _frame: Any) -> None:
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server.run()
    except (OSError, ValueError):
        pass
    finally:
        bot.stop()
    os._exit(0)


def _shared_metrics_dir() -> str | None:
    """Point prometheus-client's multiprocess mode at a fresh directory, before any fork.

    The workers then write their counters there and /metrics sums them (README,
    Metrics); a directory the operator chose (PROMETHEUS_MULTIPROC_DIR) is used as is.
    """
    if os.environ.get(METRICS_ENV):
        return None
    from bot.metrics import enable_multiprocess

    path = tempfile.mkdtemp(prefix="wgbot-metrics-")
    if not enable_multiprocess(path):
        log.warning("metrics were in use before the workers: each worker reports its own")
        shutil.rmtree(path, ignore_errors=True)
        return None
    return path


def serve_workers(settings: Settings, *, workers: int, threads: int, roles: dict[str, bool]) -> int:
    own_metrics_dir = _shared_metrics_dir()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(1024)
    sock.setblocking(False)
    print(
        f"wgbot: serving Slack with {workers} worker processes on "
        f"http://{settings.host}:{sock.getsockname()[1]}/slack/events",
        file=sys.stderr,
        flush=True,
    )
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            _child(sock, settings, threads, roles)
        children[pid] = slot

    def on_term(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                children.pop(pid, None)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    for slot in range(workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid in children:
            dead_slot = children.pop(pid)
            _forget_worker(pid)
            if not stopping:
                log.warning("worker %s exited with status %s; starting another", pid, status)
                time.sleep(0.5)
                spawn(dead_slot)
    sock.close()
    if own_metrics_dir:
        shutil.rmtree(own_metrics_dir, ignore_errors=True)
    return 0


def _forget_worker(pid: int) -> None:
    """A dead worker's live gauges (scheduler leadership) stop counting."""
    if os.environ.get(METRICS_ENV):
        from bot.metrics import process_dead

        process_dead(pid)
