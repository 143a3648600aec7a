"""What the App Home shows of action items: a person's open items, soonest due first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, cast, func, inspect, select
from sqlalchemy.orm import Session

from bot.actions.models import ActionItem
from bot.actions.service import ItemView


def open_items_of(
    session: Session, *, team_id: str, user_id: str, limit: int
) -> tuple[list[ItemView], int]:
    """The user's open items (overdue and soonest due first, undated last), and how many."""
    escaped = user_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # Owners live in a JSON list: its text holds the id in quotes, in SQLite and
    # PostgreSQL alike, so the database reads only the user's items.
    where = (
        ActionItem.team_id == team_id,
        ActionItem.status == "open",
        cast(ActionItem.owners, String).like(f'%"{escaped}"%', escape="\\"),
    )
    rows = session.scalars(
        select(ActionItem)
        .where(*where)
        .order_by(ActionItem.due_at.is_(None), ActionItem.due_at, ActionItem.number)
        .limit(limit)
    )
    items = [ItemView.of(r) for r in rows if user_id in (r.owners or ())]
    total = int(session.scalar(select(func.count()).select_from(ActionItem).where(*where)) or 0)
    return items, total


def home_users(session: Session, row: object) -> Iterable[str]:
    """Whose App Home shows an action item: its owners, before and after a change."""
    if not isinstance(row, ActionItem):
        return ()
    users = list(row.owners or ())
    for before in inspect(row).attrs.owners.history.deleted:
        users.extend(before or ())
    return users
