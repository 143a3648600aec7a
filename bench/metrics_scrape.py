"""GET /metrics with 10,000 series: how long a Prometheus scrape takes (target ≤ 20 ms).

In process, the real WSGI app behind the real server: real commands first (so the
command, latency and Slack families are there), then synthetic Slack-method series up
to 10,000, then timed scrapes over loopback. The answer is parsed once to count the
series it really held.
"""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.request
from typing import Any

from bench.harness import SECRET, Bench, Row, migrate

SERIES = 10_000
SCRAPES = 60


def _pct(values: list[float], p: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))]


def run(bench: Bench, fake: Any) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from bot import metrics
    from bot.app import build_bot, wsgi_app
    from bot.config import Settings
    from bot.slack.web import make_server

    db_url = f"sqlite:///{bench.workdir / 'metrics.db'}"
    migrate(db_url, fake.url)
    settings = Settings(
        database_url=db_url,
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=fake.url,
        port=0,
    )
    bot = build_bot(settings)
    server = make_server(wsgi_app(bot), "127.0.0.1", 0, threads=4, loop_timeout=0.05)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/metrics"
    try:
        for family in ("wg", "meeting", "support", "issue", "action", "minutes"):
            for outcome in metrics.OUTCOMES:
                metrics.command(family, outcome, 0.004)

        def scrape() -> bytes:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return bytes(resp.read())

        held = sum(len(f.samples) for f in text_string_to_metric_families(scrape().decode()))
        for i in range(max(0, SERIES - held)):
            metrics.slack_call(f"synthetic.method{i // 4}", (200, 429, 500, "error")[i % 4])
        body = scrape()  # the first scrape of new series writes their prefixes
        series = sum(len(f.samples) for f in text_string_to_metric_families(body.decode()))
        took: list[float] = []
        for _ in range(SCRAPES):
            start = time.perf_counter()
            scrape()
            took.append((time.perf_counter() - start) * 1000)
        p50 = _pct(took, 50)
        bench.add(
            Row(
                f"/metrics with {series:,} series, median of {SCRAPES} scrapes",
                p50,
                "ms",
                "<= 20 ms",
                p50 <= 20,
                note=f"p90 {_pct(took, 90):.1f} ms, {len(body) // 1024} KiB",
            )
        )
    finally:
        server.close()
        with contextlib.suppress(Exception):
            bot.stop()
