"""Make docs/metrics-chart.png: the support metrics chart of a sample quarter.

    .venv/bin/python scripts/draw_metrics_chart.py [--out docs/metrics-chart.png]

Issues of seven providers (names in Latin with accents, Cyrillic, Greek and Japanese)
over Q3 2026 are made up with a fixed seed, then go through the code that
`/support metrics last-quarter chart` runs: the arithmetic (bot.support.metrics) and
the drawing (bot.support.chart). Needs a CJK font (scripts/ensure-fonts).
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.support import chart, metrics  # noqa: E402
from bot.support.periods import parse_period  # noqa: E402

# Provider, tier, issues a quarter, the share answered and closed in time.
PROVIDERS = (
    ("Whamcloud", "extended", 60, 0.96),
    ("Université de Genève", "premium", 35, 0.93),
    ("Яндекс Облако", "extended", 45, 0.81),
    ("さくらインターネット", "premium", 25, 0.91),
    ("Εθνικό Δίκτυο Έρευνας και Τεχνολογίας", "extended", 20, 0.74),
    ("F5 OpenStack Team", "premium", 30, 0.88),
    ("Volunteers", "best-effort", 15, 0.6),
)


def sample_facts(since: datetime, until: datetime, seed: int = 14) -> list[metrics.IssueFacts]:
    rnd = random.Random(seed)
    span = (until - since).total_seconds()
    facts = []
    for name, tier, count, in_time in PROVIDERS:
        for _ in range(count):
            filed = since + timedelta(seconds=rnd.uniform(0, span))
            respond, resolve = timedelta(hours=8), timedelta(days=5)
            on_time = rnd.random() < in_time
            answered = filed + (respond * rnd.uniform(0.1, 0.9) if on_time else respond * 1.5)
            closed = filed + (resolve * rnd.uniform(0.1, 0.9) if on_time else resolve * 1.4)
            facts.append(
                metrics.IssueFacts.at(
                    name,
                    tier,
                    filed,
                    answered,
                    closed if closed < until else None,
                    filed + respond,
                    filed + resolve,
                )
            )
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "metrics-chart.png")
    args = parser.parse_args(argv)
    if not chart.has_cjk_font():
        print("no CJK font: run scripts/ensure-fonts first", file=sys.stderr)
        return 1
    now = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    period = parse_period("last-quarter", now=now, zone="Europe/Paris")
    assert period.since is not None
    m = metrics.compute(sample_facts(period.since, period.until), period=period, now=now)
    args.out.write_bytes(metrics.draw_chart(m))
    print(f"written {args.out} ({args.out.stat().st_size // 1024} KiB)")
    print(f"alt text: {metrics.alt_text(m)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
