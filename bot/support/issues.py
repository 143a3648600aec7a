"""Support issues: filing (routing and SLA deadlines), lifecycle, history and lists.

Also what `/issue` decides beyond parsing: which product a typed or picked name means
(`file_by_name`, `file_from_form`), which product and provider a list is filtered by
(`list_filter`, `find_issues`), and that issues go to people Slack knows, not bots
(`assign_person`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, or_, select, true
from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.errors import Conflict, NotFound, UsageError
from bot.grammar import as_number
from bot.models import Workspace
from bot.services.common import next_number
from bot.support import cards, catalog, clocks
from bot.support.misses import LookupMiss
from bot.support.models import SupportIssue, SupportIssueEvent, SupportProduct, SupportProvider
from bot.support.vocab import DEFAULT_SEVERITY, DESCRIPTION_MAX, SEVERITIES, TITLE_MAX

OPEN_STATUSES = ("open", "acknowledged")
LIST_LIMIT = 20
COUNT_CAP = 1000
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


def _channel_to_post_in(channel_id: str | None) -> str | None:
    """Where it was filed, when that is a channel (C…/G…) the card can go to.

    A direct message (D…) is not: filed in someone's DM with a colleague, the card
    would go into a conversation the bot is not part of (Slack refuses), and in the
    bot's own DM it is better sent to the reporter by user id, which opens that DM.
    """
    if channel_id and channel_id[:1] in ("C", "G"):
        return channel_id
    return None


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
        or _channel_to_post_in(new.filed_in)
        or reporter
    )
    response_min = support.tier.response_minutes(new.severity) if support else None
    resolution_min = support.tier.resolution_minutes(new.severity) if support else None
    # Business time when the provider (or else the tier) has a calendar; else wall clock.
    cal = clocks.calendar_for(
        session, team_id=team_id, provider=provider, tier=support.tier.name if support else None
    )
    due = clocks.deadlines(cal, now=now, response_min=response_min, resolution_min=resolution_min)
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
        response_due=due.response_due,
        resolution_due=due.resolution_due,
        warn_at=due.warn_at,
        sla_calendar=cal.to_json() if cal else None,
    )
    session.add(issue)
    session.flush()
    add_event(
        session, issue=issue, actor=reporter, kind="filed", text=f"filed as {new.severity}", now=now
    )
    cards.post_card(session, issue=issue, now=now)
    return issue


def file_by_name(
    session: Session,
    *,
    team_id: str,
    reporter: str,
    product: str,
    title: str,
    severity: str = DEFAULT_SEVERITY,
    filed_in: str | None = None,
    now: datetime,
) -> SupportIssue:
    """File an issue about the product a typed name means (NotFound with suggestions)."""
    # Filing writes: a partial name is offered back ("did you mean"), never filed against.
    found = catalog.resolve_product(session, team_id=team_id, query=product, strict=True)
    return file_issue(
        session,
        team_id=team_id,
        reporter=reporter,
        new=NewIssue(title=title, product_id=found.id, severity=severity, filed_in=filed_in),
        now=now,
    )


@dataclass(frozen=True)
class IssueForm:
    """The filing form as submitted; `product` is a picked product id or a typed name."""

    title: str
    product: str
    severity: str = DEFAULT_SEVERITY
    description: str = ""
    version: str | None = None
    filed_in: str | None = None
    source_channel: str | None = None
    source_ts: str | None = None
    source_link: str | None = None


class FormErrors(UsageError):
    """Fields of a form are wrong: `errors` maps each field (block id) to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors


def check_form(session: Session, *, team_id: str, form: IssueForm) -> NewIssue:
    """The issue a form asks for, or FormErrors naming every wrong field at once."""
    errors: dict[str, str] = {}
    title = clean_title(form.title)
    if not title:
        errors["title"] = "The issue needs a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    raw_product = form.product.strip()
    product_id: int | None = None
    if not raw_product:
        errors["product"] = "Pick a product."
    elif as_number(raw_product) is not None:
        # The picker's value: a product id (checked when the issue is filed).
        product_id = as_number(raw_product)
    else:
        # The text field (too many products for a picker): a name, as `/issue file` reads it.
        try:
            product_id = catalog.resolve_product(
                session, team_id=team_id, query=raw_product, strict=True
            ).id
        except LookupMiss as miss:
            errors["product"] = miss.short()
        except NotFound as exc:
            errors["product"] = str(exc)[:150]
    if form.severity not in SEVERITIES:
        errors["severity"] = "Pick a severity from S1 to S4."
    if len(form.description) > DESCRIPTION_MAX:
        errors["description"] = f"Keep the description under {DESCRIPTION_MAX} characters."
    if errors or product_id is None:
        raise FormErrors(errors)
    return NewIssue(
        title=title,
        product_id=product_id,
        severity=form.severity,
        description=form.description,
        version=form.version,
        filed_in=form.filed_in,
        source_channel=form.source_channel,
        source_ts=form.source_ts,
        source_link=form.source_link,
    )


