"""Action items: numbered per workspace, owned by zero or more people, with due dates.

Who may close or change an item: one of its owners, the person who created it, a
chair of the live meeting (or of the meeting series) of the item's channel, or a bot
admin. `meeting_chairs` asks the features' hooks who chairs a channel's meetings,
`require_edit` applies the rule, and the commands' operations (`record_item`,
`close_item`, `reopen_item`, `reassign_item`, `redate_item`) do both before they change
anything. Owners must be people Slack knows; a typed due date is a date of the
item's owner (the first owner's calendar; the writer's when nobody owns it), see
`bot.actions.due`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.actions import dates
from bot.actions import due as owner_due
from bot.actions import text as slacktext
from bot.actions.models import ActionItem
from bot.directory import Directory
from bot.errors import Conflict, NotFound, PermissionDenied, UsageError
from bot.services import workspace
from bot.services.common import next_number
from bot.services.hooks import FeatureHooks
from bot.services.permissions import IsAdmin, admin_now

SEQUENCE = "action_item"
MAX_TEXT = 2000


@dataclass(frozen=True)
class Due:
    day: date
    tz: str


@dataclass(frozen=True)
class DueReading:
    """A typed due date read for an item: the date, or why it could not be used (mrkdwn)."""

    due: Due | None
    problem: str | None = None


@dataclass(frozen=True)
class Recorded:
    """A new item, and the answer owed to its writer when its due date was not used."""

    row: ActionItem
    note: str | None = None


@dataclass(frozen=True)
class ItemView:
    """An action item as templates see it."""

    number: int
    text: str
    owners: tuple[str, ...]
    created_by: str
    channel_id: str | None
    meeting_id: int | None
    due_date: date | None
    due_at: datetime | None
    status: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None = None
    due_tz: str | None = None

    @classmethod
    def of(cls, row: ActionItem) -> ItemView:
        return cls(
            number=row.number,
            text=row.text,
            owners=tuple(row.owners or ()),
            created_by=row.created_by,
            channel_id=row.channel_id,
            meeting_id=row.meeting_id,
            due_date=row.due_date,
            due_at=row.due_at,
            status=row.status,
            created_at=row.created_at,
            done_at=row.done_at,
            done_by=row.done_by,
            due_tz=row.due_tz,
        )

    @property
    def due_token(self) -> str:
        """The due date as a Slack date token (each reader's Slack names the day)."""
        return self.due_token_for(None)

    def due_token_for(self, reader_tz: str | None) -> str:
        """The due date as a Slack date token, for one reader in `reader_tz` when known."""
        if self.due_date is None:
            return ""
        return owner_due.date_token(self.due_date, self.due_tz, reader_tz=reader_tz)

    @property
    def due_label(self) -> str:
        """The due date as plain text: its ISO date, and the calendar it was read in."""
        if self.due_date is None:
            return ""
        zone = f" ({self.due_tz})" if self.due_tz and self.due_tz != "UTC" else ""
        return f"{self.due_date.isoformat()}{zone}"

    @property
    def mrkdwn(self) -> str:
        return slacktext.to_mrkdwn(self.text)

    def plain(self, names: dict[str, str] | None = None) -> str:
        return slacktext.to_plain(self.text, names)

    def overdue(self, now: datetime) -> bool:
        return self.status == "open" and self.due_at is not None and self.due_at <= now


def _set_due(row: ActionItem, due: Due | None) -> None:
    if due is None:
        row.due_date = row.due_tz = row.due_at = None
    else:
        row.due_date, row.due_tz = due.day, due.tz
        row.due_at = dates.end_of_day(due.day, due.tz)


def add_item(
    session: Session,
    *,
    team_id: str,
    text: str,
    owners: tuple[str, ...] | list[str],
    created_by: str,
    now: datetime,
    channel_id: str | None = None,
    due: Due | None = None,
    meeting_id: int | None = None,
) -> ActionItem:
    """Create an item with the workspace's next number (gapless, never reused)."""
    row = ActionItem(
        team_id=team_id,
        number=next_number(session, team_id=team_id, name=SEQUENCE),
        text=text[:MAX_TEXT],
        owners=list(dict.fromkeys(owners)),
        created_by=created_by,
        channel_id=channel_id,
        meeting_id=meeting_id,
        status="open",
        created_at=now,
    )
    _set_due(row, due)
    session.add(row)
    session.flush()
    return row


def get_item(session: Session, *, team_id: str, number: int) -> ActionItem:
    row = session.scalars(
        select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.number == number)
    ).one_or_none()
    if row is None or row.status == "withdrawn":
        raise NotFound(f"There is no action item #{number} in this workspace.")
    return row


