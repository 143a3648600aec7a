"""/support: the catalog (tiers, providers, products), lookups, admin edits and metrics.

Also adds `wgbot catalog import FILE` / `wgbot catalog export` to the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.commands import catalog_cli
from bot.commands.base import Ctx, Reply, Router, split_args
from bot.commands.registry import Registry
from bot.errors import UsageError
from bot.grammar import CHANNEL_TOKEN, parse_user
from bot.render import render
from bot.slackfmt import escape
from bot.support import admin, business_hours, catalog, clocks, metrics, periods, sla
from bot.support.catalog_cache import AnswerCache
from bot.support.misses import Choice, LookupMiss
from bot.support.vocab import (
    ALIAS_MAX,
    NAME_MAX,
    SEVERITIES,
    VocabError,
    format_duration,
    format_elapsed,
    parse_collaboration,
    parse_date,
    parse_level,
    parse_role,
    parse_targets,
    parse_tier_name,
)
from bot.timekit.zones import get_zone

router = Router(
    "support",
    "who supports which product, at which tier, and how well providers keep their promises",
    examples=(
        "/support lustre",
        "/support tiers",
        "/support provider Whamcloud",
        "/support metrics quarter chart csv",
        '/support assign "OpenSFS Lustre 2.15" Whamcloud extended L3',
    ),
)

LOOKUP_USAGE = "/support lookup <product>   (or just /support <product>)"
ADD_USAGE = (
    '/support add provider <name> [role="product team"] [collaboration=integrated] '
    "[channel=#triage] [escalation=@a,@b] [url=https://…]\n"
    '/support add product <name> [aliases=a,b] [version=2.15] [description="…"]'
)
ASSIGN_USAGE = (
    "/support assign <product> <provider> <tier> [L1|L2|L3] [from=YYYY-MM-DD] [until=YYYY-MM-DD]"
)
UNASSIGN_USAGE = "/support unassign <product> <provider>"
TIER_USAGE = '/support tier <name> [response S1=4h S2=1d …] [resolution S1=2d …] [description "…"]'
METRICS_USAGE = (
    "/support metrics [7d|2w|3m|quarter|last-quarter|YYYY-MM-DD..YYYY-MM-DD|all] [chart] [csv]"
)


# -- pure parsers --------------------------------------------------------------------


def split_options(words: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Leading plain words, then `key=value` options (a key may repeat)."""
    plain: list[str] = []
    options: dict[str, list[str]] = {}
    for w in words:
        key, eq, value = w.partition("=")
        if eq and key and key.replace("-", "").isalpha():
            options.setdefault(key.lower(), []).append(value)
        elif options:
            # A bare word after options continues the previous option's value.
            last = list(options)[-1]
            options[last][-1] = f"{options[last][-1]} {w}".strip()
        else:
            plain.append(w)
    return plain, options


def _one(options: dict[str, list[str]], key: str) -> str | None:
    values = options.get(key)
    return values[-1].strip() if values else None


def _vocab(fn: Any, raw: str, usage: str) -> Any:
    try:
        return fn(raw)
    except VocabError as exc:
        raise UsageError(escape(str(exc)), usage=usage) from None


@dataclass(frozen=True)
class ProviderArgs:
    name: str
    role: str | None = None
    collaboration: str | None = None
    channel: str | None = None
    escalation: list[str] | None = None
    url: str | None = None


