"""The catalog file (YAML): parse with line numbers, apply all-or-nothing, export.

The file is read as a node tree (yaml.compose) rather than as Python values so that
every problem can name its line, and so that `version: 2.10` stays the text "2.10"
instead of becoming the float 2.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.support import business_hours, catalog, clocks
from bot.support.models import SupportProduct, SupportProvider, SupportTier
from bot.support.vocab import (
    ALIAS_MAX,
    DEFAULT_TIERS,
    NAME_MAX,
    SEVERITIES,
    VocabError,
    format_duration,
    normalize,
    parse_collaboration,
    parse_date,
    parse_duration,
    parse_level,
    parse_role,
    parse_tier_name,
)

_CHANNEL_ID = re.compile(r"^<?#?([CG][A-Z0-9]{1,20})(?:\|[^>]*)?>?$")
_CHANNEL_NAME = re.compile(r"^#?([a-z0-9][a-z0-9._-]{0,79})$")
_USER_ID = re.compile(r"^<?@?([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>?$")


class CatalogError(Exception):
    """Everything wrong with a catalog file, each problem with its line."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems)
        super().__init__("; ".join(f"line {n}: {m}" for n, m in self.problems))

    def lines(self) -> list[str]:
        return [f"line {n}: {m}" for n, m in self.problems]


@dataclass
class TierSpec:
    line: int
    name: str
    description: str | None = None
    response: dict[str, int] | None = None
    resolution: dict[str, int] | None = None
    # `calendar:` given: a stored calendar, or None for `calendar: none` (24×7).
    calendar_given: bool = False
    calendar: dict[str, Any] | None = None


@dataclass
class ProviderSpec:
    line: int
    name: str
    role: str | None = None
    collaboration: str | None = None
    channel: str | None = None  # a channel id, or "#name" until resolve_channels()
    escalation: list[str] = field(default_factory=list)
    url: str | None = None
    channel_line: int | None = None
    calendar_given: bool = False
    calendar: dict[str, Any] | None = None


@dataclass
class AssignmentSpec:
    line: int
    provider: str
    tier: str
    level: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass
class ProductSpec:
    line: int
    name: str
    aliases: list[str] = field(default_factory=list)
    version: str | None = None
    description: str | None = None
    assignments: list[AssignmentSpec] = field(default_factory=list)


