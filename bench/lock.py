"""The database locked by another process: /healthz stays fast, no ack comes after 3 s.

Another process (a backup, `sqlite3` at a shell) holds SQLite's write lock for 35 s.
Meanwhile /healthz is probed and write commands are sent; each write must be answered
(saved or refused) within Slack's 3 s, and /healthz within 50 ms.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any

from bench.harness import SECRET, Bench, Row, migrate, start_bot, stop
from bench.load import signed_command

HOLD_S = 35.0

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=5, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def _pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))]


def run(bench: Bench, fake: Any) -> None:
    db_path = bench.workdir / "lock.db"
    db_url = f"sqlite:///{db_path}"
    migrate(db_url, fake.url)
    proc, port, _ = start_bot(db_url, fake.url)
    base = f"http://127.0.0.1:{port}"
    try:
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(db_path), str(HOLD_S)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        health_ms: list[float] = []
        acks_ms: list[float] = []
        answered: list[str] = []

        def writes() -> None:
            seq = 0
            while time.monotonic() - started < HOLD_S - 1:
                seq += 1
                body, headers = signed_command(SECRET, "/action", f"add locked {seq}", user="U1")
                req = urllib.request.Request(f"{base}/slack/events", data=body, headers=headers)
                t0 = time.perf_counter()
                with urllib.request.urlopen(req, timeout=30) as r:
                    answered.append(r.read().decode())
                acks_ms.append((time.perf_counter() - t0) * 1000)

        writer = threading.Thread(target=writes)
        writer.start()
        while time.monotonic() - started < HOLD_S - 1:
            t0 = time.perf_counter()
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as r:
                r.read()
            health_ms.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.05)
        writer.join()
        holder.wait(HOLD_S)
    finally:
        stop(proc)
    refused = sum("nothing was saved" in a for a in answered)
    bench.add(
        Row(
            f"/healthz p99 while another process holds the SQLite lock {HOLD_S:.0f} s",
            _pct(health_ms, 99),
            "ms",
            "<= 50 ms",
            _pct(health_ms, 99) <= 50,
        )
    )
    bench.add(
        Row(
            f"slowest write ack during the lock ({len(acks_ms)} writes, {refused} refused)",
            max(acks_ms),
            "ms",
            "< 3000 ms",
            max(acks_ms) < 3000,
        )
    )
