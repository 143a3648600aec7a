"""The issue card: one message in the triage channel, edited on every change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.models import OutboxMessage
from bot.render import blocks as bk
from bot.render import render
from bot.slackfmt import escape
from bot.support import clocks
from bot.support.models import SupportIssue, SupportIssueEvent, SupportProduct, SupportProvider

CARD_HISTORY = 6
CARD_DESCRIPTION = 1500


def card_context(session: Session, *, issue: SupportIssue) -> dict[str, Any]:
    """Plain data the card and `/issue show` templates need."""
    product = session.get(SupportProduct, issue.product_id) if issue.product_id else None
    provider = session.get(SupportProvider, issue.provider_id) if issue.provider_id else None
    events = list(
        reversed(
            session.scalars(
                select(SupportIssueEvent)
                .where(
                    SupportIssueEvent.team_id == issue.team_id,
                    SupportIssueEvent.issue_id == issue.id,
                )
                .order_by(SupportIssueEvent.id.desc())
                .limit(CARD_HISTORY)
            ).all()
        )
    )
    description = issue.description
    if len(description) > CARD_DESCRIPTION:
        description = description[: CARD_DESCRIPTION - 1] + "…"
    return {
        "issue": issue,
        "product": product.name if product else "(removed product)",
        "provider": provider,
        "events": events,
        "description_lines": description.splitlines(),
        # Named only when the clocks count business hours; none means 24×7.
        "sla_calendar": clocks.describe_issue(issue) if issue.sla_calendar else None,
    }


def card_blocks(session: Session, *, issue: SupportIssue) -> tuple[str, list[dict[str, Any]]]:
    ctx = card_context(session, issue=issue)
    blocks = bk.from_markup(render("support/issue_card.slack.j2", **ctx))[: bk.MAX_MESSAGE_BLOCKS]
    # The fallback text is mrkdwn in notifications: escape what users typed.
    text = (
        f"Issue #{issue.number} ({issue.severity}, {issue.status}) "
        f"{escape(ctx['product'])}: {escape(issue.title)}"
    )
    return text[:3000], blocks


def post_card(session: Session, *, issue: SupportIssue, now: datetime) -> None:
    text, blocks = card_blocks(session, issue=issue)
    row = outbox.post_message(
        session,
        team_id=issue.team_id,
        channel=issue.triage_channel,
        text=text,
        blocks=blocks,
        now=now,
        key=f"support-card:{issue.id}",
    )
    issue.card_outbox_id = row.id if row is not None else None


def refresh_card(session: Session, *, issue: SupportIssue, now: datetime) -> None:
    if issue.card_outbox_id is None:
        return
    text, blocks = card_blocks(session, issue=issue)
    outbox.update_message(
        session,
        team_id=issue.team_id,
        original=issue.card_outbox_id,
        text=text,
        blocks=blocks,
        now=now,
    )


def card_thread(session: Session, *, issue: SupportIssue) -> OutboxMessage | None:
    """The card's outbox row, to post replies in its thread."""
    if issue.card_outbox_id is None:
        return None
    return session.get(OutboxMessage, issue.card_outbox_id)
