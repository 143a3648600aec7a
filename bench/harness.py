"""The shared benchmark harness: results, the bot and bare-Bolt processes, migrations.

Imported by `bench.__main__` (the entry point) and by the sections in
`bench.scenarios`, `bench.features` and `bench.slack_latency`; it imports no bench
module except `bench.load`, so there is no import cycle among the bench modules.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.load import LoadResult, signed_command

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, path: str = "/healthz", timeout: float = 30.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as r:
                if r.status in (200, 404):
                    return time.perf_counter() - t0
        except urllib.error.HTTPError as e:
            if e.code in (404, 405):
                return time.perf_counter() - t0
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"server on {port} did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Row:
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Bench:
    seconds: float
    workdir: Path
    rows: list[Row] = field(default_factory=list)
    loads: list[LoadResult] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        mark = "" if row.met is None else ("  ok" if row.met else "  MISSED")
        print(f"  {row.name:<58} {row.value:>10.2f} {row.unit:<6} {row.target}{mark}", flush=True)


def bot_env(db_url: str, api_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        DATABASE_URL=db_url,
        PORT=str(port),
        LOG_LEVEL="WARNING",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    return env


def start_bot(
    db_url: str, api_url: str, workers: int = 1, threads: int | None = None
) -> tuple[subprocess.Popen[bytes], int, float]:
    """`wgbot serve` (request threads per process: the default unless `threads`)."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *(["--threads", str(threads)] if threads else []),
        ],
        env=bot_env(db_url, api_url, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Start to first answered request: a signed /wg help, not just the health check.
    deadline = time.perf_counter() + 30
    body, headers = signed_command(SECRET, "/wg", "help", user="U1")
    while time.perf_counter() < deadline:
        try:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
            )
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.005)
    return proc, port, time.perf_counter() - t0


def start_bare(mode: str, api_url: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bare_bolt", str(port), mode, api_url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_ready(port, "/nothing")
    return proc, port


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def command_maker(
    command: str, text: Callable[[int, int], str], users: list[str]
) -> Callable[[int, int], tuple[bytes, dict[str, str]]]:
    def make(idx: int, seq: int) -> tuple[bytes, dict[str, str]]:
        return signed_command(SECRET, command, text(idx, seq), user=users[idx % len(users)])

    return make


# Slack users the sections mention (seeded into the fake Slack by the scenarios).
PARTICIPANTS = [f"UP{i:03d}" for i in range(50)]


def migrate(db_url: str, api_url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env=bot_env(db_url, api_url, 1),
        check=True,
        capture_output=True,
    )
