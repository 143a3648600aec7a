"""How the outbox is doing, read from the database: for /metrics and /readyz alike.

Read at scrape time rather than counted, so every process (and every host) reports
the same numbers for the one table they share.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from bot.clock import Clock
from bot.db import Database
from bot.models import OutboxMessage

# A row being sent is still owed to Slack.
OWED = ("pending", "sending")


@dataclass(frozen=True)
class OutboxHealth:
    pending: int
    oldest_pending_age: float | None  # seconds; None when nothing is owed
    failed: int


def outbox_health(db: Database, now: datetime) -> OutboxHealth:
    """Messages owed to Slack, how long the oldest has waited, messages failed for good."""
    with db.read() as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_((*OWED, "failed")))
            .group_by(OutboxMessage.status)
        ).all()
    pending = failed = 0
    oldest: datetime | None = None
    for status, count, first in rows:
        if status == "failed":
            failed += count
            continue
        pending += count
        if first is not None and (oldest is None or first < oldest):
            oldest = first
    age = None if oldest is None else max(0.0, (now - oldest).total_seconds())
    return OutboxHealth(pending=pending, oldest_pending_age=age, failed=failed)


class OutboxCollector(Collector):
    """The outbox gauges, computed from the database when scraped."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        health = outbox_health(self.db, self.clock.now())
        yield GaugeMetricFamily(
            "wgbot_outbox_pending", "Messages owed to Slack (pending or being sent)", health.pending
        )
        yield GaugeMetricFamily(
            "wgbot_outbox_oldest_pending_age_seconds",
            "How long the oldest message owed to Slack has waited (0: none)",
            health.oldest_pending_age or 0.0,
        )
        yield GaugeMetricFamily(
            "wgbot_outbox_failed", "Messages Slack refused for good (status failed)", health.failed
        )
