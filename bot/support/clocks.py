"""SLA clocks of issues: which calendar they count in, their deadlines, calendar edits."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.services.permissions import IsAdmin, check_admin
from bot.support import business_hours, catalog
from bot.support.business_hours import Calendar
from bot.support.models import SupportIssue, SupportProvider, SupportTier
from bot.timekit.zones import profile_zone

log = logging.getLogger(__name__)

# The warning comes when this share of the first-response window has passed
# (of business time, when the issue has a calendar).
WARN_AT_SHARE = 0.75


def calendar_for(
    session: Session, *, team_id: str, provider: SupportProvider | None, tier: str | None
) -> Calendar | None:
    """The provider's calendar, else its tier's, else None (24×7)."""
    stored = provider.calendar if provider is not None else None
    if not stored and tier:
        stored = session.scalar(
            select(SupportTier.calendar).where(
                SupportTier.team_id == team_id, SupportTier.name == tier
            )
        )
    try:
        return business_hours.from_json(stored)
    except business_hours.CalendarError as exc:
        # Stored when valid, unusable now (zone or holiday data gone): file the issue
        # on the wall clock rather than refuse it; the admin is told by the log.
        log.warning("calendar of %s unusable, counting 24x7: %s", team_id, exc)
        return None


def issue_calendar(issue: SupportIssue) -> Calendar | None:
    """The calendar the issue's deadlines were counted in (None: 24×7)."""
    try:
        return business_hours.from_json(issue.sla_calendar)
    except business_hours.CalendarError:
        return None  # a stored calendar whose zone data vanished: count wall-clock time


def after(cal: Calendar | None, start: datetime, minutes: float) -> datetime:
    """`minutes` of SLA time after `start`: business time with a calendar, else wall clock."""
    if cal is None:
        return start + timedelta(minutes=minutes)
    return cal.add(start, minutes)


def elapsed(cal: Calendar | None, a: datetime, b: datetime) -> float:
    """SLA minutes from `a` to `b`."""
    if cal is None:
        return max(0.0, (b - a) / timedelta(minutes=1))
    return cal.between(a, b)


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime | None
    resolution_due: datetime | None
    warn_at: datetime | None


def deadlines(
    cal: Calendar | None, *, now: datetime, response_min: int | None, resolution_min: int | None
) -> Deadlines:
    """When the first response and the resolution are due, and when to warn."""
    return Deadlines(
        response_due=after(cal, now, response_min) if response_min else None,
        resolution_due=after(cal, now, resolution_min) if resolution_min else None,
        warn_at=after(cal, now, response_min * WARN_AT_SHARE) if response_min else None,
    )


def describe_issue(issue: SupportIssue) -> str:
    """For `/issue show` and reports: the calendar the issue's clocks count."""
    return business_hours.describe(issue_calendar(issue))


def set_calendar(
    session: Session,
    *,
    team_id: str,
    provider: SupportProvider | None = None,
    tier: str | None = None,
    calendar: Calendar | None,
) -> None:
    """Give a provider or a tier a calendar (None: back to 24×7); new issues use it."""
    stored = calendar.to_json() if calendar else None
    if provider is not None:
        provider.calendar = stored
    elif tier is not None:
        row = session.scalars(
            select(SupportTier).where(SupportTier.team_id == team_id, SupportTier.name == tier)
        ).one_or_none()
        if row is None:
            # A built-in tier has no row yet: make one with its defaults.
            catalog.set_tier(session, team_id=team_id, name=tier)
            row = session.scalars(
                select(SupportTier).where(SupportTier.team_id == team_id, SupportTier.name == tier)
            ).one()
        row.calendar = stored
    session.flush()


@dataclass(frozen=True)
class CalendarChange:
    """What `/support calendar` changed: a provider's or a tier's calendar."""

    target: str
    calendar: Calendar | None


CALENDAR_KEYS = ("zone", "days", "hours", "holidays")


def change_calendar(
    session: Session, *, team_id: str, is_admin: IsAdmin, words: list[str], usage: str
) -> CalendarChange:
    """`PROVIDER|tier:NAME (none | zone Z [days D] [hours H] [holidays C])` (admins).

    Days default to mon-fri and hours to 09:00-17:00; everything is checked before
    anything is written.
    """
    check_admin(is_admin, doing="change the support catalog")
    lowered = [w.lower() for w in words]
    cut = next((i for i, w in enumerate(lowered) if w in (*CALENDAR_KEYS, "none")), len(words))
    name, rest = " ".join(words[:cut]), words[cut:]
    if not name:
        raise UsageError("Name a provider, or a tier as tier:NAME.", usage=usage)
    if not rest:
        raise UsageError("Give the calendar (zone, days, hours, holidays) or `none`.", usage=usage)
    calendar: Calendar | None = None
    if [w.lower() for w in rest] != ["none"]:
        parts: dict[str, str] = {}
        for i in range(0, len(rest), 2):
            key = rest[i].lower()
            if key not in CALENDAR_KEYS:
                raise UsageError(f"`{rest[i][:20]}` is not part of a calendar.", usage=usage)
            if i + 1 >= len(rest):
                raise UsageError(f"`{key}` needs a value.", usage=usage)
            parts[key] = rest[i + 1]
        if "zone" not in parts:
            raise UsageError(
                "Say which time zone the hours are in: zone Europe/Paris.", usage=usage
            )
        days = parts.get("days", "mon-fri")
        if days.lower() in ("none", "-"):
            raise business_hours.CalendarError(
                "The calendar has no working days; name at least one (e.g. mon-fri)."
            )
        zone = parts["zone"]
        with contextlib.suppress(UsageError):
            # The one zone resolver: `zone Zürich` or `zone US/Pacific` store the
            # canonical name; what it cannot read gets the calendar's own answer.
            zone = profile_zone(zone)
        calendar = business_hours.make(
            zone=zone,
            days=days,
            hours=parts.get("hours", "09:00-17:00"),
            holidays=parts.get("holidays"),
        )
    if name.lower().startswith("tier:"):
        tier = catalog.get_tier(session, team_id=team_id, name=name[5:]).name
        set_calendar(session, team_id=team_id, tier=tier, calendar=calendar)
        return CalendarChange(f"the {tier} tier", calendar)
    provider = catalog.find_provider(session, team_id=team_id, name=name, strict=True)
    set_calendar(session, team_id=team_id, provider=provider, calendar=calendar)
    return CalendarChange(provider.name, calendar)