def parse_add_provider(words: list[str]) -> ProviderArgs:
    plain, opts = split_options(words)
    unknown = set(opts) - {"role", "collaboration", "channel", "escalation", "escalate", "url"}
    if unknown:
        raise UsageError(f"Unknown option `{sorted(unknown)[0][:20]}=`.", usage=ADD_USAGE)
    name = " ".join(plain).strip()
    if not name:
        raise UsageError("Name the provider.", usage=ADD_USAGE)
    if len(name) > NAME_MAX:
        raise UsageError(f"A provider name is at most {NAME_MAX} characters.", usage=ADD_USAGE)
    role = _one(opts, "role")
    collab = _one(opts, "collaboration")
    channel = _one(opts, "channel")
    channel_value: str | None = None
    if channel is not None:
        m = CHANNEL_TOKEN.match(channel)
        if m:
            channel_value = m.group(1)
        elif channel.startswith("#") and len(channel) > 1 and " " not in channel:
            # Slack sends a channel it knows as <#C…|name>; a bare name is one it did
            # not recognise (and the card needs the id: Slack edits messages by id).
            raise UsageError(
                f"I cannot see a channel `{escape(channel[:40])}`: pick it from the list "
                "Slack shows as you type #, and invite me first if it is private.",
                usage=ADD_USAGE,
            )
        else:
            raise UsageError(
                f"`{escape(channel[:40])}` is not a channel; pick it with #.", usage=ADD_USAGE
            )
    escalation: list[str] | None = None
    raw_people = [*opts.get("escalation", []), *opts.get("escalate", [])]
    if raw_people:
        escalation = []
        for chunk in raw_people:
            for token in chunk.replace(",", " ").split():
                escalation.append(parse_user(token, ADD_USAGE))
    url = _one(opts, "url")
    if url is not None:
        url = url.strip("<>").split("|")[0]
        if not url.startswith(("http://", "https://")):
            raise UsageError("The url should start with https://.", usage=ADD_USAGE)
    return ProviderArgs(
        name=name,
        role=_vocab(parse_role, role, ADD_USAGE) if role is not None else None,
        collaboration=_vocab(parse_collaboration, collab, ADD_USAGE)
        if collab is not None
        else None,
        channel=channel_value,
        escalation=escalation,
        url=url,
    )


@dataclass(frozen=True)
class ProductArgs:
    name: str
    aliases: list[str] | None = None
    version: str | None = None
    description: str | None = None


def parse_add_product(words: list[str]) -> ProductArgs:
    plain, opts = split_options(words)
    unknown = set(opts) - {"aliases", "alias", "version", "description"}
    if unknown:
        raise UsageError(f"Unknown option `{sorted(unknown)[0][:20]}=`.", usage=ADD_USAGE)
    name = " ".join(plain).strip()
    if not name:
        raise UsageError("Name the product.", usage=ADD_USAGE)
    if len(name) > NAME_MAX:
        raise UsageError(f"A product name is at most {NAME_MAX} characters.", usage=ADD_USAGE)
    aliases: list[str] | None = None
    raw = [*opts.get("aliases", []), *opts.get("alias", [])]
    if raw:
        aliases = [a.strip() for chunk in raw for a in chunk.split(",") if a.strip()]
        if any(len(a) > ALIAS_MAX for a in aliases):
            raise UsageError(f"An alias is at most {ALIAS_MAX} characters.", usage=ADD_USAGE)
    version = _one(opts, "version")
    if version is not None and len(version) > 40:
        raise UsageError("A version is at most 40 characters.", usage=ADD_USAGE)
    return ProductArgs(name, aliases, version, _one(opts, "description"))


@dataclass(frozen=True)
class AssignArgs:
    names: list[str]  # product words then provider words
    tier: str
    level: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def parse_assign(words: list[str]) -> AssignArgs:
    plain, opts = split_options(words)
    unknown = set(opts) - {"from", "until"}
    if unknown:
        raise UsageError(f"Unknown option `{sorted(unknown)[0][:20]}=`.", usage=ASSIGN_USAGE)
    level = None
    if plain and plain[-1].upper() in ("L1", "L2", "L3"):
        level = _vocab(parse_level, plain.pop(), ASSIGN_USAGE)
    if len(plain) < 3:
        raise UsageError("Name a product, a provider and a tier.", usage=ASSIGN_USAGE)
    tier = _vocab(parse_tier_name, plain.pop(), ASSIGN_USAGE)
    start = _one(opts, "from")
    until = _one(opts, "until")
    return AssignArgs(
        names=plain,
        tier=tier,
        level=level,
        valid_from=_vocab(parse_date, start, ASSIGN_USAGE) if start else None,
        valid_until=_vocab(parse_date, until, ASSIGN_USAGE) if until else None,
    )


@dataclass
class TierArgs:
    name: str
    response: dict[str, int] | None = None
    resolution: dict[str, int] | None = None
    description: str | None = None
    sections: list[str] = field(default_factory=list)