def list_items(
    session: Session,
    *,
    team_id: str,
    status: str = "open",
    owner: str | None = None,
    channel_id: str | None = None,
    limit: int = 40,
) -> tuple[list[ItemView], int]:
    """Items matching the filter, by number, and how many match in all."""
    query = select(ActionItem).where(ActionItem.team_id == team_id)
    if status == "all":
        query = query.where(ActionItem.status != "withdrawn")
    else:
        query = query.where(ActionItem.status == status)
    if channel_id is not None:
        query = query.where(ActionItem.channel_id == channel_id)
    rows = list(session.scalars(query.order_by(ActionItem.number)))
    if owner is not None:
        # Owners live in a JSON list; filtering in Python keeps SQLite and PostgreSQL alike.
        rows = [r for r in rows if owner in (r.owners or ())]
    return [ItemView.of(r) for r in rows[:limit]], len(rows)


def open_in_channel(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    created_before: datetime | None = None,
    exclude_meeting: int | None = None,
) -> list[ItemView]:
    """The group's open items (the "carried over" list of its next minutes)."""
    query = select(ActionItem).where(
        ActionItem.team_id == team_id,
        ActionItem.channel_id == channel_id,
        ActionItem.status == "open",
    )
    if created_before is not None:
        query = query.where(ActionItem.created_at <= created_before)
    rows = session.scalars(query.order_by(ActionItem.number))
    return [
        ItemView.of(r) for r in rows if exclude_meeting is None or r.meeting_id != exclude_meeting
    ]


def may_edit(row: ActionItem, user_id: str, *, chairs: Collection[str], is_admin: IsAdmin) -> bool:
    """Owners, the creator, the chairs of its channel's meetings and admins may change it."""
    return (
        user_id in (row.owners or ())
        or user_id == row.created_by
        or user_id in chairs
        # Last: finding out may ask Slack about the user.
        or admin_now(is_admin)
    )


def require_edit(
    row: ActionItem, user_id: str, *, chairs: Collection[str], is_admin: IsAdmin, doing: str
) -> None:
    """PermissionDenied, naming who may, unless `may_edit`."""
    if not may_edit(row, user_id, chairs=chairs, is_admin=is_admin):
        raise PermissionDenied(
            f"Sorry, only an owner of action item #{row.number}, the person who created it, "
            f"a chair of its channel's meeting or a bot admin can {doing}."
        )


def meeting_chairs(
    session: Session, *, hooks: FeatureHooks, team_id: str, channel_id: str | None, now: datetime
) -> tuple[str, ...]:
    """Who chairs a channel's meetings: the live meeting's chairs and the series' (now or next)."""
    if not channel_id:
        return ()
    chairs: dict[str, None] = {}
    for lookup in hooks.live_chairs:
        chairs.update(dict.fromkeys(lookup(session, team_id, channel_id, now)))
    for slot in (
        hooks.current_slot(session, team_id, channel_id, now),
        hooks.next_slot(session, team_id, channel_id, now),
    ):
        if slot is not None:
            chairs.update(dict.fromkeys(slot.chairs))
    return tuple(chairs)


def editable_item(
    session: Session,
    *,
    hooks: FeatureHooks,
    team_id: str,
    number: int,
    user_id: str,
    is_admin: IsAdmin,
    now: datetime,
    doing: str,
) -> ActionItem:
    """Item `number`, if `user_id` may change it; NotFound or PermissionDenied otherwise."""
    row = get_item(session, team_id=team_id, number=number)
    chairs = meeting_chairs(
        session, hooks=hooks, team_id=team_id, channel_id=row.channel_id, now=now
    )
    require_edit(row, user_id, chairs=chairs, is_admin=is_admin, doing=doing)
    return row


def require_known_users(
    session: Session, *, directory: Directory, team_id: str, users: Collection[str]
) -> None:
    """NotFound for the first user Slack does not know in this workspace."""
    found = directory.users(session, team_id, users)
    for uid in users:
        if found.get(uid) is None:
            raise NotFound(f"Slack does not know the user <@{uid}> in this workspace.")


def calendar_of(owners: Collection[str], writer: str) -> str:
    """Whose calendar a typed due date is read in: the first owner's, else the writer's."""
    return next(iter(owners), writer)


def due_from_text(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    user_id: str,
    text: str,
    now: datetime,
    usage: str | None = None,
) -> Due:
    """A typed due date, read in the calendar of `user_id` (see `calendar_of`); past refused."""
    tz = directory.user_tz(session, team_id, user_id)
    try:
        day_first = workspace.day_first(session, team_id)
        return Due(owner_due.read_due(text, now=now, tz=tz, day_first=day_first), tz)
    except dates.DateError as exc:
        raise UsageError(str(exc), usage=usage) from None


def read_owner_due(
    due_text: str | None,
    *,
    tz_of: owner_due.TzLookup,
    owners: Collection[str],
    writer: str,
    now: datetime,
    day_first: bool = False,
) -> DueReading:
    """A typed due date in the owner's calendar; a bad one is a problem, not an error."""
    if not due_text:
        return DueReading(None)
    whose = calendar_of(owners, writer)
    tz = tz_of(whose)
    try:
        day = owner_due.read_due(
            due_text,
            now=now,
            tz=tz,
            whose=f"<@{whose}>" if whose != writer else "",
            day_first=day_first,
        )
    except dates.DateError as exc:
        return DueReading(None, str(exc))
    return DueReading(Due(day, tz))


