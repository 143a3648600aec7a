"""Support performance metrics over a period: volumes, median times, SLA compliance.

Issues opened in the period are judged against their SLA targets as of now (what
became of them), and closed issues count in the period they were closed in.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import statistics
import threading
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Text,
    and_,
    cast,
    event,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from bot import outbox
from bot.runtime import Runtime
from bot.support import business_hours, chart
from bot.support.models import SupportIssue, SupportProvider
from bot.support.periods import Period
from bot.support.vocab import format_elapsed
from bot.timekit.zones import get_zone

log = logging.getLogger(__name__)

# The share of due targets a provider should meet; the chart draws it as a line.
SLA_TARGET = 90.0
ALT_TEXT_MAX = 1000  # Slack's limit for an image's alt text
TABLE_MAX_ROWS = 100  # Slack's limit for a table block, header included


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """What the metrics need of one issue; times in seconds since the epoch.

    Plain numbers because a year of issues is tens of thousands of times to compare:
    the database hands them over as numbers, with no datetime made for each.
    """

    provider: str
    tier: str
    created: float
    first_response: float | None
    closed: float | None
    response_due: float | None
    resolution_due: float | None
    # The business-hours calendar its clocks counted in, as stored (JSON text; None: 24×7).
    calendar: str | None = None

    @classmethod
    def at(
        cls,
        provider: str,
        tier: str,
        created: datetime,
        first_response: datetime | None,
        closed: datetime | None,
        response_due: datetime | None,
        resolution_due: datetime | None,
        calendar: str | None = None,
    ) -> IssueFacts:
        """The facts of an issue from its aware datetimes."""

        def ts(when: datetime | None) -> float | None:
            return None if when is None else when.timestamp()

        return cls(
            provider,
            tier,
            created.timestamp(),
            ts(first_response),
            ts(closed),
            ts(response_due),
            ts(resolution_due),
            calendar,
        )


@dataclass
class Judged:
    met: int = 0
    breached: int = 0

    @property
    def pct(self) -> float | None:
        total = self.met + self.breached
        return 100.0 * self.met / total if total else None


@dataclass
class MetricRow:
    name: str
    opened: int = 0
    closed: int = 0
    response_times: list[float] = field(default_factory=list)
    resolution_times: list[float] = field(default_factory=list)
    response: Judged = field(default_factory=Judged)
    resolution: Judged = field(default_factory=Judged)
    calendars: set[str | None] = field(default_factory=set)

    @property
    def met(self) -> int:
        return self.response.met + self.resolution.met

    @property
    def breached(self) -> int:
        return self.response.breached + self.resolution.breached

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
    period: Period
    now: datetime
    total: MetricRow
    by_provider: list[MetricRow]
    by_tier: list[MetricRow]
    weeks: list[chart.Week]
    target: float = SLA_TARGET


def _judge(judged: Judged, done: float | None, due: float | None, now: float) -> None:
    if due is None:
        return
    if done is not None:
        if done <= due:
            judged.met += 1
        else:
            judged.breached += 1
    elif now > due:
        judged.breached += 1


def _week_starts(first: float, until: datetime, zone: str) -> list[datetime]:
    """The local Mondays 00:00 from the week holding `first` to the week holding `until`."""
    tz = get_zone(zone)
    day = datetime.fromtimestamp(first, tz).date()
    day -= timedelta(days=day.weekday())
    last = (until - timedelta(microseconds=1)).astimezone(tz).date()
    starts = []
    while day <= last:
        starts.append(datetime.combine(day, time(0), tzinfo=tz))
        day += timedelta(days=7)
    return starts


def compute(facts: list[IssueFacts], *, period: Period, now: datetime) -> Metrics:
    """Pure: the metrics of some issues over a period."""
    since = period.since.timestamp() if period.since is not None else float("-inf")
    until = period.until.timestamp()
    at = now.timestamp()
    total = MetricRow("all providers")
    providers: dict[str, MetricRow] = {}
    tiers: dict[str, MetricRow] = {}
    opened_at: list[float] = []
    closed_at: list[float] = []
    for f in facts:
        opened_in = since <= f.created < until
        closed = f.closed
        closed_in = closed is not None and since <= closed < until
        if not (opened_in or closed_in):
            continue
        provider = providers.get(f.provider)
        if provider is None:
            provider = providers[f.provider] = MetricRow(f.provider)
        tier = tiers.get(f.tier)
        if tier is None:
            tier = tiers[f.tier] = MetricRow(f.tier)
        if opened_in:
            opened_at.append(f.created)
            response = None if f.first_response is None else f.first_response - f.created
            for row in (total, provider, tier):
                row.opened += 1
                row.calendars.add(f.calendar)
                _judge(row.response, f.first_response, f.response_due, at)
                _judge(row.resolution, closed, f.resolution_due, at)
                if response is not None:
                    row.response_times.append(response)
        if closed_in and closed is not None:
            closed_at.append(closed)
            resolution = closed - f.created
            for row in (total, provider, tier):
                row.closed += 1
                row.resolution_times.append(resolution)
    weeks: list[chart.Week] = []
    first = period.since.timestamp() if period.since is not None else min(opened_at, default=None)
    if first is not None:
        starts = _week_starts(first, period.until, period.zone)
        edges = [s.timestamp() for s in starts]
        opened_n, closed_n = [0] * len(starts), [0] * len(starts)
        for t in opened_at:
            opened_n[max(0, bisect_right(edges, t) - 1)] += 1
        for t in closed_at:
            closed_n[max(0, bisect_right(edges, t) - 1)] += 1
        weeks = [
            chart.Week(s.date(), o, c) for s, o, c in zip(starts, opened_n, closed_n, strict=True)
        ]
    return Metrics(
        period=period,
        now=now,
        total=total,
        by_provider=sorted(providers.values(), key=lambda r: r.name.lower()),
        by_tier=sorted(tiers.values(), key=lambda r: r.name),
        weeks=weeks,
    )


def _epoch(column: Any, dialect: str) -> ColumnElement[Any]:
    """A time column as seconds since the epoch, computed by the database."""
    # As a float: a Numeric would make a Decimal of every value on the way out.
    if dialect == "sqlite":
        # Stored as UTC text; julianday keeps the fraction of a second.
        return type_coerce((func.julianday(column) - 2440587.5) * 86400.0, Float())
    return type_coerce(func.extract("epoch", column), Float())


def _seconds(value: Any) -> float | None:
    # PostgreSQL answers with a Decimal.
    return None if value is None else float(value)


def support_metrics(session: Session, *, team_id: str, period: Period, now: datetime) -> Metrics:
    dialect = session.get_bind().dialect.name
    query = (
        select(
            SupportProvider.name,
            SupportIssue.tier,
            *(
                _epoch(column, dialect)
                for column in (
                    SupportIssue.created_at,
                    SupportIssue.first_response_at,
                    SupportIssue.closed_at,
                    SupportIssue.response_due,
                    SupportIssue.resolution_due,
                )
            ),
            # As text: a handful of distinct calendars, parsed once each when described.
            cast(SupportIssue.sla_calendar, Text),
        )
        .outerjoin(SupportProvider, SupportProvider.id == SupportIssue.provider_id)
        .where(SupportIssue.team_id == team_id, SupportIssue.created_at < period.until)
    )
    if period.since is not None:
        query = query.where(
            or_(
                SupportIssue.created_at >= period.since,
                and_(SupportIssue.closed_at >= period.since, SupportIssue.closed_at < period.until),
            )
        )
    facts = [
        IssueFacts(
            r[0] or "(no provider)",
            r[1] or "(no tier)",
            float(r[2]),
            _seconds(r[3]),
            _seconds(r[4]),
            _seconds(r[5]),
            _seconds(r[6]),
            None if r[7] in (None, "null") else r[7],
        )
        # Plain rows from the connection: no ORM bookkeeping for ten thousand tuples.
        for r in session.connection().execute(query).all()
    ]
    return compute(facts, period=period, now=now)


# -- what the numbers look like outside the message -------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def clock_text(row: MetricRow) -> str:
    """The business-hours calendar(s) the row's SLA clocks counted in."""
    if not row.calendars:
        return ""
    if len(row.calendars) > 1:
        return f"{len(row.calendars)} calendars"
    (stored,) = row.calendars
    if stored is None:
        return business_hours.describe(None)
    try:
        return business_hours.describe(business_hours.from_json(json.loads(stored)))
    except Exception:  # a calendar whose zone or holidays this machine no longer knows
        return "a calendar no longer known"


