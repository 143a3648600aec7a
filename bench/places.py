"""The place resolver: the city index's first load, and one resolve once it is loaded.

Target (issue 13): reading ``data/cities.tsv`` and the tz tables adds at most 50 ms to
the first command that names a place. The first load is timed in a fresh interpreter
(the tables are cached for the life of the process), the modules already imported, so
only the data's cost is counted; the median is over a few fresh runs.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

TARGET_FIRST_LOAD_MS = 50.0
RUNS = 5
NAMES = (
    "Tokyo",
    "Zürich",
    "Buenos Aires",
    "Pacific Time",
    "Portland",
    "Asia/Calcutta",
    "UTC+5:30",
    "IST",
    "Ohio",
    "Germany",
    "Gurgaon",
    "New York",
)

_FIRST = """
import time
from bot.timekit.zones import resolve_zone
t = time.perf_counter()
resolve_zone("Kraków")
print((time.perf_counter() - t) * 1000)
"""


def _first_load_ms() -> float:
    out = subprocess.run(
        [sys.executable, "-c", _FIRST], capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip())


def measure() -> dict[str, float]:
    """``first_load_ms`` (median of fresh processes) and ``resolve_p50_us`` (warm)."""
    from bot.timekit.zones import find_zone, resolve_zone

    first = statistics.median(_first_load_ms() for _ in range(RUNS))
    for name in NAMES:
        resolve_zone(name)
    samples: list[float] = []
    for _ in range(200):
        for name in NAMES:
            t = time.perf_counter()
            resolve_zone(name)
            samples.append((time.perf_counter() - t) * 1e6)
    words = ["we", "meet", "at", "4pm", "Buenos", "Aires,", "that", "is", "9pm", "Zürich"]
    finds: list[float] = []
    for _ in range(200):
        t = time.perf_counter()
        for i in range(len(words)):
            find_zone(words, i)
        finds.append((time.perf_counter() - t) * 1e6 / len(words))
    return {
        "first_load_ms": round(first, 2),
        "first_load_target_ms": TARGET_FIRST_LOAD_MS,
        "resolve_p50_us": round(statistics.median(samples), 2),
        "find_zone_p50_us": round(statistics.median(finds), 2),
    }


if __name__ == "__main__":
    print(measure())