def file_from_form(
    session: Session, *, team_id: str, reporter: str, form: IssueForm, now: datetime
) -> SupportIssue:
    """File the issue a form asks for; FormErrors (nothing filed) when fields are wrong."""
    new = check_form(session, team_id=team_id, form=form)
    return file_issue(session, team_id=team_id, reporter=reporter, new=new, now=now)


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


def assign_person(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    number: int,
    assignee: str,
    actor: str,
    now: datetime,
    usage: str | None = None,
) -> bool:
    """Assign issue `number` to someone Slack knows who is not a bot; False if already so."""
    info = directory.user(session, team_id, assignee)
    if info is None:
        raise NotFound(f"I cannot find the user <@{assignee}> in this workspace.")
    if info.is_bot:
        raise UsageError("Issues are assigned to people, not bots.", usage=usage)
    issue = get_issue(session, team_id=team_id, number=number)
    return assign(session, issue=issue, assignee=assignee, actor=actor, now=now)


def comment(session: Session, *, issue: SupportIssue, actor: str, text: str, now: datetime) -> None:
    body = text.strip()
    if not body:
        raise UsageError("The comment is empty.")
    if len(body) > COMMENT_MAX:
        raise UsageError(f"The comment is longer than {COMMENT_MAX} characters.")
    _changed(session, issue, actor, "comment", body, now)