def table_rows(m: Metrics) -> list[list[str]]:
    """The numbers as a table (header first) for people who do not open the chart."""
    rows = [["", "Opened", "Closed", "Response SLA", "Resolution SLA", "Median response"]]
    rows[0] += ["Median resolution", "SLA clock"]
    groups = [
        ("", [m.total]),
        ("Provider: ", m.by_provider),
        ("Tier: ", m.by_tier),
    ]
    for prefix, group in groups:
        for r in group:
            rows.append(
                [
                    f"{prefix}{r.name}",
                    str(r.opened),
                    str(r.closed),
                    _pct(r.response.pct),
                    _pct(r.resolution.pct),
                    format_elapsed(r.median_response),
                    format_elapsed(r.median_resolution),
                    clock_text(r),
                ]
            )
    if len(rows) > TABLE_MAX_ROWS:
        rows = [*rows[: TABLE_MAX_ROWS - 1], [f"… {len(rows) - TABLE_MAX_ROWS + 1} more rows"]]
        rows[-1] += [""] * (len(rows[0]) - 1)
    return rows


CSV_COLUMNS = (
    "period",
    "scope",
    "name",
    "opened",
    "closed",
    "response_met",
    "response_missed",
    "response_sla_pct",
    "resolution_met",
    "resolution_missed",
    "resolution_sla_pct",
    "sla_met_pct",
    "median_first_response_hours",
    "median_resolution_hours",
    "sla_clock",
)


