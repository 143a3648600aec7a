"""The support catalog: tiers, providers, products and who supports what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import NotFound, UsageError
from bot.slackfmt import escape
from bot.support import catalog_cache  # noqa: F401  (every catalog change bumps its version)
from bot.support.matching import Candidate, Match, match_name, match_product, suggest
from bot.support.misses import GUESS, NONE, SEVERAL, Choice, LookupMiss
from bot.support.models import (
    SupportAssignment,
    SupportIssue,
    SupportProduct,
    SupportProvider,
    SupportTier,
)
from bot.support.vocab import DEFAULT_TIERS, SEVERITIES, TierInfo, normalize


def _did_you_mean(names: list[str]) -> str:
    if not names:
        return ""
    return " Did you mean " + " or ".join(f"*{escape(n)}*" for n in names) + "?"


# -- tiers --------------------------------------------------------------------------


def _tier_from_row(row: SupportTier) -> TierInfo:
    default = DEFAULT_TIERS.get(row.name)
    return TierInfo(
        name=row.name,
        description=row.description,
        response={k: int(v) for k, v in (row.response or {}).items()},
        resolution={k: int(v) for k, v in (row.resolution or {}).items()},
        rank=row.rank,
        builtin=default is not None,
        customized=True,
    )


def tiers(session: Session, *, team_id: str) -> list[TierInfo]:
    """The workspace's tiers: built-in defaults, overridden or extended by its own rows."""
    out = dict(DEFAULT_TIERS)
    for row in session.scalars(select(SupportTier).where(SupportTier.team_id == team_id)):
        out[row.name] = _tier_from_row(row)
    return sorted(out.values(), key=lambda t: (t.rank, t.name))


def get_tier(session: Session, *, team_id: str, name: str) -> TierInfo:
    known = {t.name: t for t in tiers(session, team_id=team_id)}
    key = name.strip().lower().replace(" ", "-")
    if key in known:
        return known[key]
    names = list(known)
    m = match_name(names, key)
    if m.exact:
        return known[names[m.ids[0]]]
    maybe = [names[i] for i in m.ids[:3]] or m.suggestions
    raise NotFound(
        f"There is no tier `{escape(name[:40])}`. Tiers: {escape(', '.join(known))}."
        + _did_you_mean(maybe)
    )


def set_tier(
    session: Session,
    *,
    team_id: str,
    name: str,
    description: str | None = None,
    response: dict[str, int] | None = None,
    resolution: dict[str, int] | None = None,
    replace: bool = False,
) -> TierInfo:
    """Change (or create) a tier; targets of -1 are removed, others merged unless `replace`."""
    row = session.scalars(
        select(SupportTier).where(SupportTier.team_id == team_id, SupportTier.name == name)
    ).one_or_none()
    if row is None:
        base = DEFAULT_TIERS.get(name)
        rank = base.rank if base else 10 + len(tiers(session, team_id=team_id))
        row = SupportTier(
            team_id=team_id,
            name=name,
            description=base.description if base else "",
            response=dict(base.response) if base else {},
            resolution=dict(base.resolution) if base else {},
            rank=rank,
        )
        session.add(row)
    if description is not None:
        row.description = description
    for attr, changes in (("response", response), ("resolution", resolution)):
        if changes is None:
            continue
        current: dict[str, Any] = {} if replace else dict(getattr(row, attr) or {})
        for sev, minutes in changes.items():
            if minutes < 0:
                current.pop(sev, None)
            else:
                current[sev] = minutes
        setattr(row, attr, {s: current[s] for s in SEVERITIES if s in current})
    session.flush()
    return _tier_from_row(row)


# -- providers ----------------------------------------------------------------------


def providers(session: Session, *, team_id: str) -> list[SupportProvider]:
    return list(
        session.scalars(
            select(SupportProvider)
            .where(SupportProvider.team_id == team_id)
            .order_by(SupportProvider.key)
        )
    )


def find_provider(
    session: Session, *, team_id: str, name: str, strict: bool = False
) -> SupportProvider:
    """A provider by name (case and accents aside); LookupMiss when it is not exactly one.

    A unique start of a name ("wham") is accepted unless `strict`; a misspelling never is.
    """
    found, _ = match_providers(session, team_id=team_id, name=name, strict=strict)
    return found


