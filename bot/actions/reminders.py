"""Owner reminders (the day before an item is due, and once it is overdue) and the
open-items section of meeting reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.actions import dates
from bot.actions.models import ActionItem
from bot.actions.service import ItemView, open_in_channel
from bot.render import render
from bot.runtime import Runtime
from bot.services.common import mark_once

# Zones run from UTC-12 to UTC+14: 49 hours ahead covers "the day before" everywhere.
HORIZON = timedelta(hours=49)


def remind_owners(session: Session, *, team_id: str, now: datetime) -> int:
    """DM owners of items due tomorrow (their local "day before") or overdue, once each."""
    rows = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.team_id == team_id,
            ActionItem.status == "open",
            ActionItem.due_at.is_not(None),
            ActionItem.due_at <= now + HORIZON,
        )
        .order_by(ActionItem.number)
    )
    sent = 0
    for row in rows:
        if not row.owners or row.due_at is None or row.due_date is None:
            continue
        tz = row.due_tz or "UTC"
        if now >= row.due_at:
            kind = "overdue"
        elif now >= dates.start_of_day(row.due_date - timedelta(days=1), tz):
            kind = "due-soon"
        else:
            continue
        # The due date is part of the key: moving the date earns a fresh reminder.
        key = f"action:{row.id}:{kind}:{row.due_date.isoformat()}"
        if not mark_once(session, team_id=team_id, key=key, now=now):
            continue
        item = ItemView.of(row)
        for owner in row.owners:
            text = render("minutes/action_reminder.slack.j2", item=item, kind=kind, owner=owner)
            outbox.post_message(session, team_id=team_id, channel=owner, text=text, now=now)
            sent += 1
    return sent


def action_reminders_task(rt: Runtime, now: datetime) -> int:
    with rt.db.read() as s:
        teams = list(
            s.scalars(
                select(ActionItem.team_id)
                .where(
                    ActionItem.status == "open",
                    ActionItem.due_at.is_not(None),
                    ActionItem.due_at <= now + HORIZON,
                )
                .distinct()
            )
        )
    sent = 0
    for team_id in teams:
        with rt.db.write() as s:
            sent += remind_owners(s, team_id=team_id, now=now)
    return sent


def open_items_section(
    session: Session, team_id: str, channel_id: str, now: datetime
) -> str | None:
    """For the meetings feature's reminders: the group's open action items."""
    items = open_in_channel(session, team_id=team_id, channel_id=channel_id)
    if not items:
        return None
    return render("minutes/open_items.slack.j2", items=items[:30], more=len(items) - 30, now=now)
