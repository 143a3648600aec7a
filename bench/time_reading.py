"""Time as people write it (issue 13): `/meeting times` in 10 zones, the place index's
first load, and (bench/check.py) `/meeting check` of a 2,000-character paragraph.

Target: p50 <= 5 ms in the server. "In the server" is the handler's own work (parse,
convert, render), timed in-process; the HTTP round trip over loopback is shown beside
it for what a user waits.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.harness import SECRET, Bench, Row, migrate, start_bot, stop

TARGET_MS = 5.0
RUNS = 200
TEN_ZONES = (
    "Los Angeles, Denver, Chicago, New York, São Paulo, London, Zürich, India, Tokyo, Sydney"
)
TIMES = f"thursday 9/27 7am PDT in {TEN_ZONES}"


def in_server(db_url: str, api_url: str, command: str, text: str) -> tuple[float, float, float]:
    """(p50 ms, p95 ms, p50 CPU ms) of the server's own work for one command.

    The real dispatcher on the migrated database: the transaction, the handler (parse,
    convert, render) and queueing nothing; no HTTP, no signature check.
    """
    from bot.app import build_bot
    from bot.commands.dispatch import Identity
    from bot.config import Settings

    settings = Settings(
        database_url=db_url,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        port=0,
        public_url="http://wgbot.bench",
    )
    bot = build_bot(settings, pool_size=2)
    who = Identity(team_id="T1", user_id="U1", channel_id="C1", channel_name="bench")

    def once() -> tuple[float, float, str]:
        t, cpu = time.perf_counter(), time.thread_time()
        reply = bot.dispatcher.run_command(command, text, who)
        return (time.perf_counter() - t) * 1000, (time.thread_time() - cpu) * 1000, reply.text

    first = once()  # the user's zone from Slack, zone data, templates: once per process
    if "went wrong" in first[2]:
        raise RuntimeError(first[2])
    took = [once() for _ in range(RUNS)]
    bot.rt.db.engine.dispose()
    ms = sorted(t for t, _, _ in took)
    return statistics.median(ms), ms[int(len(ms) * 0.95)], statistics.median(c for _, c, _ in took)


def run(bench: Bench, fake: Any) -> None:
    from bench import check, places
    from bench.features import median_of

    db_url = f"sqlite:///{bench.workdir / 'times.db'}"
    migrate(db_url, fake.url)
    p50, p95, cpu = in_server(db_url, fake.url, "meeting", f"times {TIMES}")
    bench.add(
        Row(
            f"/meeting times in 10 zones (in the server, p50 of {RUNS})",
            p50,
            "ms",
            f"<= {TARGET_MS:.0f} ms",
            p50 <= TARGET_MS,
            note=f"{cpu:.2f} ms CPU, p95 {p95:.2f} ms",
        )
    )
    proc, port, _ = start_bot(db_url, fake.url)
    try:
        ms, answer = median_of(port, "/meeting", f"times {TIMES}")
        whole = "Tokyo" in answer and "Traceback" not in answer and "went wrong" not in answer
        bench.add(
            Row(
                "/meeting times in 10 zones (HTTP round trip, median of 20)",
                ms,
                "ms",
                "",
                None if whole else False,
                note="signed request, transaction and answer over loopback",
            )
        )
    finally:
        stop(proc)
    text = check.paragraph()
    p50, p95, cpu = in_server(db_url, fake.url, "meeting", f"check {text}")
    bench.add(
        Row(
            f"/meeting check of a {len(text):,}-char paragraph (in the server, p50 of {RUNS})",
            p50,
            "ms",
            f"<= {TARGET_MS:.0f} ms",
            p50 <= TARGET_MS,
            note=f"{cpu:.2f} ms CPU, p95 {p95:.2f} ms",
        )
    )
    check.run(bench, fake)
    found = places.measure()
    bench.extra["places"] = found
    bench.add(
        Row(
            "place index: first load in a fresh process (median of 5)",
            found["first_load_ms"],
            "ms",
            f"<= {places.TARGET_FIRST_LOAD_MS:.0f} ms",
            found["first_load_ms"] <= places.TARGET_FIRST_LOAD_MS,
            note=f"then {found['resolve_p50_us']:.1f} µs per name",
        )
    )
