"""Support performance metrics: volumes, median times and SLA compliance."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.support import chart
from bot.support.models import SupportIssue, SupportProvider

PERIODS = {"30d": 30, "90d": 90, "all": None}


@dataclass(frozen=True)
class IssueFacts:
    """What the metrics need of one issue."""

    provider: str
    tier: str
    created_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    response_due: datetime | None
    resolution_due: datetime | None


@dataclass
class MetricRow:
    name: str
    opened: int = 0
    closed: int = 0
    response_times: list[float] = field(default_factory=list)
    resolution_times: list[float] = field(default_factory=list)
    met: int = 0
    breached: int = 0

    @property
    def median_response(self) -> float | None:
        return statistics.median(self.response_times) if self.response_times else None

    @property
    def median_resolution(self) -> float | None:
        return statistics.median(self.resolution_times) if self.resolution_times else None

    @property
    def compliance(self) -> float | None:
        """Share of due SLA targets (first response and resolution) that were met, in %."""
        judged = self.met + self.breached
        return 100.0 * self.met / judged if judged else None


@dataclass
class Metrics:
    period: str
    since: datetime | None
    now: datetime
    total: MetricRow
    by_provider: list[MetricRow]
    by_tier: list[MetricRow]


def _judge(row: MetricRow, done: datetime | None, due: datetime | None, now: datetime) -> None:
    if due is None:
        return
    if done is not None:
        if done <= due:
            row.met += 1
        else:
            row.breached += 1
    elif now > due:
        row.breached += 1


def compute(
    facts: list[IssueFacts], *, period: str, since: datetime | None, now: datetime
) -> Metrics:
    """Pure: the metrics of some issues over a window (None = all time)."""
    total = MetricRow("all providers")
    providers: dict[str, MetricRow] = {}
    tiers: dict[str, MetricRow] = {}
    for f in facts:
        rows = (
            total,
            providers.setdefault(f.provider, MetricRow(f.provider)),
            tiers.setdefault(f.tier, MetricRow(f.tier)),
        )
        opened_in = since is None or f.created_at >= since
        closed_in = f.closed_at is not None and (since is None or f.closed_at >= since)
        for row in rows:
            if opened_in:
                row.opened += 1
                _judge(row, f.first_response_at, f.response_due, now)
                _judge(row, f.closed_at, f.resolution_due, now)
                if f.first_response_at is not None:
                    row.response_times.append((f.first_response_at - f.created_at).total_seconds())
            if closed_in and f.closed_at is not None:
                row.closed += 1
                row.resolution_times.append((f.closed_at - f.created_at).total_seconds())
    return Metrics(
        period=period,
        since=since,
        now=now,
        total=total,
        by_provider=sorted(providers.values(), key=lambda r: r.name.lower()),
        by_tier=sorted(tiers.values(), key=lambda r: r.name),
    )


def support_metrics(session: Session, *, team_id: str, period: str, now: datetime) -> Metrics:
    days = PERIODS[period]
    since = now - timedelta(days=days) if days is not None else None
    query = (
        select(
            SupportProvider.name,
            SupportIssue.tier,
            SupportIssue.created_at,
            SupportIssue.first_response_at,
            SupportIssue.closed_at,
            SupportIssue.response_due,
            SupportIssue.resolution_due,
        )
        .outerjoin(SupportProvider, SupportProvider.id == SupportIssue.provider_id)
        .where(SupportIssue.team_id == team_id)
    )
    if since is not None:
        query = query.where(or_(SupportIssue.created_at >= since, SupportIssue.closed_at >= since))
    facts = [
        IssueFacts(r[0] or "(no provider)", r[1] or "(no tier)", r[2], r[3], r[4], r[5], r[6])
        for r in session.execute(query).all()
    ]
    return compute(facts, period=period, since=since, now=now)


def support_report(
    session: Session, *, team_id: str, period: str, now: datetime, chart_to: str | None = None
) -> Metrics:
    """The metrics of `period`; with `chart_to` (a channel or user), a bar chart posted there."""
    m = support_metrics(session, team_id=team_id, period=period, now=now)
    if chart_to is not None:
        png = chart.bar_chart(
            f"SUPPORT METRICS {period.upper()}",
            [chart.Bar(r.name, r.opened, r.closed, r.compliance) for r in m.by_provider],
        )
        outbox.upload_file(
            session,
            team_id=team_id,
            channel=chart_to,
            filename=f"support-metrics-{period}.png",
            content=png,
            now=now,
            title=f"Support metrics ({period})",
            initial_comment=f"Support metrics, {period}: opened and closed issues per provider, "
            "with the share of SLA targets met.",
        )
    return m
