"""Tables of the support feature: the catalog (tiers, providers, products) and issues."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.types import UtcDateTime


class SupportTier(Base):
    """A workspace's own definition of a tier (overrides a built-in default of that name)."""

    __tablename__ = "support_tiers"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    # Severity ("S1".."S4") -> minutes; a missing severity has no target.
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    resolution: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    # Business hours its SLA clocks count (see business_hours.Calendar.to_json); none: 24×7.
    calendar: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class SupportProvider(Base):
    """Who gives support: a vendor, product team, integrator or service provider."""

    __tablename__ = "support_providers"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    # The normalized name, for case-insensitive uniqueness and lookups.
    key: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(40))
    collaboration: Mapped[str | None] = mapped_column(String(40))
    # A channel id (C…) or a "#name" from a catalog file.
    channel: Mapped[str | None] = mapped_column(String(100))
    escalation: Mapped[list[Any]] = mapped_column(default=list)
    url: Mapped[str | None] = mapped_column(String(500))
    # Business hours its SLA clocks count; wins over its tier's calendar; none: 24×7.
    calendar: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class SupportProduct(Base):
    """A product, component or release members can ask about."""

    __tablename__ = "support_products"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120))
    version: Mapped[str | None] = mapped_column(String(40))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)


class SupportAssignment(Base):
    """A provider supporting a product at a tier (and level), possibly for a period."""

    __tablename__ = "support_assignments"
    __table_args__ = (UniqueConstraint("product_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("support_products.id", ondelete="CASCADE"), index=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("support_providers.id", ondelete="CASCADE"), index=True
    )
    tier: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(4))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # Catalog order: the first valid assignment is where new issues are routed.
    position: Mapped[int] = mapped_column(Integer, default=0)


class SupportIssue(Base):
    """A filed support issue with its SLA deadlines and where its card lives."""

    __tablename__ = "support_issues"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        # `/issue list` reads one index range newest-first, even over 100,000 issues:
        # an equality on every column before `number`, so no sort and no scan.
        Index("ix_support_issues_list", "team_id", "is_open", "number"),
        Index("ix_support_issues_product", "team_id", "product_id", "is_open", "number"),
        Index("ix_support_issues_provider", "team_id", "provider_id", "is_open", "number"),
        Index("ix_support_issues_reporter", "team_id", "reporter", "is_open", "number"),
        Index("ix_support_issues_assignee", "team_id", "assignee", "is_open", "number"),
        Index("ix_support_issues_warn", "status", "warn_at"),
        Index("ix_support_issues_due", "status", "response_due"),
        Index("ix_support_issues_resolution", "is_open", "resolution_due"),
        Index("ix_support_issues_created", "team_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(2))
    # "open" (nobody answered yet), "acknowledged" or "closed".
    status: Mapped[str] = mapped_column(String(16), default="open")
    # status != "closed", kept beside it so that list indexes take an equality.
    is_open: Mapped[bool] = mapped_column(default=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_products.id", ondelete="SET NULL")
    )
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_providers.id", ondelete="SET NULL")
    )
    tier: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(4))
    reporter: Mapped[str] = mapped_column(String(32))
    assignee: Mapped[str | None] = mapped_column(String(32))
    triage_channel: Mapped[str] = mapped_column(String(100))
    filed_in: Mapped[str | None] = mapped_column(String(32))
    source_channel: Mapped[str | None] = mapped_column(String(32))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    source_link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    response_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the "deadline approaching" warning becomes due; cleared once sent.
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the missed resolution deadline was escalated (once per deadline).
    resolution_escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The calendar its deadlines were counted in when filed (none: 24×7), so that a
    # pause shifts them in the same business time and reports name it.
    sla_calendar: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # "Waiting on reporter": the resolution clock is paused since then.
    waiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    waiting_reason: Mapped[str | None] = mapped_column(String(200))
    # Indexed: deleting an old outbox row (housekeeping) looks for issues pointing at it.
    card_outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL"), index=True
    )


class SupportIssueEvent(Base):
    """One line of an issue's history: filed, acknowledged, assigned, commented, …"""

    __tablename__ = "support_issue_events"
    __table_args__ = (Index("ix_support_issue_events_issue", "issue_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    issue_id: Mapped[int] = mapped_column(ForeignKey("support_issues.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