def record_item(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    user_id: str,
    text: str,
    owners: tuple[str, ...] | list[str],
    due_text: str | None,
    now: datetime,
    channel_id: str | None = None,
    due_words: str | None = None,
) -> Recorded:
    """`/action add`: check the owners, read the due date, then create the item.

    A due date that cannot be used (unreadable, past) does not stop the item: it is
    recorded without one, `due_words` (the clause as typed) stay in its text, and the
    answer says why.
    """
    # Everyone Slack may have to be asked about, at once: the owners, and the writer
    # when nobody owns it (the date is read in that person's calendar).
    directory.ask_first(session, team_id, users=[*owners, *([user_id] if due_text else [])])
    require_known_users(session, directory=directory, team_id=team_id, users=owners)
    reading = read_owner_due(
        due_text,
        tz_of=lambda uid: directory.user_tz(session, team_id, uid),
        owners=owners,
        writer=user_id,
        now=now,
        day_first=workspace.day_first(session, team_id),
    )
    if reading.problem and due_words:
        text = f"{text} {due_words}"
    row = add_item(
        session,
        team_id=team_id,
        text=text,
        owners=owners,
        created_by=user_id,
        now=now,
        channel_id=channel_id,
        due=reading.due,
    )
    note = owner_due.no_date_note(row.number, reading.problem) if reading.problem else None
    return Recorded(row, note)


def close_item(
    session: Session,
    *,
    hooks: FeatureHooks,
    team_id: str,
    number: int,
    user_id: str,
    is_admin: IsAdmin,
    now: datetime,
) -> ActionItem:
    """Mark an item done, if `user_id` may; Conflict when it already is."""
    row = editable_item(
        session,
        hooks=hooks,
        team_id=team_id,
        number=number,
        user_id=user_id,
        is_admin=is_admin,
        now=now,
        doing="close it",
    )
    set_status(row, status="done", user_id=user_id, now=now)
    return row


def reopen_item(
    session: Session,
    *,
    hooks: FeatureHooks,
    team_id: str,
    number: int,
    user_id: str,
    is_admin: IsAdmin,
    now: datetime,
) -> ActionItem:
    """Open a closed item again, if `user_id` may; Conflict when it is open."""
    row = editable_item(
        session,
        hooks=hooks,
        team_id=team_id,
        number=number,
        user_id=user_id,
        is_admin=is_admin,
        now=now,
        doing="reopen it",
    )
    set_status(row, status="open", user_id=user_id, now=now)
    return row


def reassign_item(
    session: Session,
    *,
    hooks: FeatureHooks,
    directory: Directory,
    team_id: str,
    number: int,
    user_id: str,
    is_admin: IsAdmin,
    owners: tuple[str, ...] | list[str],
    now: datetime,
) -> ActionItem:
    """Replace an item's owners (none is fine), if `user_id` may and Slack knows them all."""
    row = editable_item(
        session,
        hooks=hooks,
        team_id=team_id,
        number=number,
        user_id=user_id,
        is_admin=is_admin,
        now=now,
        doing="reassign it",
    )
    require_known_users(session, directory=directory, team_id=team_id, users=owners)
    set_owners(row, owners)
    return row


def redate_item(
    session: Session,
    *,
    hooks: FeatureHooks,
    directory: Directory,
    team_id: str,
    number: int,
    user_id: str,
    is_admin: IsAdmin,
    due_text: str | None,
    now: datetime,
    usage: str | None = None,
) -> ActionItem:
    """Set (in its owner's calendar) or, given None, clear an item's due date, if they may."""
    row = editable_item(
        session,
        hooks=hooks,
        team_id=team_id,
        number=number,
        user_id=user_id,
        is_admin=is_admin,
        now=now,
        doing="change its due date",
    )
    due = (
        None
        if due_text is None
        else due_from_text(
            session,
            directory=directory,
            team_id=team_id,
            user_id=calendar_of(row.owners or (), user_id),
            text=due_text,
            now=now,
            usage=usage,
        )
    )
    set_due(row, due)
    return row


def set_status(row: ActionItem, *, status: str, user_id: str, now: datetime) -> None:
    if row.status == status:
        word = "done" if status == "done" else "open"
        raise Conflict(f"Action item #{row.number} is already {word}.")
    row.status = status
    row.done_at = now if status == "done" else None
    row.done_by = user_id if status == "done" else None


def set_owners(row: ActionItem, owners: tuple[str, ...] | list[str]) -> None:
    row.owners = list(dict.fromkeys(owners))


def set_due(row: ActionItem, due: Due | None) -> None:
    _set_due(row, due)


def set_text(row: ActionItem, text: str) -> None:
    row.text = text[:MAX_TEXT]


def withdraw(row: ActionItem) -> None:
    """An #action taken back (undo, deleted message): its number stays used."""
    row.status = "withdrawn"


def count_open(session: Session, *, team_id: str, channel_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ActionItem)
            .where(
                ActionItem.team_id == team_id,
                ActionItem.channel_id == channel_id,
                ActionItem.status == "open",
            )
        )
        or 0
    )