def parse_tier(words: list[str]) -> TierArgs:
    if not words:
        raise UsageError("Name the tier to change.", usage=TIER_USAGE)
    args = TierArgs(_vocab(parse_tier_name, words[0], TIER_USAGE))
    current: str | None = None
    buckets: dict[str, list[str]] = {}
    for w in words[1:]:
        if w.lower() in ("response", "resolution", "description"):
            current = w.lower()
            if current in buckets:
                raise UsageError(f"`{current}` is given twice.", usage=TIER_USAGE)
            buckets[current] = []
            continue
        if current is None:
            raise UsageError(
                f"`{escape(w[:30])}`: say whether it is a `response` or `resolution` target.",
                usage=TIER_USAGE,
            )
        buckets[current].append(w)
    if not buckets:
        raise UsageError(
            "Give `response` or `resolution` targets, or a `description`.", usage=TIER_USAGE
        )
    for key in ("response", "resolution"):
        if key in buckets:
            if not buckets[key]:
                raise UsageError(f"`{key}` needs targets like S1=4h.", usage=TIER_USAGE)
            setattr(args, key, _vocab(parse_targets, buckets[key], TIER_USAGE))  # type: ignore[arg-type]
    if "description" in buckets:
        text = " ".join(buckets["description"]).strip()
        if not text or len(text) > 1000:
            raise UsageError("The description should be 1 to 1000 characters.", usage=TIER_USAGE)
        args.description = text
    return args


@dataclass
class MetricsArgs:
    period: periods.Period
    chart: bool = False
    csv: bool = False


def parse_metrics(words: list[str], *, now: datetime, zone: str) -> MetricsArgs:
    """`[period] [chart] [csv]` in any order; the period is read in the requester's zone."""
    found: periods.Period | None = None
    want = {"chart": False, "csv": False}
    for w in words:
        lw = w.lower()
        if lw in want:
            want[lw] = True
            continue
        if found is not None:
            raise UsageError(
                f"Two periods (`{escape(found.text)}` and `{escape(w[:30])}`): give one.",
                usage=METRICS_USAGE,
            )
        try:
            found = periods.parse_period(w, now=now, zone=zone)
        except periods.PeriodError as exc:
            raise UsageError(escape(str(exc)), usage=METRICS_USAGE) from None
    if found is None:
        found = periods.parse_period(periods.DEFAULT, now=now, zone=zone)
    return MetricsArgs(found, chart=want["chart"], csv=want["csv"])


# -- lookups -------------------------------------------------------------------------


@router.sub("help", "/support help", "This help.", writes=False, empty=True)
def help_(ctx: Ctx, args: str) -> Reply:
    return router.help()


@router.sub(
    "lookup",
    LOOKUP_USAGE,
    "Who supports a product, at which tier and level, where to ask, and the response targets.",
    writes=False,
    default=True,
)
def lookup(ctx: Ctx, args: str) -> Reply:
    query = " ".join(args.split())
    if not query:
        raise UsageError("Name a product.", usage=LOOKUP_USAGE)
    today = ctx.now.date()
    # Same catalog version, day and question: the same answer (validity dates are days).
    # The key keeps the query as typed, since a miss quotes it back.
    return _LOOKUPS.get_or_make(
        ctx.session, ctx.team_id, (query, today), lambda: _lookup(ctx, query, today)
    )


_LOOKUPS = AnswerCache()


def ready_lookup(choice: Choice) -> str:
    """The command that looks up a product or provider a miss offers."""
    if choice.kind == "provider":
        return f"/support provider {choice.name}"
    return f"/support {choice.name}"


def miss_reply(miss: LookupMiss, ready: Callable[[Choice], str] = ready_lookup) -> Reply:
    """A lookup that named no single thing: what it could mean, with commands to run."""
    return Reply(text=f":mag: {miss.text(ready)}")


def _lookup(ctx: Ctx, query: str, today: date) -> Reply:
    try:
        found = catalog.lookup(ctx.session, team_id=ctx.team_id, query=query, today=today)
    except LookupMiss as miss:
        return miss_reply(miss)
    if found.provider is not None:
        return _provider_reply(found.provider, query, note="provider")
    markup = render(
        "support/lookup.slack.j2",
        query=query,
        how=found.how,
        entries=found.entries,
        severities=SEVERITIES,
        duration=format_duration,
    )
    return Reply.markup(markup)


@router.sub("tiers", "/support tiers", "The support tiers and what each promises.", writes=False)
def tiers(ctx: Ctx, args: str) -> Reply:
    rows = catalog.tiers(ctx.session, team_id=ctx.team_id)
    return Reply.markup(
        render(
            "support/tiers.slack.j2", tiers=rows, severities=SEVERITIES, duration=format_duration
        )
    )