def match_providers(
    session: Session, *, team_id: str, name: str, strict: bool = False
) -> tuple[SupportProvider, Match]:
    """The one provider `name` means and how it matched, else LookupMiss saying why."""
    rows = providers(session, team_id=team_id)
    if not rows:
        raise NotFound(
            "The catalog has no providers yet. An admin can add one with "
            "`/support add provider NAME` or `wgbot catalog import FILE`."
        )
    m = match_name([r.name for r in rows], name)
    if m.exact or (m.unique and not strict):
        return rows[m.ids[0]], m
    if m.several:
        raise LookupMiss(
            what="provider",
            query=name,
            kind=SEVERAL,
            choices=[provider_choice(rows[i]) for i in m.ids],
        )
    close = [rows[i] for i in (m.ids or m.suggestion_ids)]
    if close:
        raise LookupMiss(
            what="provider",
            query=name,
            kind=GUESS,
            choices=[provider_choice(r) for r in close],
        )
    raise LookupMiss(
        what="provider",
        query=name,
        kind=NONE,
        choices=[],
        hint="`/support providers` lists them all.",
    )


def likelier_miss(product_miss: NotFound, provider_miss: NotFound) -> NotFound:
    """The answer for words that are neither a product nor a provider.

    It is about the product, unless only the provider side has names to offer.
    """
    offers_provider = isinstance(provider_miss, LookupMiss) and provider_miss.choices
    offers_product = isinstance(product_miss, LookupMiss) and product_miss.choices
    return provider_miss if offers_provider and not offers_product else product_miss


def provider_choice(p: SupportProvider) -> Choice:
    return Choice("provider", p.name, f"provider{f', {escape(p.role)}' if p.role else ''}")


def provider_exact(session: Session, *, team_id: str, name: str) -> SupportProvider | None:
    return session.scalars(
        select(SupportProvider).where(
            SupportProvider.team_id == team_id, SupportProvider.key == normalize(name)
        )
    ).one_or_none()


def upsert_provider(
    session: Session,
    *,
    team_id: str,
    name: str,
    role: str | None = None,
    collaboration: str | None = None,
    channel: str | None = None,
    escalation: list[str] | None = None,
    url: str | None = None,
) -> tuple[SupportProvider, bool]:
    """Add a provider or change the given fields of an existing one; True when created."""
    row = provider_exact(session, team_id=team_id, name=name)
    created = row is None
    if row is None:
        row = SupportProvider(team_id=team_id, name=name, key=normalize(name), escalation=[])
        session.add(row)
    row.name = name
    if role is not None:
        row.role = role
    if collaboration is not None:
        row.collaboration = collaboration
    if channel is not None:
        row.channel = channel
    if escalation is not None:
        row.escalation = list(escalation)
    if url is not None:
        row.url = url
    session.flush()
    return row, created


# -- products -----------------------------------------------------------------------


def products(session: Session, *, team_id: str) -> list[SupportProduct]:
    return list(
        session.scalars(
            select(SupportProduct)
            .where(SupportProduct.team_id == team_id)
            .order_by(SupportProduct.key)
        )
    )


def product_exact(session: Session, *, team_id: str, name: str) -> SupportProduct | None:
    return session.scalars(
        select(SupportProduct).where(
            SupportProduct.team_id == team_id, SupportProduct.key == normalize(name)
        )
    ).one_or_none()


def candidates(session: Session, *, team_id: str) -> list[Candidate]:
    rows = session.execute(
        select(
            SupportProduct.id, SupportProduct.name, SupportProduct.aliases, SupportProduct.version
        )
        .where(SupportProduct.team_id == team_id)
        # Catalog order, so that a list of matches reads the same every time.
        .order_by(SupportProduct.key)
    ).all()
    return [Candidate(r[0], r[1], tuple(r[2] or ()), r[3]) for r in rows]


def match(session: Session, *, team_id: str, query: str) -> Match:
    return match_product(candidates(session, team_id=team_id), query)


def product_choices(
    session: Session, *, team_id: str, product_ids: list[int], today: date | None = None
) -> list[Choice]:
    """Each product with who supports it ("Whamcloud: extended L3"), in the given order."""
    if not product_ids:
        return []
    names: dict[int, str] = {
        pid: name
        for pid, name in session.execute(
            select(SupportProduct.id, SupportProduct.name).where(
                SupportProduct.team_id == team_id, SupportProduct.id.in_(product_ids)
            )
        ).all()
    }
    supports: dict[int, list[str]] = {}
    rows = session.execute(
        select(SupportAssignment, SupportProvider.name)
        .join(SupportProvider, SupportProvider.id == SupportAssignment.provider_id)
        .where(SupportAssignment.team_id == team_id, SupportAssignment.product_id.in_(product_ids))
        .order_by(SupportAssignment.position, SupportAssignment.id)
    ).all()
    for a, provider_name in rows:
        if today is not None and not (
            (a.valid_from is None or a.valid_from <= today)
            and (a.valid_until is None or today <= a.valid_until)
        ):
            continue
        level = f" {a.level}" if a.level else ""
        supports.setdefault(a.product_id, []).append(
            f"{escape(provider_name)}: {escape(a.tier)}{level}"
        )
    return [
        Choice("product", names[i], "; ".join(supports.get(i, [])) or "no provider yet")
        for i in product_ids
        if i in names
    ]


