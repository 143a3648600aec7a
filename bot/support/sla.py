"""SLA clocks and the weekly digest, run by the scheduler.

Each effect is recorded with `mark_once` in the same transaction that queues its
messages, so a late, repeated or concurrent run never warns or escalates twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.models import Workspace
from bot.render import blocks as bk
from bot.render import render
from bot.runtime import Runtime
from bot.services.common import mark_once
from bot.support import business_hours, cards, issues
from bot.support.models import SupportIssue, SupportProduct, SupportProvider

BATCH = 200
DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR_UTC = 9


def _names(session: Session, issue: SupportIssue) -> tuple[str, SupportProvider | None]:
    product = session.get(SupportProduct, issue.product_id) if issue.product_id else None
    provider = session.get(SupportProvider, issue.provider_id) if issue.provider_id else None
    return (product.name if product else "(removed product)"), provider


def check_sla(session: Session, *, now: datetime) -> int:
    """Warn before first-response deadlines and escalate missed first-response and
    resolution deadlines, once each; returns the effects."""
    done = 0
    due_escalations = session.scalars(
        select(SupportIssue)
        .where(
            SupportIssue.status == "open",
            SupportIssue.response_due.is_not(None),
            SupportIssue.response_due <= now,
            SupportIssue.escalated_at.is_(None),
        )
        .order_by(SupportIssue.response_due)
        .limit(BATCH)
    ).all()
    for issue in due_escalations:
        done += escalate(session, issue=issue, now=now)
    due_warnings = session.scalars(
        select(SupportIssue)
        .where(
            SupportIssue.status == "open",
            SupportIssue.warn_at.is_not(None),
            SupportIssue.warn_at <= now,
        )
        .order_by(SupportIssue.warn_at)
        .limit(BATCH)
    ).all()
    for issue in due_warnings:
        done += warn(session, issue=issue, now=now)
    missed = session.scalars(
        select(SupportIssue)
        .where(
            SupportIssue.is_open.is_(True),
            SupportIssue.resolution_due.is_not(None),
            SupportIssue.resolution_due <= now,
            SupportIssue.resolution_escalated_at.is_(None),
            # Waiting on the reporter pauses the resolution clock: nothing is missed.
            SupportIssue.waiting_since.is_(None),
        )
        .order_by(SupportIssue.resolution_due)
        .limit(BATCH)
    ).all()
    for issue in missed:
        done += escalate_resolution(session, issue=issue, now=now)
    return done


def warn(session: Session, *, issue: SupportIssue, now: datetime) -> int:
    issue.warn_at = None
    if issue.response_due is None or issue.response_due <= now:
        return 0  # past the deadline: the escalation says it better
    if not mark_once(session, team_id=issue.team_id, key=f"support:warn:{issue.id}", now=now):
        return 0
    product, provider = _names(session, issue)
    text = render(
        "support/sla_warning.slack.j2", issue=issue, product=product, provider=provider
    ).strip()
    _tell_triage(session, issue=issue, text=text, now=now)
    issues.add_event(
        session,
        issue=issue,
        actor=None,
        kind="warning",
        text="first-response deadline is near",
        now=now,
    )
    cards.refresh_card(session, issue=issue, now=now)
    return 1


def _tell_triage(session: Session, *, issue: SupportIssue, text: str, now: datetime) -> None:
    """Post in the thread of the issue's card in its triage channel."""
    outbox.post_message(
        session,
        team_id=issue.team_id,
        channel=issue.triage_channel,
        text=text,
        now=now,
        thread_of=cards.card_thread(session, issue=issue),
    )


def escalate(session: Session, *, issue: SupportIssue, now: datetime) -> int:
    issue.escalated_at = now
    issue.warn_at = None
    return _escalate(
        session,
        issue=issue,
        key=f"support:escalate:{issue.id}",
        template="support/sla_escalation.slack.j2",
        missed="first-response deadline",
        now=now,
    )


def escalate_resolution(session: Session, *, issue: SupportIssue, now: datetime) -> int:
    """The issue is still open past its resolution deadline: tell the escalation contacts."""
    issue.resolution_escalated_at = now
    assert issue.resolution_due is not None
    return _escalate(
        session,
        issue=issue,
        # Keyed by the deadline: one moved by a wait on the reporter earns its own escalation.
        key=f"support:resolution:{issue.id}:{issue.resolution_due.isoformat()}",
        template="support/sla_resolution.slack.j2",
        missed="resolution deadline",
        now=now,
    )


