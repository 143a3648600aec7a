"""Owner reminders (in the owner's morning of the day before an item is due, and of
the day after) and the open-items section of meeting reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.actions import due as owner_due
from bot.actions.models import ActionItem
from bot.actions.service import ItemView, open_in_channel
from bot.directory import Directory
from bot.models.core import JobMark, SlackUser
from bot.render import render
from bot.runtime import Runtime
from bot.services.common import mark_once

# due_at is when the due date ends in the zone it was read in (UTC-12 to UTC+14); an
# owner's "due tomorrow" morning can come 24 h (the day itself) + 24 h (the day before)
# + 26 h (the owners' zone being 26 h ahead) before that, if their hours start at midnight.
HORIZON = timedelta(hours=74)


def _owner_clock(
    session: Session, directory: Directory, team_id: str, owner: str, fallback: str
) -> tuple[str, int | None]:
    """An owner's zone (their profile's) and working hours' start (`/meeting hours`)."""
    info = directory.users(session, team_id, [owner], wait=False).get(owner)
    tz = info.tz if info is not None and info.tz else fallback
    # Read from the row itself: a cached copy may predate a change of hours.
    row = session.get(SlackUser, (team_id, owner))
    return tz, row.work_start if row is not None else None


def remind_owners(session: Session, *, team_id: str, now: datetime, directory: Directory) -> int:
    """DM each owner "due tomorrow" and "overdue" in their own morning, once each."""
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
        if not row.owners or row.due_date is None:
            continue
        item: ItemView | None = None
        for owner in dict.fromkeys(row.owners):
            tz, start = _owner_clock(session, directory, team_id, owner, row.due_tz or "UTC")
            kind = owner_due.nudge_kind(row.due_date, tz, start, now)
            if kind is None:
                continue
            # The due date is part of the key: moving the date earns a fresh reminder.
            legacy = f"action:{row.id}:{kind}:{row.due_date.isoformat()}"
            if session.get(JobMark, (team_id, legacy)) is not None:
                continue  # sent to every owner at once, before nudges were per owner
            if not mark_once(session, team_id=team_id, key=f"{legacy}:{owner}", now=now):
                continue
            item = item or ItemView.of(row)
            text = render(
                "minutes/action_reminder.slack.j2", item=item, kind=kind, owner=owner, tz=tz
            )
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
            sent += remind_owners(s, team_id=team_id, now=now, directory=rt.directory)
    return sent


def open_items_section(
    session: Session, team_id: str, channel_id: str, now: datetime
) -> str | None:
    """For the meetings feature's reminders: the group's open action items."""
    items = open_in_channel(session, team_id=team_id, channel_id=channel_id)
    if not items:
        return None
    return render("minutes/open_items.slack.j2", items=items[:30], more=len(items) - 30, now=now)