def _no_products() -> NotFound:
    return NotFound(
        "The catalog has no products yet. An admin can add one with "
        "`/support add product NAME` or `wgbot catalog import FILE`."
    )


#: The most matches a "several" answer lists; more means the name was too short.
SEVERAL_MAX = 10


def _miss(session: Session, team_id: str, m: Match, today: date | None) -> LookupMiss:
    """The answer for a product query that is a misspelling or matches nothing."""
    if m.suggestion_ids:
        return LookupMiss(
            what="product",
            query=m.query,
            kind=GUESS,
            choices=product_choices(
                session, team_id=team_id, product_ids=m.suggestion_ids, today=today
            ),
        )
    return LookupMiss(
        what="product",
        query=m.query,
        kind=NONE,
        choices=[],
        hint="`/support products` lists them all.",
    )


def _several(
    session: Session, team_id: str, m: Match, today: date | None, what: str = "product"
) -> LookupMiss:
    choices = product_choices(
        session, team_id=team_id, product_ids=m.ids[:SEVERAL_MAX], today=today
    )
    return LookupMiss(
        what=what,
        query=m.query,
        kind=SEVERAL,
        choices=choices,
        more=max(0, len(m.ids) - SEVERAL_MAX),
    )


def resolve_products(
    session: Session, *, team_id: str, query: str, today: date | None = None
) -> tuple[list[SupportProduct], Match]:
    """Products named by `query` (one, or all of several); LookupMiss when none."""
    cands = candidates(session, team_id=team_id)
    if not cands:
        raise _no_products()
    m = match_product(cands, query)
    if not m.found:
        raise _miss(session, team_id, m, today)
    rows = {
        p.id: p for p in session.scalars(select(SupportProduct).where(SupportProduct.id.in_(m.ids)))
    }
    return [rows[i] for i in m.ids if i in rows], m


def resolve_product(
    session: Session, *, team_id: str, query: str, strict: bool = False
) -> SupportProduct:
    """Exactly one product, or LookupMiss naming the choices; `strict` refuses partial names."""
    found, m = resolve_products(session, team_id=team_id, query=query)
    if m.several:
        raise _several(session, team_id, m, None)
    if strict and not m.exact:
        # "lustr" names one product, but a write should not rest on a partial name.
        raise LookupMiss(
            what="product",
            query=query,
            kind=GUESS,
            choices=product_choices(session, team_id=team_id, product_ids=m.ids),
        )
    return found[0]


def product_suggestions(session: Session, *, team_id: str, query: str) -> list[str]:
    return suggest(candidates(session, team_id=team_id), query)


def product_and_provider(
    session: Session, *, team_id: str, names: list[str], usage: str | None = None
) -> tuple[SupportProduct, SupportProvider]:
    """Split "<product words> <provider words>" where the provider is a known name.

    The provider must be named exactly (case and spacing aside); the product exactly
    or by an unambiguous name, alias or version. When no split works the error is
    about the most likely culprit: the last word as a provider, the rest as a product.
    """
    for i in range(1, len(names)):
        prov = provider_exact(session, team_id=team_id, name=" ".join(names[i:]))
        if prov is None:
            continue
        prod = product_exact(session, team_id=team_id, name=" ".join(names[:i]))
        if prod is None:
            try:
                prod = resolve_product(
                    session, team_id=team_id, query=" ".join(names[:i]), strict=True
                )
            except NotFound:
                continue
        return prod, prov
    if len(names) < 2:
        raise UsageError("Name a product and a provider.", usage=usage)
    prov = find_provider(session, team_id=team_id, name=names[-1], strict=True)
    prod = resolve_product(session, team_id=team_id, query=" ".join(names[:-1]), strict=True)
    return prod, prov