def _cell(text: str) -> str:
    # A spreadsheet runs a cell starting with these as a formula; a name is only text.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _num(value: float | None, scale: float = 1.0) -> str:
    return "" if value is None else f"{value / scale:.2f}"


def csv_text(m: Metrics) -> str:
    """All the numbers: the total, each provider, each tier, then each week's counts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    period = m.period.text
    for scope, group in (("all", [m.total]), ("provider", m.by_provider), ("tier", m.by_tier)):
        for r in group:
            writer.writerow(
                [
                    period,
                    scope,
                    _cell(r.name),
                    r.opened,
                    r.closed,
                    r.response.met,
                    r.response.breached,
                    _num(r.response.pct),
                    r.resolution.met,
                    r.resolution.breached,
                    _num(r.resolution.pct),
                    _num(r.compliance),
                    _num(r.median_response, 3600),
                    _num(r.median_resolution, 3600),
                    _cell(clock_text(r)),
                ]
            )
    for w in m.weeks:
        writer.writerow(
            [period, "week", w.start.isoformat(), w.opened, w.closed] + [""] * 10,
        )
    return out.getvalue()


def chart_title(m: Metrics) -> str:
    return f"Support metrics — {m.period.title}"


def alt_text(m: Metrics) -> str:
    """What the chart shows, in words, within Slack's limit for alt text."""
    parts = [
        f"{chart_title(m)}. Top: share of SLA targets met per provider against a "
        f"{m.target:.0f}% target line"
    ]
    for r in m.by_provider:
        parts.append(f"{r.name} {_pct(r.compliance)}")
    weeks = m.weeks
    text = "; ".join(parts[:1]) + (": " + ", ".join(parts[1:]) if parts[1:] else ": no issues")
    text += (
        f". Bottom: issues opened and closed per week over {len(weeks)} weeks, "
        f"{m.total.opened} opened and {m.total.closed} closed in all."
    )
    if len(text) > ALT_TEXT_MAX:
        text = text[: ALT_TEXT_MAX - 1] + "…"
    return text


def draw_chart(m: Metrics) -> bytes:
    bars = [chart.ProviderBar(r.name, r.compliance, r.met + r.breached) for r in m.by_provider]
    return chart.draw(chart_title(m), bars, m.weeks, target=m.target)


def upload_chart(
    session: Session,
    m: Metrics,
    *,
    team_id: str,
    channel: str,
    now: datetime,
    png: bytes | None = None,
) -> None:
    """Queue the chart of `m` (drawn now unless given) for upload to `channel`, with alt text."""
    outbox.upload_file(
        session,
        team_id=team_id,
        channel=channel,
        filename=f"support-metrics-{m.period.slug}.png",
        content=png if png is not None else draw_chart(m),
        now=now,
        title=chart_title(m),
        alt_txt=alt_text(m),
        initial_comment=f"Support metrics, {m.period.title}: SLA targets met per provider, "
        "and issues opened and closed per week.",
    )


_drawing: set[threading.Thread] = set()
_drawing_lock = threading.Lock()


def chart_after_commit(
    rt: Runtime, session: Session, m: Metrics, *, team_id: str, channel: str
) -> None:
    """Once this transaction commits, draw the chart in a thread and queue its upload.

    Drawing takes longer than Slack waits for a command's answer (and the first chart
    loads matplotlib and its fonts), so the answer does not wait for it; nor does the
    database: the chart is drawn outside any transaction.
    """

    def draw_and_queue() -> None:
        try:
            png = draw_chart(m)
            with rt.db.write() as later:
                upload_chart(
                    later, m, team_id=team_id, channel=channel, now=rt.clock.now(), png=png
                )
            rt.notify_outbox()
        except Exception:
            log.exception("could not draw or queue the support metrics chart")
        finally:
            with _drawing_lock:
                _drawing.discard(threading.current_thread())

    def start(_session: Session) -> None:
        thread = threading.Thread(target=draw_and_queue, name="support-chart", daemon=True)
        with _drawing_lock:
            _drawing.add(thread)
        thread.start()

    event.listen(session, "after_commit", start, once=True)


def wait_for_charts(timeout: float = 60.0) -> None:
    """Wait for the charts being drawn (tests, the console)."""
    with _drawing_lock:
        pending = list(_drawing)
    for thread in pending:
        thread.join(timeout)


def support_report(
    session: Session,
    *,
    team_id: str,
    period: Period,
    now: datetime,
    csv_to: str | None = None,
) -> Metrics:
    """The metrics of `period`; with `csv_to` (a channel or user), a CSV file posted there."""
    m = support_metrics(session, team_id=team_id, period=period, now=now)
    if csv_to is not None:
        outbox.upload_file(
            session,
            team_id=team_id,
            channel=csv_to,
            filename=f"support-metrics-{period.slug}.csv",
            content=csv_text(m),
            now=now,
            title=f"{chart_title(m)} (CSV)",
            initial_comment=f"Support metrics, {period.title}, as CSV: the total, each "
            "provider, each tier, then each week.",
        )
    return m
