"""Feature benchmarks: suggest, minutes publishing, issue list at scale, reminder lag."""

from __future__ import annotations

from typing import Any

from bench.__main__ import Bench


def run(bench: Bench, fake: Any) -> None:
    print("  (feature benchmarks arrive with their features)")


def reminder_lag(bench: Bench, fake: Any) -> None:
    print("  (reminder lag arrives with the meetings feature)")