@dataclass
class CatalogDoc:
    tiers: list[TierSpec] = field(default_factory=list)
    providers: list[ProviderSpec] = field(default_factory=list)
    products: list[ProductSpec] = field(default_factory=list)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    """Walks the node tree, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def fail(self, node: yaml.Node, message: str) -> None:
        self.problems.append((_line(node), message))

    def mapping(
        self, node: yaml.Node, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} should be a mapping of `key: value` lines.")
            return None
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = (
                str(key_node.value).strip().lower() if isinstance(key_node, yaml.ScalarNode) else ""
            )
            if key not in allowed:
                self.fail(
                    key_node,
                    f"unknown key `{str(getattr(key_node, 'value', ''))[:40]}` in {what}; "
                    f"expected one of: {', '.join(allowed)}.",
                )
                continue
            if key in out:
                self.fail(key_node, f"`{key}` appears twice in {what}.")
                continue
            out[key] = value_node
        for key in required:
            if key not in out:
                self.fail(node, f"{what} needs `{key}`.")
        return out

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return []
        self.fail(node, f"{what} should be a list (lines starting with `- `).")
        return []

    def text(self, node: yaml.Node | None, what: str, limit: int = 200) -> str | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, f"{what} should be a single value.")
            return None
        value = str(node.value).strip()
        if not value:
            self.fail(node, f"{what} is empty.")
            return None
        if len(value) > limit:
            self.fail(node, f"{what} is longer than {limit} characters.")
            return None
        return value

    def vocab(self, node: yaml.Node | None, what: str, parse: Any) -> Any:
        raw = self.text(node, what)
        if raw is None or node is None:
            return None
        try:
            return parse(raw)
        except VocabError as exc:
            self.fail(node, str(exc).replace("`", "'"))
            return None

    def texts(self, node: yaml.Node | None, what: str, limit: int) -> list[str]:
        if node is None:
            return []
        if isinstance(node, yaml.ScalarNode):
            one = self.text(node, what, limit)
            return [one] if one else []
        out: list[str] = []
        for item in self.sequence(node, what):
            value = self.text(item, what, limit)
            if value:
                out.append(value)
        return out

    def targets(self, node: yaml.Node | None, what: str) -> dict[str, int] | None:
        if node is None:
            return None
        fields = self.mapping(node, what, tuple(s.lower() for s in SEVERITIES))
        if fields is None:
            return None
        out: dict[str, int] = {}
        for sev, value in fields.items():
            raw = self.text(value, f"{what} {sev.upper()}")
            if raw is None:
                continue
            if raw.lower() in ("none", "-"):
                continue
            try:
                out[sev.upper()] = parse_duration(raw)
            except VocabError as exc:
                self.fail(value, str(exc).replace("`", "'"))
        return out


def parse_catalog(text: str) -> CatalogDoc:
    """Read a catalog file; CatalogError lists every problem with its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        raise CatalogError([(line, f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise CatalogError([(1, f"not valid YAML: {exc}")]) from None
    if root is None:
        raise CatalogError([(1, "the file is empty; expected `providers:` and `products:`.")])
    r = _Reader()
    doc = CatalogDoc()
    top = r.mapping(root, "the catalog", ("tiers", "providers", "products"))
    if top is None:
        raise CatalogError(r.problems)
    for node in r.sequence(top["tiers"], "tiers") if "tiers" in top else []:
        _tier(r, node, doc)
    for node in r.sequence(top["providers"], "providers") if "providers" in top else []:
        _provider(r, node, doc)
    for node in r.sequence(top["products"], "products") if "products" in top else []:
        _product(r, node, doc)
    _check_names(r, doc)
    if r.problems:
        raise CatalogError(r.problems)
    return doc


def _calendar(r: _Reader, node: yaml.Node) -> dict[str, Any] | None:
    """`calendar:` (zone, days, hours, holidays) as stored, or None for `none`."""
    if isinstance(node, yaml.ScalarNode) and str(node.value).strip().lower() in ("none", "24x7"):
        return None
    f = r.mapping(node, "a calendar", ("zone", "days", "hours", "holidays"), ("zone",))
    if f is None or "zone" not in f:
        return None
    days_node = f.get("days")
    if isinstance(days_node, yaml.SequenceNode):
        days = ",".join(r.texts(days_node, "the days", 20))
    else:
        days = (r.text(days_node, "the days", 40) or "") if days_node else "mon-fri"
    try:
        if not days.strip() or days.strip().lower() == "none":
            raise business_hours.CalendarError(
                "the calendar has no working days; name at least one (e.g. mon-fri)."
            )
        cal = business_hours.make(
            zone=r.text(f.get("zone"), "the zone", 64) or "",
            days=days,
            hours=r.text(f.get("hours"), "the hours", 40) or "09:00-17:00",
            holidays=r.text(f.get("holidays"), "the holidays", 20),
        )
    except business_hours.CalendarError as exc:
        r.fail(node, str(exc).replace("`", "'"))
        return None
    return cal.to_json()


def _tier(r: _Reader, node: yaml.Node, doc: CatalogDoc) -> None:
    f = r.mapping(
        node, "a tier", ("name", "description", "response", "resolution", "calendar"), ("name",)
    )
    if f is None:
        return
    name = r.vocab(f.get("name"), "the tier name", parse_tier_name)
    if name is None:
        return
    doc.tiers.append(
        TierSpec(
            _line(node),
            name,
            r.text(f.get("description"), "the description", 1000),
            r.targets(f.get("response"), "response"),
            r.targets(f.get("resolution"), "resolution"),
            "calendar" in f,
            _calendar(r, f["calendar"]) if "calendar" in f else None,
        )
    )


def _channel(r: _Reader, node: yaml.Node | None) -> str | None:
    raw = r.text(node, "the channel", 100)
    if raw is None or node is None:
        return None
    m = _CHANNEL_ID.match(raw)
    if m:
        return m.group(1)
    m = _CHANNEL_NAME.match(raw)
    if m:
        return "#" + m.group(1)
    r.fail(node, f"'{raw[:40]}' is not a channel; write \"#channel-name\" or a channel id.")
    return None


def _provider(r: _Reader, node: yaml.Node, doc: CatalogDoc) -> None:
    f = r.mapping(
        node,
        "a provider",
        ("name", "role", "collaboration", "channel", "escalation", "url", "calendar"),
        ("name",),
    )
    if f is None:
        return
    name = r.text(f.get("name"), "the provider name", NAME_MAX)
    escalation: list[str] = []
    for item in r.sequence(f["escalation"], "escalation") if "escalation" in f else []:
        raw = r.text(item, "an escalation contact", 40)
        if raw is None:
            continue
        m = _USER_ID.match(raw)
        if m:
            escalation.append(m.group(1))
        else:
            r.fail(item, f"'{raw[:40]}' is not a Slack user id (like U0123ABCD).")
    url = r.text(f.get("url"), "the url", 500)
    if url and not url.startswith(("http://", "https://")):
        r.fail(f["url"], "the url should start with https://.")
    if name is None:
        return
    doc.providers.append(
        ProviderSpec(
            _line(node),
            name,
            r.vocab(f.get("role"), "the role", parse_role),
            r.vocab(f.get("collaboration"), "the collaboration", parse_collaboration),
            _channel(r, f.get("channel")),
            escalation,
            url,
            _line(f["channel"]) if "channel" in f else None,
            "calendar" in f,
            _calendar(r, f["calendar"]) if "calendar" in f else None,
        )
    )


def _product(r: _Reader, node: yaml.Node, doc: CatalogDoc) -> None:
    f = r.mapping(
        node,
        "a product",
        ("name", "aliases", "version", "description", "providers"),
        ("name",),
    )
    if f is None:
        return
    name = r.text(f.get("name"), "the product name", NAME_MAX)
    spec = ProductSpec(
        _line(node),
        name or "",
        r.texts(f.get("aliases"), "an alias", ALIAS_MAX),
        r.text(f.get("version"), "the version", 40),
        r.text(f.get("description"), "the description", 1000),
    )
    for item in r.sequence(f["providers"], "the product's providers") if "providers" in f else []:
        a = r.mapping(
            item,
            "a product's provider",
            ("provider", "tier", "level", "from", "until"),
            ("provider", "tier"),
        )
        if a is None:
            continue
        provider = r.text(a.get("provider"), "the provider", NAME_MAX)
        tier = r.vocab(a.get("tier"), "the tier", parse_tier_name)
        level = r.vocab(a.get("level"), "the level", parse_level)
        start = r.vocab(a.get("from"), "from", parse_date)
        until = r.vocab(a.get("until"), "until", parse_date)
        if start and until and until < start:
            r.fail(a["until"], "`until` is before `from`.")
        if provider and tier:
            spec.assignments.append(
                AssignmentSpec(_line(item), provider, tier, level, start, until)
            )
    if name:
        doc.products.append(spec)


def _check_names(r: _Reader, doc: CatalogDoc) -> None:
    for kind, items in (
        ("tier", doc.tiers),
        ("provider", doc.providers),
        ("product", doc.products),
    ):
        seen: dict[str, int] = {}
        for item in items:
            key = normalize(item.name)
            if key in seen:
                r.problems.append(
                    (item.line, f"the {kind} '{item.name}' is already defined on line {seen[key]}.")
                )
            else:
                seen[key] = item.line
    for product in doc.products:
        seen_p: set[str] = set()
        for a in product.assignments:
            if normalize(a.provider) in seen_p:
                r.problems.append((a.line, f"'{a.provider}' is listed twice for '{product.name}'."))
            seen_p.add(normalize(a.provider))


def channel_names(doc: CatalogDoc) -> list[str]:
    """The channel names (bare, as Slack names them) the file gives instead of ids."""
    names = [p.channel[1:] for p in doc.providers if p.channel and p.channel.startswith("#")]
    return list(dict.fromkeys(names))


def resolve_channels(doc: CatalogDoc, ids: dict[str, str]) -> None:
    """Replace each "#name" by its channel id from `ids` ({name: id}, asked of Slack
    beforehand); CatalogError naming the line of every name not in `ids`.

    Only ids are stored: Slack takes a name when posting, but editing a card, reading
    a channel's history or reacting needs the id.
    """
    problems: list[tuple[int, str]] = []
    for p in doc.providers:
        if not p.channel or not p.channel.startswith("#"):
            continue
        found = ids.get(p.channel[1:])
        if found is None:
            problems.append(
                (
                    p.channel_line or p.line,
                    f"there is no channel '{p.channel}' that the bot can see in this "
                    "workspace: check the name, invite the bot if the channel is private "
                    "(`/invite @wgbot`), or write the channel id (C0123ABCD).",
                )
            )
        else:
            p.channel = found
    if problems:
        raise CatalogError(problems)


@dataclass(frozen=True)
class ImportSummary:
    tiers: int
    providers_added: int
    providers_updated: int
    products_added: int
    products_updated: int
    assignments: int

    def describe(self) -> str:
        return (
            f"{self.providers_added} provider(s) added, {self.providers_updated} updated; "
            f"{self.products_added} product(s) added, {self.products_updated} updated; "
            f"{self.assignments} assignment(s); {self.tiers} tier(s) set."
        )


def apply_catalog(session: Session, *, team_id: str, doc: CatalogDoc) -> ImportSummary:
    """Merge a parsed file into the workspace's catalog; a product's providers are replaced.

    Raises CatalogError (before changing anything the caller would keep: the caller's
    transaction rolls back) when the file names a provider or tier that does not exist.
    """
    problems: list[tuple[int, str]] = []
    known_tiers = {t.name for t in catalog.tiers(session, team_id=team_id)} | set(DEFAULT_TIERS)
    known_tiers |= {t.name for t in doc.tiers}
    file_providers = {normalize(p.name) for p in doc.providers}
    db_providers = {p.key: p for p in catalog.providers(session, team_id=team_id)}
    for spec in doc.products:
        for a in spec.assignments:
            if normalize(a.provider) not in file_providers | set(db_providers):
                problems.append(
                    (
                        a.line,
                        f"the provider '{a.provider}' is not defined (add it under `providers:`).",
                    )
                )
            if a.tier not in known_tiers:
                problems.append(
                    (
                        a.line,
                        f"the tier '{a.tier}' is not defined; tiers: {', '.join(sorted(known_tiers))}.",
                    )
                )
    if problems:
        raise CatalogError(problems)

    for t in doc.tiers:
        catalog.set_tier(
            session,
            team_id=team_id,
            name=t.name,
            description=t.description,
            response=t.response,
            resolution=t.resolution,
            replace=True,
        )
        if t.calendar_given:
            clocks.set_calendar(
                session, team_id=team_id, tier=t.name, calendar=business_hours.from_json(t.calendar)
            )
    added = updated = 0
    by_key: dict[str, SupportProvider] = dict(db_providers)
    for p in doc.providers:
        row, created = catalog.upsert_provider(
            session,
            team_id=team_id,
            name=p.name,
            role=p.role,
            collaboration=p.collaboration,
            channel=p.channel,
            escalation=p.escalation,
            url=p.url,
        )
        if p.calendar_given:
            row.calendar = p.calendar
        by_key[row.key] = row
        added, updated = added + created, updated + (not created)
    p_added = p_updated = assignments = 0
    for spec in doc.products:
        product, created = catalog.upsert_product(
            session,
            team_id=team_id,
            name=spec.name,
            aliases=spec.aliases,
            version=spec.version or "",
            description=spec.description or "",
        )
        p_added, p_updated = p_added + created, p_updated + (not created)
        for sup in catalog.support_for(
            session, team_id=team_id, product_id=product.id, today=date.min, current_first=False
        ):
            catalog.unassign(session, team_id=team_id, product=product, provider=sup.provider)
        for a in spec.assignments:
            catalog.assign(
                session,
                team_id=team_id,
                product=product,
                provider=by_key[normalize(a.provider)],
                tier=a.tier,
                level=a.level,
                valid_from=a.valid_from,
                valid_until=a.valid_until,
            )
            assignments += 1
    return ImportSummary(len(doc.tiers), added, updated, p_added, p_updated, assignments)


def import_text(
    session: Session, *, team_id: str, text: str, channel_ids: dict[str, str] | None = None
) -> ImportSummary:
    """Parse and apply a file; channel names are resolved with `channel_ids` ({name: id},
    asked of Slack beforehand) when given, and kept as "#name" otherwise."""
    doc = parse_catalog(text)
    if channel_ids is not None:
        resolve_channels(doc, channel_ids)
    return apply_catalog(session, team_id=team_id, doc=doc)


def export_catalog(session: Session, *, team_id: str) -> str:
    """The workspace's catalog as a file that imports back to the same catalog."""
    out: dict[str, Any] = {}
    custom = [t for t in catalog.tiers(session, team_id=team_id) if t.customized]
    if custom:
        out["tiers"] = [
            {
                "name": t.name,
                "description": t.description,
                "response": {s: format_duration(m) for s, m in t.response.items()},
                "resolution": {s: format_duration(m) for s, m in t.resolution.items()},
            }
            for t in custom
        ]
        tier_calendars = _tier_calendars(session, team_id)
        for d in out["tiers"]:
            if d["name"] in tier_calendars:
                d["calendar"] = tier_calendars[d["name"]]
    out["providers"] = [_provider_dict(p) for p in catalog.providers(session, team_id=team_id)]
    out["products"] = [
        _product_dict(session, team_id, p) for p in catalog.products(session, team_id=team_id)
    ]
    header = "# wgbot support catalog: import with `wgbot catalog import FILE`\n"
    return header + yaml.safe_dump(out, sort_keys=False, allow_unicode=True, width=100)


def _provider_dict(p: SupportProvider) -> dict[str, Any]:
    d: dict[str, Any] = {"name": p.name}
    for key in ("role", "collaboration", "channel", "url"):
        if getattr(p, key):
            d[key] = getattr(p, key)
    if p.escalation:
        d["escalation"] = list(p.escalation)
    if p.calendar:
        d["calendar"] = _calendar_dict(p.calendar)
    return d


def _calendar_dict(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored calendar as the file writes it (days as names, e.g. mon,tue,wed)."""
    d: dict[str, Any] = {
        "zone": stored["zone"],
        "days": ",".join(business_hours.DAY_NAMES[int(i)] for i in stored["days"]),
        "hours": stored["hours"],
    }
    if stored.get("holidays"):
        d["holidays"] = stored["holidays"]
    return d


def _tier_calendars(session: Session, team_id: str) -> dict[str, dict[str, Any]]:
    rows = session.execute(
        select(SupportTier.name, SupportTier.calendar).where(
            SupportTier.team_id == team_id, SupportTier.calendar.is_not(None)
        )
    ).all()
    return {name: _calendar_dict(cal) for name, cal in rows if cal}


def _product_dict(session: Session, team_id: str, p: SupportProduct) -> dict[str, Any]:
    d: dict[str, Any] = {"name": p.name}
    if p.aliases:
        d["aliases"] = list(p.aliases)
    if p.version:
        d["version"] = p.version
    if p.description:
        d["description"] = p.description
    sups = catalog.support_for(
        session, team_id=team_id, product_id=p.id, today=date.min, current_first=False
    )
    rows = []
    for s in sups:
        a: dict[str, Any] = {"provider": s.provider.name, "tier": s.tier.name}
        if s.level:
            a["level"] = s.level
        if s.valid_from:
            a["from"] = s.valid_from.isoformat()
        if s.valid_until:
            a["until"] = s.valid_until.isoformat()
        rows.append(a)
    if rows:
        d["providers"] = rows
    return d
