"""`make bench`: the real server on the real (SQLite) database, measured over loopback.

Prints a table and writes bench/results/latest.json. Targets are from issue 6;
each row says whether it met its target on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import ROOT, Bench

RESULTS = ROOT / "bench" / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per load run")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated sections: ack,features,home,reminders,lock,slack-latency,metrics,retention,sla,chart,time",
    )
    args = parser.parse_args(argv)
    sections = set(filter(None, args.only.split(","))) or {
        "ack",
        "features",
        "home",
        "reminders",
        "lock",
        "slack-latency",
        "metrics",
        "retention",
        "sla",
        "chart",
        "time",
    }

    sys.path.insert(0, str(ROOT))
    from bench import chart as support_chart
    from bench import (
        home,
        lock,
        metrics_scrape,
        retention,
        scenarios,
        sla_tick,
        slack_latency,
        time_reading,
    )
    from tests.harness.fakeslack import FakeSlack

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wgbot-bench-") as tmp:
        bench = Bench(seconds=args.seconds, workdir=Path(tmp))
        fake = FakeSlack(require_token=False, strict_channels=False)
        fake.start()
        try:
            scenarios.seed_fake_slack(fake)
            print(
                f"wgbot bench on {platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
            )
            if "ack" in sections:
                scenarios.ack_section(bench, fake)
            if "features" in sections:
                scenarios.feature_section(bench, fake)
            if "home" in sections:
                print("\nApp Home")
                home.run(bench, fake)
            if "reminders" in sections:
                scenarios.reminder_section(bench, fake)
            if "lock" in sections:
                print("database locked by another process")
                lock.run(bench, fake)
            if "slack-latency" in sections:
                print("\nAcknowledgements with Slack answering every call in 200 ms (SQLite)")
                slack_latency.run(bench)  # with a fake Slack of its own
            if "metrics" in sections:
                print("\nPrometheus scrape")
                metrics_scrape.run(bench, fake)
            if "retention" in sections:
                print("\nHousekeeping: the retention job over 1,000,000 outbox rows (SQLite)")
                retention.run(bench, fake.url)
            if "sla" in sections:
                print("\nSupport: business-hours SLA tick over 10,000 open issues (SQLite)")
                sla_tick.run(bench, fake.url)
            if "chart" in sections:
                print("\nSupport: the metrics chart of 10,000 issues over a year (SQLite)")
                support_chart.run(bench, fake.url)
            if "time" in sections:
                print("\nTime as people write it: /meeting times, /meeting check, the place index")
                time_reading.run(bench, fake)
        finally:
            fake.stop()
    out = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rows": [r.__dict__ for r in bench.rows],
        "loads": [lr.as_dict() for lr in bench.loads],
        "extra": bench.extra,
    }
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2))
    print(f"\nwritten {RESULTS / 'latest.json'}")
    missed = [r.name for r in bench.rows if r.met is False]
    if missed:
        print("targets missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