@router.sub("products", "/support products", "Every product in the catalog.", writes=False)
def products(ctx: Ctx, args: str) -> Reply:
    rows = catalog.products(ctx.session, team_id=ctx.team_id)
    return Reply.markup(render("support/products.slack.j2", products=rows[:200], total=len(rows)))


@router.sub(
    "providers", "/support providers", "Every provider with its role and open issues.", writes=False
)
def providers(ctx: Ctx, args: str) -> Reply:
    rows, counts = catalog.providers_with_counts(ctx.session, team_id=ctx.team_id)
    return Reply.markup(render("support/providers.slack.j2", providers=rows[:100], counts=counts))


@router.sub(
    "provider",
    "/support provider <name>",
    "A provider's products, tiers, channels and open-issue count.",
    writes=False,
)
def provider(ctx: Ctx, args: str) -> Reply:
    name = " ".join(split_args(args, "/support provider <name>"))
    if not name:
        raise UsageError("Name a provider.", usage="/support provider <name>")
    try:
        d = catalog.provider_details(ctx.session, team_id=ctx.team_id, name=name)
    except LookupMiss as miss:
        return miss_reply(miss)
    return _provider_reply(d, name)


def _provider_reply(d: catalog.ProviderDetails, query: str, note: str = "") -> Reply:
    return Reply.markup(
        render(
            "support/provider.slack.j2",
            provider=d.provider,
            assignments=d.assignments[:40],
            total=len(d.assignments),
            tiers=d.tiers,
            open_count=d.open_count,
            severities=SEVERITIES,
            duration=format_duration,
            how=d.how,
            query=query,
            note=note,
        )
    )


# -- admin edits ---------------------------------------------------------------------


@router.sub("add", ADD_USAGE.splitlines()[0], "Add or change a provider or a product (admins).")
def add(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, ADD_USAGE)
    if not words or words[0].lower() not in ("provider", "product"):
        raise UsageError("Say whether to add a `provider` or a `product`.", usage=ADD_USAGE)
    kind, rest = words[0].lower(), words[1:]
    if kind == "provider":
        pa = parse_add_provider(rest)
        row, created = admin.save_provider(
            ctx.session,
            team_id=ctx.team_id,
            is_admin=ctx.is_admin,
            name=pa.name,
            role=pa.role,
            collaboration=pa.collaboration,
            channel=pa.channel,
            escalation=pa.escalation,
            url=pa.url,
        )
        return Reply.markup(render("support/saved_provider.slack.j2", p=row, created=created))
    pr = parse_add_product(rest)
    product, created = admin.save_product(
        ctx.session,
        team_id=ctx.team_id,
        is_admin=ctx.is_admin,
        name=pr.name,
        aliases=pr.aliases,
        version=pr.version,
        description=pr.description,
    )
    return Reply.markup(render("support/saved_product.slack.j2", p=product, created=created))


@router.sub("assign", ASSIGN_USAGE, "Make a provider support a product at a tier (admins).")
def assign(ctx: Ctx, args: str) -> Reply:
    a = parse_assign(split_args(args, ASSIGN_USAGE))
    saved = admin.assign_by_name(
        ctx.session,
        team_id=ctx.team_id,
        is_admin=ctx.is_admin,
        names=a.names,
        tier=a.tier,
        level=a.level,
        valid_from=a.valid_from,
        valid_until=a.valid_until,
        usage=ASSIGN_USAGE,
    )
    return Reply.markup(
        render(
            "support/saved_assignment.slack.j2",
            product=saved.product,
            provider=saved.provider,
            tier=saved.tier,
            level=a.level,
            valid_from=a.valid_from,
            valid_until=a.valid_until,
            created=saved.created,
        )
    )


@router.sub("unassign", UNASSIGN_USAGE, "Stop a provider supporting a product (admins).")
def unassign(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, UNASSIGN_USAGE)
    done = admin.unassign_by_name(
        ctx.session, team_id=ctx.team_id, is_admin=ctx.is_admin, names=words, usage=UNASSIGN_USAGE
    )
    verb = "no longer supports" if done.removed else "did not support"
    return Reply(text=f"*{escape(done.provider.name)}* {verb} *{escape(done.product.name)}*.")


