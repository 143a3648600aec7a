"""Wall-clock times against daylight-saving changes: gaps, overlaps and folds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import Enum

from bot.errors import UsageError
from bot.timekit.zones import get_zone, utc_offset_label


class LocalKind(Enum):
    OK = "ok"
    GAP = "gap"  # skipped when the clocks go forward
    OVERLAP = "overlap"  # lived twice when the clocks go back


def classify(naive: datetime, key: str) -> LocalKind:
    """Whether a wall-clock time exists once, never or twice in the zone."""
    zone = get_zone(key)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return LocalKind.OK
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return LocalKind.OVERLAP if back == naive else LocalKind.GAP


def _when(naive: datetime) -> str:
    return f"{naive:%H:%M} on {naive:%a %Y-%m-%d}"


def localize(naive: datetime, key: str, usage: str | None = None) -> datetime:
    """The aware time of a wall clock; a time in a DST gap or overlap is refused."""
    kind = classify(naive, key)
    zone = get_zone(key)
    if kind is LocalKind.GAP:
        before = naive.replace(tzinfo=zone, fold=0).utcoffset() or timedelta(0)
        after = naive.replace(tzinfo=zone, fold=1).utcoffset() or timedelta(0)
        jump = abs(int((after - before).total_seconds()) // 60)
        raise UsageError(
            f"{_when(naive)} does not exist in {key}: the clocks go forward by "
            f"{jump} minutes that night (daylight saving time starts). Pick another time.",
            usage,
        )
    if kind is LocalKind.OVERLAP:
        first = naive.replace(tzinfo=zone, fold=0)
        second = naive.replace(tzinfo=zone, fold=1)
        raise UsageError(
            f"{_when(naive)} happens twice in {key} (first at {utc_offset_label(first)}, "
            f"then at {utc_offset_label(second)}: daylight saving time ends). "
            "Pick another time, or give it in UTC.",
            usage,
        )
    return naive.replace(tzinfo=zone)
