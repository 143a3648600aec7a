"""Who may acknowledge, assign, close and reopen an issue; the commands and buttons share it.

The provider's contacts (bot.support.contacts), bot admins and workspace admins handle
an issue. Its reporter may withdraw it (close it) and reopen it, but never acknowledge
it: the first response has to come from the provider. A refusal says who can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.errors import PermissionDenied
from bot.services.permissions import IsAdmin, admin_now
from bot.support import issues
from bot.support.contacts import MembersOf, is_issue_contact, triage_channel_of
from bot.support.models import SupportIssue, SupportProvider

RULE = (
    "An issue is acknowledged, assigned and closed by its provider's contacts (escalation "
    "contacts and members of its triage channel), bot admins and workspace admins. "
    "Its reporter may withdraw it (close) or reopen it, but never acknowledge it."
)


@dataclass(frozen=True)
class Caller:
    """Who pressed or typed: their id, whether they are an admin, and channel members."""

    user_id: str
    # A flag or a function asked only when the answer matters (it may ask Slack).
    is_admin: IsAdmin
    members_of: MembersOf


def _provider(session: Session, issue: SupportIssue) -> SupportProvider | None:
    return session.get(SupportProvider, issue.provider_id) if issue.provider_id else None


def handles(session: Session, *, issue: SupportIssue, caller: Caller) -> bool:
    """Whether the caller speaks for the provider (a contact) or is an admin."""
    provider = _provider(session, issue)
    if is_issue_contact(issue, provider, caller.user_id, caller.members_of):
        return True
    return admin_now(caller.is_admin)


def who_can(session: Session, *, issue: SupportIssue) -> str:
    """Who handles the issue, as a refusal names them."""
    provider = _provider(session, issue)
    channel = triage_channel_of(issue, provider)
    parts = []
    if provider is not None:
        contacts = [f"<@{u}>" for u in provider.escalation or ()]
        if contacts:
            parts.append("its escalation contacts " + ", ".join(contacts[:5]))
    if channel:
        parts.append(f"members of <#{channel}>")
    whose = f"{provider.name}'s contacts ({' and '.join(parts)})" if provider else ""
    if not provider and parts:
        whose = " and ".join(parts)
    return ", ".join(p for p in (whose, "bot admins and workspace admins") if p)


def _refuse(session: Session, issue: SupportIssue, doing: str, extra: str = "") -> None:
    raise PermissionDenied(
        f"Only {who_can(session, issue=issue)} can {doing} issue #{issue.number}.{extra}"
    )


def acknowledge(session: Session, *, issue: SupportIssue, caller: Caller, now: datetime) -> bool:
    """Acknowledge for the provider; its reporter never may (the clock is the provider's)."""
    if caller.user_id == issue.reporter:
        raise PermissionDenied(
            f"You filed issue #{issue.number}, so you cannot acknowledge it: its first "
            f"response has to come from {who_can(session, issue=issue)}. "
            f"You can withdraw it with `/issue close {issue.number}`."
        )
    if not handles(session, issue=issue, caller=caller):
        _refuse(session, issue, "acknowledge")
    return issues.acknowledge(session, issue=issue, actor=caller.user_id, now=now)


def check_assign(session: Session, *, issue: SupportIssue, caller: Caller) -> None:
    """Refuse (PermissionDenied) unless the caller may assign the issue."""
    if not handles(session, issue=issue, caller=caller):
        _refuse(session, issue, "assign")


def assign(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    number: int,
    assignee: str,
    caller: Caller,
    now: datetime,
    usage: str | None = None,
) -> bool:
    """Assign issue `number` to a person, if the caller may; False when already so."""
    issue = issues.get_issue(session, team_id=team_id, number=number)
    check_assign(session, issue=issue, caller=caller)
    return issues.assign_person(
        session,
        directory=directory,
        team_id=team_id,
        number=number,
        assignee=assignee,
        actor=caller.user_id,
        now=now,
        usage=usage,
    )


def close(
    session: Session, *, issue: SupportIssue, caller: Caller, resolution: str, now: datetime
) -> str | None:
    """Close for the provider, or withdraw for the reporter: "closed", "withdrawn", or
    None when it was already closed."""
    if handles(session, issue=issue, caller=caller):
        done = issues.close(
            session, issue=issue, actor=caller.user_id, resolution=resolution, now=now
        )
        return "closed" if done else None
    if caller.user_id != issue.reporter:
        _refuse(session, issue, "close", " Its reporter may withdraw it.")
    done = issues.close(
        session,
        issue=issue,
        actor=caller.user_id,
        resolution=resolution,
        now=now,
        withdrawn=True,
    )
    return "withdrawn" if done else None


def reopen(session: Session, *, issue: SupportIssue, caller: Caller, now: datetime) -> bool:
    """Reopen: whoever may close it (the reporter too)."""
    if caller.user_id != issue.reporter and not handles(session, issue=issue, caller=caller):
        _refuse(session, issue, "reopen", " Its reporter may too.")
    return issues.reopen(session, issue=issue, actor=caller.user_id, now=now)