def close(
    session: Session,
    *,
    issue: SupportIssue,
    actor: str,
    resolution: str,
    now: datetime,
    withdrawn: bool = False,
) -> bool:
    """Close; `withdrawn` when its reporter takes it back (the provider never answered)."""
    if issue.status == "closed":
        return False
    issue.status = "closed"
    issue.is_open = False
    issue.closed_at = now
    issue.warn_at = None
    # A closed issue waits for nobody; reopened, its clock runs again.
    issue.waiting_since = None
    issue.waiting_reason = None
    # Closing answers the filer too: an issue closed unanswered got its response now.
    # A withdrawal is no answer from the provider: its response stays unrecorded.
    if issue.first_response_at is None and not withdrawn:
        issue.first_response_at = now
    issue.resolution = resolution.strip()[:COMMENT_MAX] or None
    verb = "withdrawn by the reporter" if withdrawn else "closed"
    _changed(
        session,
        issue,
        actor,
        "closed",
        f"{verb}: {issue.resolution}" if issue.resolution else verb,
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
    """One page of a list: its rows, the count of all it lists, and where it is."""

    rows: list[SupportIssue]
    total: int
    scope: str
    page: int = 1
    before: int | None = None
    # Numbers of the rows whose first response is overdue, and how many the list has.
    overdue: frozenset[int] = frozenset()
    overdue_total: int = 0
    has_more: bool = False
    limit: int = LIST_LIMIT

    @property
    def first_index(self) -> int:
        """The position of the page's first row in the whole list (1-based)."""
        return (self.page - 1) * self.limit + 1


def is_overdue(issue: SupportIssue, now: datetime) -> bool:
    """Nobody answered and the first-response deadline has passed (what escalates)."""
    return issue.status == "open" and issue.response_due is not None and issue.response_due <= now


def _overdue_conds(now: datetime) -> list[Any]:
    # The range of ix_support_issues_due (status, response_due): what the SLA job reads.
    return [
        SupportIssue.status == "open",
        SupportIssue.response_due.is_not(None),
        SupportIssue.response_due <= now,
    ]


def _not_overdue(now: datetime) -> Any:
    return or_(
        SupportIssue.status != "open",
        SupportIssue.response_due.is_(None),
        SupportIssue.response_due > now,
    )


def check_page(page: int, limit: int = LIST_LIMIT) -> None:
    if page < 1:
        raise UsageError("Pages start at 1.")
    if (page - 1) * limit >= COUNT_CAP:
        raise UsageError(
            f"A list shows at most {COUNT_CAP // limit} pages; to go further back, "
            "say `before #N` (the issues filed before #N).",
        )


def list_issues(
    session: Session,
    *,
    team_id: str,
    scope: str = "open",
    user_id: str | None = None,
    product_id: int | None = None,
    provider_id: int | None = None,
    limit: int = LIST_LIMIT,
    page: int = 1,
    before: int | None = None,
    now: datetime | None = None,
) -> IssuePage:
    """A page of issues with the total count: open ones overdue first (longest overdue
    first), then newest first; `before` keeps the issues numbered below it.

    Every query below is one range of an index (ending in `number`, or the SLA job's
    (status, response_due)), so the cost depends on the page and the count, not on
    how many issues exist.
    """
    check_page(page, limit)
    where = [SupportIssue.team_id == team_id]
    if product_id is not None:
        where.append(SupportIssue.product_id == product_id)
    if provider_id is not None:
        where.append(SupportIssue.provider_id == provider_id)
    if before is not None:
        where.append(SupportIssue.number < before)
    if scope == "mine":
        mine = user_id or ""
        ranges = [
            [*where, SupportIssue.reporter == mine, SupportIssue.is_open == true()],
            [
                *where,
                SupportIssue.assignee == mine,
                SupportIssue.is_open == true(),
                SupportIssue.reporter != mine,
            ],
        ]
        total = sum(_count_where(session, r, cap=COUNT_CAP) for r in ranges)
    else:
        if scope in ("open", "closed"):
            ranges = [[*where, SupportIssue.is_open == (true() if scope == "open" else false())]]
        elif len(where) > 1:
            # Filtered "all": the open and the closed range of the filter's index, merged.
            ranges = [[*where, SupportIssue.is_open == flag] for flag in (true(), false())]
        else:
            ranges = [where]
        total = _total(session, where=where, scope=scope)
    offset = (page - 1) * limit
    # One more than the page: whether there is a next one.
    need = offset + limit + 1
    overdue_rows: list[SupportIssue] = []
    overdue_total = 0
    if scope in ("open", "mine") and now is not None:
        overdue_rows = _most_overdue(session, [[*r, *_overdue_conds(now)] for r in ranges], need)
        overdue_total = sum(
            _count_where(session, [*r, *_overdue_conds(now)], cap=COUNT_CAP) for r in ranges
        )
        ranges = [[*r, _not_overdue(now)] for r in ranges]
    rows = overdue_rows + _newest(session, ranges, need - len(overdue_rows))
    shown = rows[offset : offset + limit]
    if page > 1 and not shown:
        pages = max(1, -(-min(total, COUNT_CAP) // limit))
        raise UsageError(
            f"There is no page {page}: this list has {pages} page{'s' if pages > 1 else ''}.",
        )
    return IssuePage(
        rows=shown,
        total=total,
        scope=scope,
        page=page,
        before=before,
        overdue=frozenset(i.number for i in shown if now is not None and is_overdue(i, now)),
        overdue_total=overdue_total,
        has_more=len(rows) > offset + limit,
        limit=limit,
    )


def _most_overdue(session: Session, ranges: list[list[Any]], limit: int) -> list[SupportIssue]:
    """The `limit` most overdue issues over some ranges, longest overdue first."""
    rows: dict[int, SupportIssue] = {}
    for conds in ranges:
        for issue in session.scalars(
            select(SupportIssue)
            .where(*conds)
            # Equal deadlines: the one filed first has waited longest. By id, which
            # the index holds after response_due in SQLite: no sort.
            .order_by(SupportIssue.response_due, SupportIssue.id)
            .limit(limit)
        ):
            rows[issue.number] = issue
    ordered = sorted(rows.values(), key=lambda i: (i.response_due, i.id))
    return ordered[:limit]


def _newest(session: Session, ranges: list[list[Any]], limit: int) -> list[SupportIssue]:
    """The newest `limit` issues over some index ranges, each read newest-first."""
    if limit <= 0:
        return []
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
        # A filter: count at most COUNT_CAP + 1 index entries.
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


def list_filter(
    session: Session, *, team_id: str, words: list[str]
) -> tuple[SupportProduct | None, SupportProvider | None]:
    """The product and provider named by `[product] [provider]` (either may be missing).

    A provider is named exactly, at the end; a product as lookups read it. Words that
    are neither: NotFound about the product (with suggestions), or about the provider
    when only a provider's name is close.
    """
    if not words:
        return None, None
    whole = " ".join(words)
    prov = catalog.provider_exact(session, team_id=team_id, name=whole)
    if prov is not None:
        return None, prov
    for i in range(len(words) - 1, 0, -1):
        prov = catalog.provider_exact(session, team_id=team_id, name=" ".join(words[i:]))
        if prov is None:
            continue
        product = catalog.resolve_product(session, team_id=team_id, query=" ".join(words[:i]))
        return product, prov
    try:
        product = catalog.resolve_product(session, team_id=team_id, query=whole)
    except NotFound as not_a_product:
        try:
            found = catalog.find_provider(session, team_id=team_id, name=whole)
        except NotFound as not_a_provider:
            raise catalog.likelier_miss(not_a_product, not_a_provider) from None
        return None, found
    return product, None


@dataclass(frozen=True)
class IssueListing:
    """A page of issues, what it was filtered by, and the names its rows need."""

    page: IssuePage
    product: SupportProduct | None
    provider: SupportProvider | None
    product_names: dict[int, str]
    providers: dict[int, SupportProvider]


def find_issues(
    session: Session,
    *,
    team_id: str,
    scope: str = "open",
    user_id: str | None = None,
    filter_words: list[str] | None = None,
    page: int = 1,
    before: int | None = None,
    now: datetime | None = None,
) -> IssueListing:
    """`/issue list`: resolve the filter words (see `list_filter`), then one page of the
    list (see `list_issues`: overdue first when `now` is given)."""
    check_page(page)
    product, provider = list_filter(session, team_id=team_id, words=filter_words or [])
    found = list_issues(
        session,
        team_id=team_id,
        scope=scope,
        user_id=user_id,
        product_id=product.id if product else None,
        provider_id=provider.id if provider else None,
        page=page,
        before=before,
        now=now,
    )
    names, providers = names_for(session, team_id=team_id, issues=found.rows)
    return IssueListing(found, product, provider, names, providers)
