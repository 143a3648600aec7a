"""Replies in an issue card's thread: the conversation with the provider, in the history.

Each reply is an event of kind "reply" (author, time, text). The first reply by one of
the provider's contacts is the issue's first response, as an acknowledgement is; a
reply by the reporter ends a "waiting on reporter" pause (bot.support.waiting).
Edits and deletions of a reply change nothing: the history keeps what was said then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import OutboxMessage
from bot.support import cards, issues, waiting
from bot.support.contacts import MembersOf, is_issue_contact
from bot.support.models import SupportIssue, SupportProvider


@dataclass(frozen=True)
class Recorded:
    """A reply recorded on an issue, and what it counted as."""

    issue: SupportIssue
    first_response: bool = False
    reporter_answered: bool = False


def card_issue(
    session: Session, *, team_id: str, channel_id: str, thread_ts: str
) -> SupportIssue | None:
    """The issue whose card is the message `thread_ts` in `channel_id`, if any.

    The card's post is an outbox row of the channel's lane: one range of the lane
    index (the messages the bot sent there), then the issue by its indexed card id.
    """
    if not channel_id or not thread_ts:
        return None
    card_id = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.lane == channel_id,
            OutboxMessage.status == "sent",
            OutboxMessage.team_id == team_id,
            OutboxMessage.result_ts == thread_ts,
            OutboxMessage.method == "chat.postMessage",
        )
        .limit(1)
    )
    if card_id is None:
        return None
    return session.scalars(
        select(SupportIssue).where(
            SupportIssue.card_outbox_id == card_id, SupportIssue.team_id == team_id
        )
    ).first()


def reply_text(text: str, files: Sequence[str] = ()) -> str:
    """What the history keeps of a reply: its text (clipped), or the files it shared."""
    body = text.strip()
    if not body and files:
        body = "shared " + ", ".join(f or "a file" for f in files)
    if len(body) > issues.COMMENT_MAX:
        body = body[: issues.COMMENT_MAX - 1] + "…"
    return body


def record_reply(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    thread_ts: str,
    user_id: str,
    text: str,
    now: datetime,
    members_of: MembersOf,
    files: Sequence[str] = (),
) -> Recorded | None:
    """Record a reply in an issue card's thread; None when the thread is no card's."""
    body = reply_text(text, files)
    if not body or not user_id:
        return None
    issue = card_issue(session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts)
    if issue is None:
        return None
    issues.add_event(session, issue=issue, actor=user_id, kind="reply", text=body, now=now)
    if user_id == issue.reporter:
        # The reporter never answers for the provider, even when they are a contact.
        answered = waiting.reporter_answered(session, issue=issue, now=now)
        return Recorded(issue, reporter_answered=bool(answered))
    if issue.first_response_at is not None or issue.status == "closed":
        return Recorded(issue)
    provider = session.get(SupportProvider, issue.provider_id) if issue.provider_id else None
    if not is_issue_contact(issue, provider, user_id, members_of):
        return Recorded(issue)
    issue.first_response_at = now
    issue.warn_at = None
    if issue.status == "open":
        issue.status = "acknowledged"
    issues.add_event(
        session,
        issue=issue,
        actor=user_id,
        kind="acknowledged",
        text="acknowledged (first response: a reply in the card's thread)",
        now=now,
    )
    cards.refresh_card(session, issue=issue, now=now)
    return Recorded(issue, first_response=True)