def upsert_product(
    session: Session,
    *,
    team_id: str,
    name: str,
    aliases: list[str] | None = None,
    version: str | None = None,
    description: str | None = None,
) -> tuple[SupportProduct, bool]:
    row = product_exact(session, team_id=team_id, name=name)
    created = row is None
    if row is None:
        row = SupportProduct(team_id=team_id, name=name, key=normalize(name), aliases=[])
        session.add(row)
    row.name = name
    if aliases is not None:
        seen: list[str] = []
        for a in aliases:
            if a.strip() and normalize(a) not in [normalize(s) for s in seen]:
                seen.append(a.strip())
        row.aliases = seen
    if version is not None:
        row.version = version or None
    if description is not None:
        row.description = description or None
    session.flush()
    return row, created


# -- assignments --------------------------------------------------------------------


@dataclass(frozen=True)
class Support:
    """One provider's support for a product, as shown by lookups."""

    provider: SupportProvider
    tier: TierInfo
    level: str | None
    valid_from: date | None
    valid_until: date | None
    current: bool


def assign(
    session: Session,
    *,
    team_id: str,
    product: SupportProduct,
    provider: SupportProvider,
    tier: str,
    level: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> tuple[SupportAssignment, bool]:
    """Make `provider` support `product` at `tier`; True when it is a new assignment."""
    get_tier(session, team_id=team_id, name=tier)
    if valid_from and valid_until and valid_until < valid_from:
        raise UsageError("The assignment would end before it starts.")
    row = session.scalars(
        select(SupportAssignment).where(
            SupportAssignment.team_id == team_id,
            SupportAssignment.product_id == product.id,
            SupportAssignment.provider_id == provider.id,
        )
    ).one_or_none()
    created = row is None
    if row is None:
        position = session.scalar(
            select(func.count())
            .select_from(SupportAssignment)
            .where(SupportAssignment.team_id == team_id, SupportAssignment.product_id == product.id)
        )
        row = SupportAssignment(
            team_id=team_id, product_id=product.id, provider_id=provider.id, position=position or 0
        )
        session.add(row)
    row.tier = tier
    row.level = level
    row.valid_from = valid_from
    row.valid_until = valid_until
    session.flush()
    return row, created


def unassign(
    session: Session, *, team_id: str, product: SupportProduct, provider: SupportProvider
) -> bool:
    row = session.scalars(
        select(SupportAssignment).where(
            SupportAssignment.team_id == team_id,
            SupportAssignment.product_id == product.id,
            SupportAssignment.provider_id == provider.id,
        )
    ).one_or_none()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def support_for(
    session: Session, *, team_id: str, product_id: int, today: date, current_first: bool = True
) -> list[Support]:
    """Who supports a product in catalog order (current assignments first, by default)."""
    tier_map = {t.name: t for t in tiers(session, team_id=team_id)}
    rows = session.execute(
        select(SupportAssignment, SupportProvider)
        .join(SupportProvider, SupportProvider.id == SupportAssignment.provider_id)
        .where(SupportAssignment.team_id == team_id, SupportAssignment.product_id == product_id)
        .order_by(SupportAssignment.position, SupportAssignment.id)
    ).all()
    out: list[Support] = []
    for a, p in rows:
        current = (a.valid_from is None or a.valid_from <= today) and (
            a.valid_until is None or today <= a.valid_until
        )
        tier = tier_map.get(a.tier) or TierInfo(a.tier, "(this tier no longer exists)")
        out.append(Support(p, tier, a.level, a.valid_from, a.valid_until, current))
    return sorted(out, key=lambda s: not s.current) if current_first else out


def route(session: Session, *, team_id: str, product_id: int, today: date) -> Support | None:
    """Where a new issue about a product goes: its first currently valid assignment."""
    for s in support_for(session, team_id=team_id, product_id=product_id, today=today):
        if s.current:
            return s
    return None


def assignments_of_provider(
    session: Session, *, team_id: str, provider_id: int
) -> list[tuple[SupportAssignment, SupportProduct]]:
    return [
        (a, p)
        for a, p in session.execute(
            select(SupportAssignment, SupportProduct)
            .join(SupportProduct, SupportProduct.id == SupportAssignment.product_id)
            .where(
                SupportAssignment.team_id == team_id, SupportAssignment.provider_id == provider_id
            )
            .order_by(SupportProduct.key)
        ).all()
    ]


def open_issue_counts(session: Session, *, team_id: str) -> dict[int, int]:
    """Open (not closed) issues per provider id."""
    rows = session.execute(
        select(SupportIssue.provider_id, func.count())
        .where(
            SupportIssue.team_id == team_id,
            SupportIssue.status.in_(("open", "acknowledged")),
            SupportIssue.provider_id.is_not(None),
        )
        .group_by(SupportIssue.provider_id)
    ).all()
    return {int(pid): int(n) for pid, n in rows}


# -- answers for the commands ------------------------------------------------------


@dataclass(frozen=True)
class LookupEntry:
    """One product a lookup found, with who supports it (current first)."""

    product: SupportProduct
    supports: list[Support]


@dataclass(frozen=True)
class ProviderDetails:
    """A provider as `/support provider` shows it, and how its name matched."""

    provider: SupportProvider
    assignments: list[tuple[SupportAssignment, SupportProduct]]
    tiers: dict[str, TierInfo]
    open_count: int
    how: str = "exact"


@dataclass(frozen=True)
class Lookup:
    """The answer to "who supports X": one product (or a provider) and how it matched.

    `how` is exact | version | prefix | words for the product in `entries`, or
    "provider" when the name is a provider's (`provider.how` says how it matched).
    Anything else (several matches, a misspelling, nothing) is a LookupMiss.
    """

    how: str
    entries: list[LookupEntry]
    provider: ProviderDetails | None = None


def _details(session: Session, team_id: str, p: SupportProvider, how: str) -> ProviderDetails:
    return ProviderDetails(
        provider=p,
        assignments=assignments_of_provider(session, team_id=team_id, provider_id=p.id),
        tiers={t.name: t for t in tiers(session, team_id=team_id)},
        open_count=open_issue_counts(session, team_id=team_id).get(p.id, 0),
        how=how,
    )


def lookup(session: Session, *, team_id: str, query: str, today: date) -> Lookup:
    """What a typed name means, products first then providers; LookupMiss unless exactly one.

    An exact product name or alias wins, then an exact provider name, then a product
    with a fitting version; partial names count products and providers together, so
    "f5" lists F5's products and the F5 team rather than picking one.
    """
    cands = candidates(session, team_id=team_id)
    provs = providers(session, team_id=team_id)
    if not cands and not provs:
        raise _no_products()
    pm = match_product(cands, query)
    vm = match_name([p.name for p in provs], query)

    def product_answer() -> Lookup:
        (product,) = session.scalars(select(SupportProduct).where(SupportProduct.id == pm.ids[0]))
        entry = LookupEntry(
            product, support_for(session, team_id=team_id, product_id=product.id, today=today)
        )
        return Lookup(pm.how, [entry])

    if pm.how == "exact" or (pm.how == "version" and pm.found):
        if pm.unique:
            return product_answer()
        raise _several(session, team_id, pm, today)
    if vm.exact:
        return Lookup("provider", [], _details(session, team_id, provs[vm.ids[0]], "exact"))
    if pm.found or vm.found:
        if len(pm.ids) + len(vm.ids) == 1:
            if pm.found:
                return product_answer()
            return Lookup("provider", [], _details(session, team_id, provs[vm.ids[0]], vm.how))
        choices = product_choices(
            session, team_id=team_id, product_ids=pm.ids[:SEVERAL_MAX], today=today
        )
        choices += [provider_choice(provs[i]) for i in vm.ids[: SEVERAL_MAX - len(choices)]]
        raise LookupMiss(
            what="product" if pm.found else "provider",
            query=query,
            kind=SEVERAL,
            choices=choices,
            more=len(pm.ids) + len(vm.ids) - len(choices),
        )
    close = product_choices(
        session, team_id=team_id, product_ids=pm.suggestion_ids, today=today
    ) + [provider_choice(provs[i]) for i in vm.suggestion_ids]
    if close:
        raise LookupMiss(what="product or provider", query=query, kind=GUESS, choices=close[:4])
    raise LookupMiss(
        what="product or provider",
        query=query,
        kind=NONE,
        choices=[],
        hint="`/support products` and `/support providers` list them all.",
    )


def provider_details(session: Session, *, team_id: str, name: str) -> ProviderDetails:
    """A provider by typed name (LookupMiss unless exactly one), its products and issues."""
    p, m = match_providers(session, team_id=team_id, name=name)
    return _details(session, team_id, p, m.how)


def providers_with_counts(
    session: Session, *, team_id: str
) -> tuple[list[SupportProvider], dict[int, int]]:
    """Every provider, and the open issues of each (by provider id)."""
    return providers(session, team_id=team_id), open_issue_counts(session, team_id=team_id)
