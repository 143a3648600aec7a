"""Admin edits of the support catalog, as `/support` asks for them.

Only workspace admins and bot admins change the catalog. Each function here checks
that first and then makes the whole change, so a command adapter makes one call and
a refusal writes nothing. (`wgbot catalog import` runs on the server, trusted, and
calls the catalog functions directly.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.services.permissions import IsAdmin, check_admin
from bot.support import catalog
from bot.support.models import SupportProduct, SupportProvider
from bot.support.vocab import TierInfo

CATALOG = "change the support catalog"
TIERS = "change the support tiers"


def save_provider(
    session: Session,
    *,
    team_id: str,
    is_admin: IsAdmin,
    name: str,
    role: str | None = None,
    collaboration: str | None = None,
    channel: str | None = None,
    escalation: list[str] | None = None,
    url: str | None = None,
) -> tuple[SupportProvider, bool]:
    """Add a provider or change the given fields (admins); True when created."""
    check_admin(is_admin, doing=CATALOG)
    return catalog.upsert_provider(
        session,
        team_id=team_id,
        name=name,
        role=role,
        collaboration=collaboration,
        channel=channel,
        escalation=escalation,
        url=url,
    )


def save_product(
    session: Session,
    *,
    team_id: str,
    is_admin: IsAdmin,
    name: str,
    aliases: list[str] | None = None,
    version: str | None = None,
    description: str | None = None,
) -> tuple[SupportProduct, bool]:
    """Add a product or change the given fields (admins); True when created."""
    check_admin(is_admin, doing=CATALOG)
    return catalog.upsert_product(
        session,
        team_id=team_id,
        name=name,
        aliases=aliases,
        version=version,
        description=description,
    )


@dataclass(frozen=True)
class Assigned:
    """What `assign_by_name` saved."""

    product: SupportProduct
    provider: SupportProvider
    tier: TierInfo
    created: bool


def assign_by_name(
    session: Session,
    *,
    team_id: str,
    is_admin: IsAdmin,
    names: list[str],
    tier: str,
    level: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    usage: str | None = None,
) -> Assigned:
    """Make a provider support a product at a tier (admins), both named in `names`.

    `names` is the product's words then the provider's (see `catalog.product_and_provider`).
    """
    check_admin(is_admin, doing=CATALOG)
    product, provider = catalog.product_and_provider(
        session, team_id=team_id, names=names, usage=usage
    )
    info = catalog.get_tier(session, team_id=team_id, name=tier)
    if valid_from and valid_until and valid_until < valid_from:
        raise UsageError("`until` is before `from`.", usage=usage)
    _, created = catalog.assign(
        session,
        team_id=team_id,
        product=product,
        provider=provider,
        tier=info.name,
        level=level,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return Assigned(product, provider, info, created)


@dataclass(frozen=True)
class Unassigned:
    """What `unassign_by_name` found; `removed` is False when there was nothing to remove."""

    product: SupportProduct
    provider: SupportProvider
    removed: bool


def unassign_by_name(
    session: Session, *, team_id: str, is_admin: IsAdmin, names: list[str], usage: str | None = None
) -> Unassigned:
    """Stop a provider supporting a product (admins), both named in `names`."""
    check_admin(is_admin, doing=CATALOG)
    product, provider = catalog.product_and_provider(
        session, team_id=team_id, names=names, usage=usage
    )
    removed = catalog.unassign(session, team_id=team_id, product=product, provider=provider)
    return Unassigned(product, provider, removed)


def change_tier(
    session: Session,
    *,
    team_id: str,
    is_admin: IsAdmin,
    name: str,
    description: str | None = None,
    response: dict[str, int] | None = None,
    resolution: dict[str, int] | None = None,
) -> TierInfo:
    """Change a tier's targets or description, or add a tier (admins)."""
    check_admin(is_admin, doing=TIERS)
    return catalog.set_tier(
        session,
        team_id=team_id,
        name=name,
        description=description,
        response=response,
        resolution=resolution,
    )
