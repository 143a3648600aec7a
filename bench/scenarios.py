"""What `make bench` measures; each section adds rows with targets from issue 6."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import Any

from bench import features
from bench.harness import (
    PARTICIPANTS,
    ROOT,
    SECRET,
    Bench,
    Row,
    bot_env,
    migrate,
    rss_mb,
    start_bare,
    start_bot,
    stop,
)
from bench.load import run_load, signed_command

ZONES = [
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Africa/Nairobi",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
]
USERS = ["U1", "U2", "U3", "U4"]


def seed_fake_slack(fake: Any) -> None:
    for i, uid in enumerate(USERS):
        fake.add_user(uid, tz=ZONES[i * 3 % 12], name=f"user{i}", is_admin=i == 0)
    for i, uid in enumerate(PARTICIPANTS):
        fake.add_user(uid, tz=ZONES[i % 12], name=f"member{i}")
    fake.add_channel("C1", "general", members=USERS + PARTICIPANTS)
    # The triage channels examples/catalog.yaml names (its import looks them up).
    for name in ("lustre-support", "egi-core-support", "arc-support", "community-platforms"):
        fake.add_channel("C" + name.replace("-", "").upper()[:10], name)
    fake.add_channel("CF5", "f5-openstack")


def wgbot(args: list[str], db_url: str, api_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=bot_env(db_url, api_url, 1),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def ack_section(bench: Bench, fake: Any) -> None:
    print("\nAck latency and throughput (signed slash commands over loopback, SQLite)")
    db_url = f"sqlite:///{bench.workdir / 'ack.db'}"
    migrate(db_url, fake.url)
    imported = wgbot(
        ["catalog", "import", str(ROOT / "examples" / "catalog.yaml"), "--team", "T1"],
        db_url,
        fake.url,
    )
    if imported.returncode != 0:
        print(f"  (catalog import failed: {imported.stderr.strip()[:200]})")

    results: dict[str, dict[int, Any]] = {}

    def measure(name: str, port: int, command: str, text: Any, clients: int) -> None:
        maker = lambda idx, seq: signed_command(  # noqa: E731
            SECRET,
            command,
            text(idx, seq) if callable(text) else text,
            user=USERS[idx % len(USERS)],
        )
        res = run_load(name, port, maker, clients=clients, seconds=bench.seconds)
        bench.loads.append(res)
        results.setdefault(name, {})[clients] = res
        print(
            f"  {name:<30} {clients:>3} clients  p50 {res.pct(50):7.2f} ms  p99 {res.pct(99):7.2f} ms  "
            f"{res.throughput:8.0f} req/s  errors {res.errors}",
            flush=True,
        )

    for mode in ("default", "pbr"):
        proc, port = start_bare(mode, fake.url)
        try:
            for clients in (1, 8, 32):
                measure(f"bare Bolt echo ({mode})", port, "/echo", "hi", clients)
        finally:
            stop(proc)

    proc, port, startup = start_bot(db_url, fake.url)
    try:
        time.sleep(0.5)
        idle = rss_mb(proc.pid)
        peak = [idle]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.is_set():
                peak[0] = max(peak[0], rss_mb(proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for clients in (1, 8, 32):
            measure("/wg help", port, "/wg", "help", clients)
            measure("/support lookup (read)", port, "/support", "lookup lustre", clients)
            measure(
                "/action add (write)",
                port,
                "/action",
                lambda idx, seq: f"add <@U{idx % 4 + 1}> bench task {idx}-{seq}",
                clients,
            )
        sampling.set()
        sampler.join()
    finally:
        stop(proc)

    # The same commands with one HTTP process per core (`wgbot serve --workers 2`).
    proc, port, _ = start_bot(db_url, fake.url, workers=2)
    try:
        time.sleep(0.5)
        for clients in (8, 32):
            measure("/wg help, 2 workers", port, "/wg", "help", clients)
            measure("/support lookup, 2 workers", port, "/support", "lookup lustre", clients)
            measure(
                "/action add, 2 workers",
                port,
                "/action",
                lambda idx, seq: f"add <@U{idx % 4 + 1}> bench task w{idx}-{seq}",
                clients,
            )
    finally:
        stop(proc)

    pbr = results["bare Bolt echo (pbr)"][1].pct(50)
    default = results["bare Bolt echo (default)"][1].pct(50)
    write = results["/action add (write)"][1].pct(50)
    bench.add(
        Row(
            "write p50 vs 3x pbr bare-Bolt echo (1 client)",
            write,
            "ms",
            f"<= {3 * pbr:.2f}",
            write <= 3 * pbr,
        )
    )
    bench.add(
        Row(
            "write p50 vs default bare-Bolt echo (1 client)",
            write,
            "ms",
            f"< {default:.2f}",
            write < default,
        )
    )
    for name in (
        "/wg help",
        "/support lookup (read)",
        "/action add (write)",
        "/wg help, 2 workers",
        "/support lookup, 2 workers",
        "/action add, 2 workers",
    ):
        rps = results[name][8].throughput
        errors = results[name][8].errors
        bench.add(
            Row(
                f"{name} throughput at 8 clients",
                rps,
                "req/s",
                ">= 1000",
                rps >= 1000 and errors == 0,
            )
        )
    bench.add(Row("RSS idle", idle, "MB", "<= 200", idle <= 200))
    bench.add(Row("RSS under load (peak)", peak[0], "MB", "<= 200", peak[0] <= 200))
    bench.add(Row("start to first answered request", startup, "s", "<= 2", startup <= 2))


def feature_section(bench: Bench, fake: Any) -> None:
    print("\nFeature timings")
    features.run(bench, fake)


def reminder_section(bench: Bench, fake: Any) -> None:
    print("\nReminder lag")
    features.reminder_lag(bench, fake)