@router.sub("tier", TIER_USAGE, "Change a tier's targets or description, or add a tier (admins).")
def tier(ctx: Ctx, args: str) -> Reply:
    t = parse_tier(split_args(args, TIER_USAGE))
    info = admin.change_tier(
        ctx.session,
        team_id=ctx.team_id,
        is_admin=ctx.is_admin,
        name=t.name,
        description=t.description,
        response=t.response,
        resolution=t.resolution,
    )
    return Reply.markup(
        render(
            "support/tiers.slack.j2",
            tiers=[info],
            severities=SEVERITIES,
            duration=format_duration,
            saved=True,
        )
    )


# -- metrics -------------------------------------------------------------------------


@router.sub(
    "metrics",
    METRICS_USAGE,
    "Opened/closed, median times to first response and resolution, SLA compliance.",
)
def metrics_(ctx: Ctx, args: str) -> Reply:
    zone = ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id)
    try:
        get_zone(zone)
    except Exception:
        zone = "UTC"
    asked = parse_metrics(split_args(args, METRICS_USAGE), now=ctx.now, zone=zone)
    here = ctx.channel_id or ctx.user_id
    m = metrics.support_report(
        ctx.session,
        team_id=ctx.team_id,
        period=asked.period,
        now=ctx.now,
        csv_to=here if asked.csv else None,
    )
    if asked.chart:
        metrics.chart_after_commit(ctx.rt, ctx.session, m, team_id=ctx.team_id, channel=here)
    files = [w for w, on in (("chart", asked.chart), ("CSV file", asked.csv)) if on]
    on_its_way = f"The {' and the '.join(files)} {'are' if len(files) > 1 else 'is'} on "
    on_its_way += "their way to this channel." if len(files) > 1 else "its way to this channel."
    markup = render("support/metrics.slack.j2", m=m, elapsed=format_elapsed)
    rows = metrics.table_rows(m)
    lines = [
        " · ".join(f"{h} {c}" if h else c for h, c in zip(rows[0], r, strict=False) if c)
        for r in rows[1:]
    ]
    fallback = "\n".join([f"Support metrics — {m.period.title}", *lines])
    if files:
        markup += f"\n::context {on_its_way}"
        fallback += f"\n{on_its_way}"
    reply = Reply.markup(markup, fallback=fallback[:3000])
    reply.blocks = (reply.blocks or []) + [metrics_table(rows)]
    return reply


def metrics_table(rows: list[list[str]]) -> dict[str, Any]:
    """A Block Kit table (Slack shows it below the message) of the metrics' numbers."""
    return {
        "type": "table",
        "column_settings": [{"is_wrapped": True}] + [{"align": "right"}] * (len(rows[0]) - 1),
        "rows": [[{"type": "raw_text", "text": cell or " "} for cell in row] for row in rows],
    }


# -- business-hours calendars ------------------------------------------------------

CALENDAR_USAGE = (
    "/support calendar <provider>|tier:<name> zone <Area/City> [days mon-fri] "
    "[hours 09:00-17:00] [holidays FR]   or   /support calendar <provider>|tier:<name> none"
)


@router.sub(
    "calendar",
    CALENDAR_USAGE,
    "Make a provider's or a tier's SLA clocks count business hours (admins).",
)
def calendar(ctx: Ctx, args: str) -> Reply:
    change = clocks.change_calendar(
        ctx.session,
        team_id=ctx.team_id,
        is_admin=ctx.is_admin,
        words=split_args(args, CALENDAR_USAGE),
        usage=CALENDAR_USAGE,
    )
    if change.calendar is None:
        return Reply(
            text=f"SLA clocks of *{escape(change.target)}* now run around the clock (24×7) "
            "for new issues."
        )
    return Reply(
        text=f"SLA clocks of *{escape(change.target)}* now count business hours only: "
        f"{escape(business_hours.describe(change.calendar))}. New issues use it; open issues "
        "keep the calendar they were filed with."
    )


def install(registry: Registry) -> None:
    """The support catalog: /support, SLA checks, the weekly digest and `wgbot catalog`."""
    registry.family(router)
    registry.periodic("support_sla", sla.sla_task, every=60)
    registry.periodic("support_digest", sla.digest_task, every=900)
    registry.command_line(catalog_cli.COMMAND)
