""" "Waiting on reporter": a pause of an issue's resolution clock until the reporter answers.

While an issue waits, its resolution deadline does not come closer: when the reporter
answers, the deadline moves later by exactly the SLA time (business time with a
calendar) the pause lasted. The first-response clock is not paused: asking the
reporter a question is not a first response to the provider's promise.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import Conflict, PermissionDenied, UsageError
from bot.support import business_hours, cards, clocks, desk, issues
from bot.support.models import SupportIssue

REASON_MAX = 200


def start_wait(
    session: Session, *, issue: SupportIssue, actor: str, reason: str, now: datetime
) -> None:
    """Pause the resolution clock until the reporter answers; Conflict if closed or waiting."""
    if issue.status == "closed":
        raise Conflict(
            f"Issue #{issue.number} is closed, so there is nothing to wait for; "
            f"reopen it first with `/issue reopen {issue.number}`."
        )
    if issue.waiting_since is not None:
        raise Conflict(
            f"Issue #{issue.number} is already waiting on the reporter "
            f"(since <!date^{int(issue.waiting_since.timestamp())}^{{date_short_pretty}} "
            f"{{time}}|{issue.waiting_since:%Y-%m-%d %H:%M} UTC>)."
        )
    text = " ".join(reason.split())
    if len(text) > REASON_MAX:
        raise UsageError(f"The reason is longer than {REASON_MAX} characters; say it shorter.")
    issue.waiting_since = now
    issue.waiting_reason = text or None
    issues.add_event(
        session,
        issue=issue,
        actor=actor,
        kind="waiting",
        text=f"waiting on reporter: {text}" if text else "waiting on reporter",
        now=now,
    )
    cards.refresh_card(session, issue=issue, now=now)


def wait_for_reporter(
    session: Session, *, issue: SupportIssue, caller: desk.Caller, reason: str, now: datetime
) -> None:
    """`/issue wait` and the card's button: the provider's contacts and admins only."""
    if not desk.handles(session, issue=issue, caller=caller):
        raise PermissionDenied(
            f"Only {desk.who_can(session, issue=issue)} can put issue #{issue.number} "
            "on hold for its reporter."
        )
    start_wait(session, issue=issue, actor=caller.user_id, reason=reason, now=now)


def paused_minutes(issue: SupportIssue, *, now: datetime) -> float:
    """SLA minutes the running pause has lasted so far (0 when not waiting)."""
    if issue.waiting_since is None:
        return 0.0
    return clocks.elapsed(clocks.issue_calendar(issue), issue.waiting_since, now)


def reporter_answered(session: Session, *, issue: SupportIssue, now: datetime) -> bool:
    """End a running "waiting on reporter" pause; False when none was running."""
    since = issue.waiting_since
    if since is None:
        return False
    paused = paused_minutes(issue, now=now)
    # A deadline already missed when the wait began stays missed: a pause cannot undo it.
    if issue.resolution_due is not None and issue.resolution_due > since:
        issue.resolution_due = clocks.after(
            clocks.issue_calendar(issue), issue.resolution_due, paused
        )
    issue.waiting_since = None
    issue.waiting_reason = None
    issues.add_event(
        session,
        issue=issue,
        actor=None,
        kind="resumed",
        text=f"reporter answered, clock resumed after {business_hours.hours_text(paused)}",
        now=now,
    )
    cards.refresh_card(session, issue=issue, now=now)
    return True


def reply(session: Session, *, issue: SupportIssue, actor: str, text: str, now: datetime) -> bool:
    """Record a reply in the history; the reporter's ends a pause (True when it did)."""
    body = text.strip()
    if not body:
        raise UsageError("The reply is empty.")
    if len(body) > issues.COMMENT_MAX:
        raise UsageError(f"The reply is longer than {issues.COMMENT_MAX} characters.")
    issues.add_event(session, issue=issue, actor=actor, kind="reply", text=body, now=now)
    if actor == issue.reporter and reporter_answered(session, issue=issue, now=now):
        return True
    cards.refresh_card(session, issue=issue, now=now)
    return False
