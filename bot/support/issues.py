"""Support issues: filing (routing and SLA deadlines), lifecycle, history and lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, func, select, true
from sqlalchemy.orm import Session

from bot.errors import Conflict, NotFound, UsageError
from bot.models import Workspace
from bot.services.common import next_number
from bot.support import cards, catalog
from bot.support.models import SupportIssue, SupportIssueEvent, SupportProduct, SupportProvider
from bot.support.vocab import DESCRIPTION_MAX, SEVERITIES, TITLE_MAX

OPEN_STATUSES = ("open", "acknowledged")
LIST_LIMIT = 20
COUNT_CAP = 1000
# The warning comes when this share of the first-response window has passed.
WARN_AT_SHARE = 0.75
COMMENT_MAX = 2000


def clean_title(title: str) -> str:
    """One line, single spaces; titles live in headers and lists."""
    return " ".join(title.split())


def check_title(title: str) -> str:
    cleaned = clean_title(title)
    if not cleaned:
        raise UsageError("The issue needs a title.")
    if len(cleaned) > TITLE_MAX:
        raise UsageError(
            f"The title is {len(cleaned)} characters long; keep it under {TITLE_MAX} "
            "and put the details in the description."
        )
    return cleaned


@dataclass(frozen=True)
class NewIssue:
    """What a member asks for when filing."""

    title: str
    product_id: int
    severity: str = "S3"
    description: str = ""
    version: str | None = None
    filed_in: str | None = None
    source_channel: str | None = None
    source_ts: str | None = None
    source_link: str | None = None


def file_issue(
    session: Session, *, team_id: str, reporter: str, new: NewIssue, now: datetime
) -> SupportIssue:
    """Number, route and time an issue, post its card, and record its first history line."""
    title = check_title(new.title)
    if new.severity not in SEVERITIES:
        raise UsageError(f"`{new.severity[:10]}` is not a severity; use S1 to S4.")
    if len(new.description) > DESCRIPTION_MAX:
        raise UsageError(f"The description is longer than {DESCRIPTION_MAX} characters.")
    product = session.get(SupportProduct, new.product_id)
    if product is None or product.team_id != team_id:
        raise NotFound("That product is not in this workspace's catalog.")
    support = catalog.route(session, team_id=team_id, product_id=product.id, today=now.date())
    ws = session.get(Workspace, team_id)
    provider = support.provider if support else None
    triage = (
        (provider.channel if provider else None)
        or (ws.default_channel if ws else None)
        or new.filed_in
        or reporter
    )
    response_min = support.tier.response_minutes(new.severity) if support else None
    resolution_min = support.tier.resolution_minutes(new.severity) if support else None
    response_due = now + timedelta(minutes=response_min) if response_min else None
    issue = SupportIssue(
        team_id=team_id,
        number=next_number(session, team_id=team_id, name="support_issue"),
        title=title,
        description=new.description.strip(),
        version=(new.version or "").strip()[:40] or product.version,
        severity=new.severity,
        status="open",
        is_open=True,
        product_id=product.id,
        provider_id=provider.id if provider else None,
        tier=support.tier.name if support else None,
        level=support.level if support else None,
        reporter=reporter,
        triage_channel=triage,
        filed_in=new.filed_in,
        source_channel=new.source_channel,
        source_ts=new.source_ts,
        source_link=new.source_link,
        created_at=now,
        updated_at=now,
        response_due=response_due,
        resolution_due=now + timedelta(minutes=resolution_min) if resolution_min else None,
        warn_at=now + timedelta(minutes=response_min * WARN_AT_SHARE) if response_min else None,
    )
    session.add(issue)
    session.flush()
    add_event(
        session, issue=issue, actor=reporter, kind="filed", text=f"filed as {new.severity}", now=now
    )
    cards.post_card(session, issue=issue, now=now)
    return issue


def add_event(
    session: Session, *, issue: SupportIssue, actor: str | None, kind: str, text: str, now: datetime
) -> SupportIssueEvent:
    event = SupportIssueEvent(
        team_id=issue.team_id, issue_id=issue.id, at=now, actor=actor, kind=kind, text=text
    )
    session.add(event)
    issue.updated_at = now
    session.flush()
    return event


def history(session: Session, *, issue: SupportIssue, limit: int = 50) -> list[SupportIssueEvent]:
    rows = session.scalars(
        select(SupportIssueEvent)
        .where(SupportIssueEvent.team_id == issue.team_id, SupportIssueEvent.issue_id == issue.id)
        .order_by(SupportIssueEvent.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def get_issue(session: Session, *, team_id: str, number: int) -> SupportIssue:
    """An issue of this workspace by number (another workspace's numbers are not visible)."""
    issue = session.scalars(
        select(SupportIssue).where(SupportIssue.team_id == team_id, SupportIssue.number == number)
    ).one_or_none()
    if issue is None:
        raise NotFound(
            f"There is no issue #{number} in this workspace. `/issue list all` shows the issues."
        )
    return issue


def _changed(
    session: Session, issue: SupportIssue, actor: str, kind: str, text: str, now: datetime
) -> None:
    add_event(session, issue=issue, actor=actor, kind=kind, text=text, now=now)
    cards.refresh_card(session, issue=issue, now=now)


def acknowledge(session: Session, *, issue: SupportIssue, actor: str, now: datetime) -> bool:
    """Record the first response; False when it was already acknowledged."""
    if issue.status == "closed":
        raise Conflict(
            f"Issue #{issue.number} is closed; reopen it first with `/issue reopen {issue.number}`."
        )
    if issue.status == "acknowledged":
        return False
    issue.status = "acknowledged"
    if issue.first_response_at is None:
        issue.first_response_at = now
    issue.warn_at = None
    _changed(session, issue, actor, "acknowledged", "acknowledged", now)
    return True


def assign(
    session: Session, *, issue: SupportIssue, assignee: str, actor: str, now: datetime
) -> bool:
    if issue.status == "closed":
        raise Conflict(
            f"Issue #{issue.number} is closed; reopen it first with `/issue reopen {issue.number}`."
        )
    if issue.assignee == assignee:
        return False
    issue.assignee = assignee
    _changed(session, issue, actor, "assigned", assignee, now)
    return True


def comment(session: Session, *, issue: SupportIssue, actor: str, text: str, now: datetime) -> None:
    body = text.strip()
    if not body:
        raise UsageError("The comment is empty.")
    if len(body) > COMMENT_MAX:
        raise UsageError(f"The comment is longer than {COMMENT_MAX} characters.")
    _changed(session, issue, actor, "comment", body, now)


def close(
    session: Session, *, issue: SupportIssue, actor: str, resolution: str, now: datetime
) -> bool:
    if issue.status == "closed":
        return False
    issue.status = "closed"
    issue.is_open = False
    issue.closed_at = now
    issue.warn_at = None
    # Closing answers the filer too: an issue closed unanswered got its response now.
    if issue.first_response_at is None:
        issue.first_response_at = now
    issue.resolution = resolution.strip()[:COMMENT_MAX] or None
    _changed(
        session,
        issue,
        actor,
        "closed",
        f"closed: {issue.resolution}" if issue.resolution else "closed",
        now,
    )
    return True


def reopen(session: Session, *, issue: SupportIssue, actor: str, now: datetime) -> bool:
    if issue.status != "closed":
        return False
    issue.status = "acknowledged" if issue.first_response_at else "open"
    issue.is_open = True
    issue.closed_at = None
    issue.resolution = None
    _changed(session, issue, actor, "reopened", "reopened", now)
    return True


@dataclass(frozen=True)
class IssuePage:
    rows: list[SupportIssue]
    total: int
    scope: str


def list_issues(
    session: Session,
    *,
    team_id: str,
    scope: str = "open",
    user_id: str | None = None,
    product_id: int | None = None,
    provider_id: int | None = None,
    limit: int = LIST_LIMIT,
) -> IssuePage:
    """Newest first, at most `limit` rows, with the total count of matching issues.

    Every query below is one range of an index ending in `number`, so the cost
    depends on the page size and the count, not on how many issues exist.
    """
    where = [SupportIssue.team_id == team_id]
    if product_id is not None:
        where.append(SupportIssue.product_id == product_id)
    if provider_id is not None:
        where.append(SupportIssue.provider_id == provider_id)
    if scope == "mine":
        return _list_mine(session, where=where, user_id=user_id or "", limit=limit)
    if scope in ("open", "closed"):
        ranges = [[*where, SupportIssue.is_open == (true() if scope == "open" else false())]]
    elif len(where) > 1:
        # Filtered "all": the open and the closed range of the filter's index, merged.
        ranges = [[*where, SupportIssue.is_open == flag] for flag in (true(), false())]
    else:
        ranges = [where]
    return IssuePage(
        _newest(session, ranges, limit), _total(session, where=where, scope=scope), scope
    )


def _newest(session: Session, ranges: list[list[Any]], limit: int) -> list[SupportIssue]:
    """The newest `limit` issues over some index ranges, each read newest-first."""
    rows: dict[int, SupportIssue] = {}
    for conds in ranges:
        for issue in session.scalars(
            select(SupportIssue).where(*conds).order_by(SupportIssue.number.desc()).limit(limit)
        ):
            rows[issue.number] = issue
    return [rows[n] for n in sorted(rows, reverse=True)[:limit]]


def _count_where(session: Session, conds: list[Any], cap: int | None = None) -> int:
    """How many issues match; with `cap`, stop counting at cap + 1."""
    if cap is None:
        query = select(func.count()).select_from(SupportIssue).where(*conds)
    else:
        inner = select(SupportIssue.id).where(*conds).limit(cap + 1).subquery()
        query = select(func.count()).select_from(inner)
    return int(session.scalar(query) or 0)


def _total(session: Session, *, where: list[Any], scope: str) -> int:
    """The count for a list's header; over COUNT_CAP it is COUNT_CAP + 1 ("more than")."""
    if len(where) > 1:
        # A product or provider filter: count at most COUNT_CAP + 1 index entries.
        conds = list(where)
        if scope in ("open", "closed"):
            conds.append(SupportIssue.is_open == (true() if scope == "open" else false()))
        return _count_where(session, conds, cap=COUNT_CAP)
    open_count = _count_where(session, [*where, SupportIssue.is_open == true()])
    if scope == "open":
        return open_count
    # Numbers are gapless and issues are never deleted: the newest number is the count.
    everything = int(session.scalar(select(func.max(SupportIssue.number)).where(*where)) or 0)
    # Closed issues are the many: count the few open ones and subtract.
    return everything if scope == "all" else everything - open_count


def _list_mine(session: Session, *, where: list[Any], user_id: str, limit: int) -> IssuePage:
    """Open issues filed by or assigned to the user: two index ranges merged."""
    filed = [*where, SupportIssue.reporter == user_id, SupportIssue.is_open == true()]
    taken = [
        *where,
        SupportIssue.assignee == user_id,
        SupportIssue.is_open == true(),
        SupportIssue.reporter != user_id,
    ]
    newest = _newest(session, [filed, taken], limit)
    total = _count_where(session, filed) + _count_where(session, taken)
    return IssuePage(newest, total, "mine")


def names_for(
    session: Session, *, team_id: str, issues: list[SupportIssue]
) -> tuple[dict[int, str], dict[int, SupportProvider]]:
    """Product names and providers of some issues, in two queries."""
    product_ids = {i.product_id for i in issues if i.product_id}
    provider_ids = {i.provider_id for i in issues if i.provider_id}
    products = (
        dict(
            session.execute(
                select(SupportProduct.id, SupportProduct.name).where(
                    SupportProduct.team_id == team_id, SupportProduct.id.in_(product_ids)
                )
            )
            .tuples()
            .all()
        )
        if product_ids
        else {}
    )
    providers = (
        {
            p.id: p
            for p in session.scalars(
                select(SupportProvider).where(
                    SupportProvider.team_id == team_id, SupportProvider.id.in_(provider_ids)
                )
            )
        }
        if provider_ids
        else {}
    )
    return products, providers