def _escalate(
    session: Session, *, issue: SupportIssue, key: str, template: str, missed: str, now: datetime
) -> int:
    """Once per `key`: DM the provider's escalation contacts, say it in the card's thread."""
    if not mark_once(session, team_id=issue.team_id, key=key, now=now):
        return 0
    product, provider = _names(session, issue)
    contacts = list(provider.escalation) if provider else []
    text = render(
        template, issue=issue, product=product, provider=provider, contacts=contacts
    ).strip()
    for contact in contacts:
        outbox.post_message(
            session, team_id=issue.team_id, channel=str(contact), text=text, now=now
        )
    _tell_triage(session, issue=issue, text=text, now=now)
    issues.add_event(
        session,
        issue=issue,
        actor=None,
        kind="escalated",
        text=f"{missed} missed; escalated"
        + (f" to {len(contacts)} contact(s)" if contacts else ""),
        now=now,
    )
    cards.refresh_card(session, issue=issue, now=now)
    return 1


def sla_task(rt: Runtime, now: datetime) -> int:
    with rt.db.write() as session:
        return check_sla(session, now=now)


# -- weekly digest -------------------------------------------------------------------


def week_start(now: datetime) -> datetime:
    """This week's digest time: Monday 09:00 UTC."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=DIGEST_HOUR_UTC, minute=0, second=0, microsecond=0
    )
    return monday


@dataclass
class DigestGroup:
    name: str
    open: int = 0
    unanswered: int = 0
    overdue: int = 0
    oldest: SupportIssue | None = None
    # The provider's business hours (business_hours.describe), or "" for 24×7.
    calendar: str = ""
    waiting: int = 0


def digest_groups(session: Session, *, team_id: str, now: datetime) -> list[DigestGroup]:
    """Open issues per provider: counts, overdue first responses, oldest issue."""
    rows = session.execute(
        select(SupportIssue, SupportProvider.name, SupportProvider.calendar)
        .outerjoin(SupportProvider, SupportProvider.id == SupportIssue.provider_id)
        .where(SupportIssue.team_id == team_id, SupportIssue.status.in_(issues.OPEN_STATUSES))
        .order_by(SupportIssue.number)
    ).all()
    groups: dict[str, DigestGroup] = {}
    for issue, provider_name, calendar in rows:
        name = provider_name or "(no provider)"
        g = groups.get(name)
        if g is None:
            g = groups[name] = DigestGroup(name, calendar=_calendar_text(calendar))
        g.open += 1
        g.waiting += issue.waiting_since is not None
        if issue.status == "open":
            g.unanswered += 1
            if issue.response_due is not None and issue.response_due <= now:
                g.overdue += 1
        if g.oldest is None:
            g.oldest = issue
    return sorted(groups.values(), key=lambda g: g.name.lower())


def _calendar_text(stored: dict[str, Any] | None) -> str:
    try:
        cal = business_hours.from_json(stored)
    except business_hours.CalendarError:
        return ""
    return business_hours.describe(cal) if cal else ""


def post_digests(session: Session, *, now: datetime) -> int:
    start = week_start(now)
    if now < start:
        return 0
    done = 0
    for ws in session.scalars(select(Workspace).where(Workspace.digest_channel.is_not(None))):
        has_support = session.scalar(
            select(SupportProvider.id).where(SupportProvider.team_id == ws.team_id).limit(1)
        ) or session.scalar(
            select(SupportIssue.id).where(SupportIssue.team_id == ws.team_id).limit(1)
        )
        if not has_support:
            continue
        week = start.strftime("%G-W%V")
        if not mark_once(session, team_id=ws.team_id, key=f"support:digest:{week}", now=now):
            continue
        groups = digest_groups(session, team_id=ws.team_id, now=now)
        total = sum(g.open for g in groups)
        markup = render("support/digest.slack.j2", week=week, now=now, groups=groups, total=total)
        blocks = bk.from_markup(markup)[: bk.MAX_MESSAGE_BLOCKS]
        outbox.post_message(
            session,
            team_id=ws.team_id,
            channel=str(ws.digest_channel),
            text=f"Support digest {week}: {total} open issue(s)",
            blocks=blocks,
            now=now,
        )
        done += 1
    return done


def digest_task(rt: Runtime, now: datetime) -> int:
    with rt.db.write() as session:
        return post_digests(session, now=now)
