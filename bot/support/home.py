"""What the App Home shows of support issues: a person's own, and a provider's queue.

A person's own issues are the open ones they filed or are assigned. A provider's
contacts are its escalation contacts and the members of its triage channel (as far as
the bot knows them); they see the provider's open issues nearest to a breach first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, inspect, select, true
from sqlalchemy.orm import Session

from bot.models import ChannelMembers
from bot.support.contacts import is_contact
from bot.support.issues import names_for
from bot.support.models import SupportIssue, SupportProvider

# The deadline an open issue can breach next: the first response until someone
# answered, then the resolution.
_NEXT_DEADLINE = case(
    (
        SupportIssue.first_response_at.is_(None),
        func.coalesce(SupportIssue.response_due, SupportIssue.resolution_due),
    ),
    else_=SupportIssue.resolution_due,
)
_NEAREST_BREACH = (_NEXT_DEADLINE.is_(None), _NEXT_DEADLINE, SupportIssue.number)


@dataclass(frozen=True)
class HomeIssue:
    """An open issue as the App Home shows it."""

    number: int
    title: str
    severity: str
    status: str
    product: str
    provider: str | None
    reporter: str
    assignee: str | None
    deadline: datetime | None
    # "response" or "resolution": which promise the deadline is.
    deadline_kind: str | None

    def breached(self, now: datetime) -> bool:
        return self.deadline is not None and self.deadline <= now


@dataclass(frozen=True)
class IssueList:
    issues: list[HomeIssue]
    total: int
    providers: tuple[str, ...] = ()


def next_deadline(issue: SupportIssue) -> tuple[datetime | None, str | None]:
    if issue.first_response_at is None and issue.response_due is not None:
        return issue.response_due, "response"
    if issue.resolution_due is not None:
        return issue.resolution_due, "resolution"
    return None, None


def _views(session: Session, team_id: str, rows: list[SupportIssue]) -> list[HomeIssue]:
    products, providers = names_for(session, team_id=team_id, issues=rows)
    out = []
    for row in rows:
        deadline, kind = next_deadline(row)
        provider = providers.get(row.provider_id) if row.provider_id else None
        out.append(
            HomeIssue(
                number=row.number,
                title=row.title,
                severity=row.severity,
                status=row.status,
                product=products.get(row.product_id, "(removed product)")
                if row.product_id
                else "(no product)",
                provider=provider.name if provider else None,
                reporter=row.reporter,
                assignee=row.assignee,
                deadline=deadline,
                deadline_kind=kind,
            )
        )
    return out


def _nearest(session: Session, where: list[Any], limit: int) -> tuple[list[SupportIssue], int]:
    rows = list(
        session.scalars(select(SupportIssue).where(*where).order_by(*_NEAREST_BREACH).limit(limit))
    )
    total = int(session.scalar(select(func.count()).select_from(SupportIssue).where(*where)) or 0)
    return rows, total


def my_issues(session: Session, *, team_id: str, user_id: str, limit: int) -> IssueList:
    """Open issues the user filed or is assigned, nearest to a breach first."""
    filed, filed_total = _nearest(
        session,
        [
            SupportIssue.team_id == team_id,
            SupportIssue.reporter == user_id,
            SupportIssue.is_open == true(),
        ],
        limit,
    )
    taken, taken_total = _nearest(
        session,
        [
            SupportIssue.team_id == team_id,
            SupportIssue.assignee == user_id,
            SupportIssue.is_open == true(),
            SupportIssue.reporter != user_id,
        ],
        limit,
    )
    views = sorted(_views(session, team_id, [*filed, *taken]), key=_breach_order)
    return IssueList(views[:limit], filed_total + taken_total)


def _breach_order(issue: HomeIssue) -> tuple[bool, datetime | None, int]:
    return (issue.deadline is None, issue.deadline, issue.number)


def triage_channels(session: Session, *, team_id: str) -> list[str]:
    """The providers' triage channels given by id (a "#name" from a catalog file is not)."""
    channels = session.scalars(
        select(SupportProvider.channel).where(
            SupportProvider.team_id == team_id, SupportProvider.channel.is_not(None)
        )
    )
    return list(dict.fromkeys(c for c in channels if c and c[:1] in ("C", "G")))


def providers_of_contact(
    session: Session, *, team_id: str, user_id: str, members_of: Callable[[str], Collection[str]]
) -> list[SupportProvider]:
    """The providers the user is a contact of: escalation contact or triage channel member."""
    found = []
    for provider in session.scalars(
        select(SupportProvider)
        .where(SupportProvider.team_id == team_id)
        .order_by(SupportProvider.name)
    ):
        if is_contact(provider, user_id, members_of):
            found.append(provider)
    return found


def contact_queue(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    members_of: Callable[[str], Collection[str]],
    limit: int,
) -> IssueList | None:
    """The open issues of the providers the user is a contact of, nearest to a breach
    first; None when they are nobody's contact."""
    providers = providers_of_contact(
        session, team_id=team_id, user_id=user_id, members_of=members_of
    )
    if not providers:
        return None
    rows, total = _nearest(
        session,
        [
            SupportIssue.team_id == team_id,
            SupportIssue.provider_id.in_([p.id for p in providers]),
            SupportIssue.is_open == true(),
        ],
        limit,
    )
    return IssueList(_views(session, team_id, rows), total, tuple(p.name for p in providers))


def _contacts(session: Session, team_id: str, provider_id: int | None) -> list[str]:
    provider = session.get(SupportProvider, provider_id) if provider_id else None
    if provider is None:
        return []
    users = [str(u) for u in provider.escalation or ()]
    channel = provider.channel or ""
    if channel[:1] in ("C", "G"):
        row = session.get(ChannelMembers, (team_id, channel))
        users.extend(row.members if row is not None else ())
    return users


# What the App Home shows of an issue: a change to anything else (a comment) leaves it be.
_SHOWN = (
    "title",
    "severity",
    "status",
    "assignee",
    "provider_id",
    "product_id",
    "first_response_at",
    "response_due",
    "resolution_due",
)


def home_users(session: Session, row: object) -> Iterable[str]:
    """Whose App Home shows an issue (its reporter, assignee and provider's contacts) or
    a provider (its contacts), before and after a change."""
    if isinstance(row, SupportIssue):
        state = inspect(row)
        if (
            state.persistent
            and row not in session.deleted
            and not any(state.attrs[a].history.has_changes() for a in _SHOWN)
        ):
            return ()
        users = [row.reporter, *([row.assignee] if row.assignee else [])]
        users.extend(a for a in state.attrs.assignee.history.deleted if a)
        for provider_id in dict.fromkeys(
            [row.provider_id, *state.attrs.provider_id.history.deleted]
        ):
            users.extend(_contacts(session, row.team_id, provider_id))
        return users
    if isinstance(row, SupportProvider):
        state = inspect(row)
        users = [str(u) for u in row.escalation or ()]
        for before in state.attrs.escalation.history.deleted:
            users.extend(str(u) for u in before or ())
        return users
    return ()
