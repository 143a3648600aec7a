"""Live meetings: start, capture (#topic, #agreed, #action …), attendance, end.

Chair-only, as in MeetBot: #topic, #agreed/#accepted/#rejected, #chair/#unchair,
#meetingname, #endmeeting (anyone may end once the scheduled end has passed) and
#undo of someone else's item. Anyone present may add #info, #action, #link, #idea,
#help and undo their own last item.

A meeting is captured from the channel's messages, and Slack sends the bot only the
messages of channels it is in: a meeting starts only where the bot is a member
(`require_hearing`); the adapter makes sure of it first (joining a public channel).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.actions import dates
from bot.actions import service as actions
from bot.actions.due import no_date_note
from bot.actions.models import ActionItem
from bot.actions.parsing import ActionText, split_action
from bot.errors import Conflict, NotFound, PermissionDenied, UsageError
from bot.grammar import mentions
from bot.minutes.models import Attendee, LogLine, Meeting, MeetingItem
from bot.platform import Membership
from bot.services import workspace
from bot.services.common import insert_ignore
from bot.services.hooks import MeetingSlot
from bot.slackfmt import escape

ITEM_KINDS = ("topic", "info", "agreed", "accepted", "rejected", "action", "link", "idea", "help")
ALIASES = {"agree": "agreed", "decision": "agreed", "decided": "agreed"}
CONTROL = ("chair", "unchair", "undo", "meetingname", "endmeeting")
CHAIR_KINDS = {"topic", "agreed", "accepted", "rejected"}
MAX_ITEM = 2000
MAX_LOG_LINE = 4000
_COMMAND = re.compile(r"^\s*#([A-Za-z]+)(?:\s+(.*))?\s*$", re.DOTALL)

TzLookup = Callable[[str], str]


@dataclass(frozen=True)
class Captured:
    """What a line did: the reaction acknowledging it, or a problem to tell its author."""

    reaction: str | None = None
    problem: str | None = None
    ended: bool = False
    item_id: int | None = None
    action_number: int | None = None
    # Said in the line's thread: e.g. the #action was recorded without its due date.
    note: str | None = None


def parse_command(text: str) -> tuple[str, str] | None:
    """("agreed", rest) for "#agree rest"; None when the line is no meeting command."""
    m = _COMMAND.match(text)
    if not m:
        return None
    word = m.group(1).lower()
    word = ALIASES.get(word, word)
    if word not in ITEM_KINDS and word not in CONTROL:
        return None
    return word, " ".join((m.group(2) or "").split())


def live_meeting(session: Session, *, team_id: str, channel_id: str) -> Meeting | None:
    return session.scalars(
        select(Meeting).where(Meeting.team_id == team_id, Meeting.live_channel == channel_id)
    ).one_or_none()


def require_live(session: Session, *, team_id: str, channel_id: str) -> Meeting:
    meeting = live_meeting(session, team_id=team_id, channel_id=channel_id)
    if meeting is None:
        raise Conflict(
            "There is no live meeting in this channel. Start one with `/minutes start [name]`."
        )
    return meeting


def get_meeting(session: Session, *, team_id: str, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.team_id != team_id:
        raise NotFound(f"There are no minutes with id {meeting_id} in this workspace.")
    return meeting


def is_chair(meeting: Meeting, user_id: str) -> bool:
    return user_id in (meeting.chairs or ())


def require_hearing(hearing: Membership, *, channel_id: str) -> None:
    """Refuse to start a meeting in a channel whose messages the bot would not get.

    `hearing` is the bot's membership of the channel, made sure of for this request
    (a public channel is joined by then; a private one needs an invitation).
    """
    if hearing.channel_id != channel_id:
        raise ValueError(f"membership of {hearing.channel_id} given for {channel_id}")
    if hearing.is_member:
        return
    where = f"<#{channel_id}>"
    if hearing.problem == "private":
        raise Conflict(
            f"I am not in {where}, so I would not hear the meeting (Slack sends me only "
            "the messages of channels I am in). Invite me with `/invite @wgbot` in that "
            "channel, then `/minutes start` again. No meeting was started."
        )
    if hearing.problem == "archived":
        raise Conflict(f"{where} is archived, so no meeting can be held there.")
    if hearing.problem == "not_found":
        raise NotFound(f"Slack does not know the channel {where}; no meeting was started.")
    raise Conflict(
        f"I could not reach Slack to make sure I am in {where} (I must be, to hear the "
        "meeting), so no meeting was started. Please try `/minutes start` again in a moment."
    )


def default_name(*, channel_name: str, channel_id: str, started_at: datetime, tz: str) -> str:
    """ "#channel meeting, DATE", the date in the meeting's home zone."""
    day = started_at.astimezone(dates.zone(tz)).date().isoformat()
    return f"#{channel_name or channel_id} meeting, {day}"


def start_meeting(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    user_id: str,
    name: str,
    now: datetime,
    tz: str,
    hearing: Membership,
    slot: MeetingSlot | None = None,
    channel_name: str = "",
) -> Meeting:
    """Open capture in a channel; attaches to the scheduled occurrence `slot` if any.

    Only where the bot hears the channel (`hearing`, see `require_hearing`).
    """
    require_hearing(hearing, channel_id=channel_id)
    existing = live_meeting(session, team_id=team_id, channel_id=channel_id)
    if existing is not None:
        raise Conflict(
            f"A meeting is already live in this channel: *{escape(existing.name)}* (started by "
            f"<@{existing.started_by}>). End it with `/minutes end` before starting another."
        )
    chairs = [user_id]
    if slot is not None:
        chairs += [c for c in slot.chairs if c not in chairs]
    home = slot.tz if slot else tz
    if slot is not None:
        title = slot.name
    elif not name.strip():
        title = default_name(
            channel_name=channel_name, channel_id=channel_id, started_at=now, tz=home
        )
    else:
        title = name.strip()
    meeting = Meeting(
        team_id=team_id,
        channel_id=channel_id,
        channel_name=channel_name[:100],
        live_channel=channel_id,
        public_id=secrets.token_urlsafe(18),
        name=title[:200],
        status="live",
        chairs=chairs,
        started_by=user_id,
        series_id=slot.series_id if slot else None,
        agenda_url=slot.agenda_url if slot else None,
        scheduled_end=slot.end if slot else None,
        tz=home,
        started_at=now,
    )
    try:
        # A savepoint, so that losing a race to a concurrent start is a clean answer.
        with session.begin_nested():
            session.add(meeting)
            session.flush()
    except IntegrityError:
        raise Conflict("A meeting was just started in this channel by someone else.") from None
    record_line(session, meeting=meeting, user_id=user_id, now=now, count=False)
    return meeting


def record_line(
    session: Session, *, meeting: Meeting, user_id: str, now: datetime, count: bool = True
) -> None:
    """Someone spoke (or was marked present): attendance and their line count."""
    if not user_id:
        return
    insert_ignore(
        session,
        Attendee.__table__,
        {
            "meeting_id": meeting.id,
            "user_id": user_id,
            "team_id": meeting.team_id,
            "lines": 0,
            "first_seen": now,
        },
    )
    if count:
        session.execute(
            update(Attendee)
            .where(Attendee.meeting_id == meeting.id, Attendee.user_id == user_id)
            .values(lines=Attendee.lines + 1)
        )


def set_company(
    session: Session, *, meeting: Meeting, user_id: str, company: str | None, now: datetime
) -> None:
    record_line(session, meeting=meeting, user_id=user_id, now=now, count=False)
    session.execute(
        update(Attendee)
        .where(Attendee.meeting_id == meeting.id, Attendee.user_id == user_id)
        .values(company=(company or None) and company[:200])
    )


def _next_position(session: Session, meeting: Meeting) -> int:
    top = session.scalar(
        select(func.max(MeetingItem.position)).where(MeetingItem.meeting_id == meeting.id)
    )
    return int(top or 0) + 1


def _check_chair(meeting: Meeting, user_id: str, what: str) -> None:
    if not is_chair(meeting, user_id):
        chairs = ", ".join(f"<@{c}>" for c in meeting.chairs) or "nobody"
        raise PermissionDenied(f"Only a chair can {what} (chairs: {chairs}).")


def _due_from(
    session: Session,
    meeting: Meeting,
    parsed: ActionText,
    *,
    user_id: str,
    now: datetime,
    tz_of: TzLookup,
) -> actions.DueReading:
    """The #action's due date, read in its owner's calendar (see `bot.actions.due`)."""
    return actions.read_owner_due(
        parsed.due_text,
        tz_of=tz_of,
        owners=parsed.owners,
        writer=user_id,
        now=now,
        day_first=workspace.day_first(session, meeting.team_id),
    )


def add_item(
    session: Session,
    *,
    meeting: Meeting,
    kind: str,
    text: str,
    user_id: str,
    now: datetime,
    tz_of: TzLookup,
    source_ts: str | None = None,
    notes: list[str] | None = None,
) -> MeetingItem:
    """Store one item of the minutes (for #action, also the numbered action item).

    What the writer should be told although the item was stored (a due date that
    could not be used) is appended to `notes`.
    """
    if kind not in ITEM_KINDS:
        raise UsageError(f"`{kind}` is not a kind of minutes item.")
    text = " ".join(text.split())[:MAX_ITEM].rstrip()
    if not text:
        what = {"topic": "a title", "action": "a task"}.get(kind, "some text")
        raise UsageError(f"#{kind} needs {what}; nothing was recorded.", usage=f"#{kind} <text>")
    if kind in CHAIR_KINDS:
        _check_chair(meeting, user_id, f"record #{kind}")
    number: int | None = None
    if kind == "action":
        parsed = split_action(text)
        if not parsed.task:
            raise UsageError(
                "#action needs a task besides its owners; nothing was recorded.",
                usage="#action @owner task [due <date>]",
            )
        reading = _due_from(session, meeting, parsed, user_id=user_id, now=now, tz_of=tz_of)
        row = actions.add_item(
            session,
            team_id=meeting.team_id,
            # A clause whose date was not used stays in the task, as it was said.
            text=parsed.task_as_written if reading.problem else parsed.task,
            owners=parsed.owners,
            created_by=user_id,
            now=now,
            channel_id=meeting.channel_id,
            due=reading.due,
            meeting_id=meeting.id,
        )
        number = row.number
        if reading.problem and notes is not None:
            notes.append(no_date_note(row.number, reading.problem))
    item = MeetingItem(
        team_id=meeting.team_id,
        meeting_id=meeting.id,
        position=_next_position(session, meeting),
        kind=kind,
        text=text,
        user_id=user_id,
        source_ts=source_ts,
        action_number=number,
        created_at=now,
    )
    session.add(item)
    session.flush()
    if source_ts is None:
        # Said through a /minutes command, not in the channel: the log shows what it recorded.
        session.add(
            LogLine(
                team_id=meeting.team_id,
                meeting_id=meeting.id,
                source_ts=None,
                item_id=item.id,
                user_id=user_id,
                text=f"#{kind} {text}",
                said_at=now,
            )
        )
        session.flush()
    return item


def log_line(
    session: Session, *, meeting: Meeting, user_id: str, text: str, ts: str, now: datetime
) -> None:
    """Keep a line said in the channel for the meeting's log (once per message)."""
    insert_ignore(
        session,
        LogLine.__table__,
        {
            "team_id": meeting.team_id,
            "meeting_id": meeting.id,
            "source_ts": ts,
            "item_id": None,
            "user_id": user_id,
            "text": text[:MAX_LOG_LINE],
            "said_at": now,
        },
    )


@dataclass(frozen=True)
class LoggedLine:
    source_ts: str | None
    item_id: int | None
    user_id: str
    text: str
    said_at: datetime


def log_lines(session: Session, *, meeting: Meeting) -> list[LoggedLine]:
    """The meeting's log in order, as plain rows (thousands of them: no ORM objects)."""
    rows = session.execute(
        select(LogLine.source_ts, LogLine.item_id, LogLine.user_id, LogLine.text, LogLine.said_at)
        .where(LogLine.team_id == meeting.team_id, LogLine.meeting_id == meeting.id)
        .order_by(LogLine.said_at, LogLine.id)
    )
    return [LoggedLine(*row) for row in rows]


def _log_of(session: Session, meeting: Meeting, ts: str) -> LogLine | None:
    return session.scalars(
        select(LogLine).where(
            LogLine.team_id == meeting.team_id,
            LogLine.meeting_id == meeting.id,
            LogLine.source_ts == ts,
        )
    ).first()


def _action_row(session: Session, item: MeetingItem) -> ActionItem | None:
    if item.action_number is None:
        return None
    return session.scalars(
        select(ActionItem).where(
            ActionItem.team_id == item.team_id, ActionItem.number == item.action_number
        )
    ).one_or_none()


def remove_item(session: Session, item: MeetingItem) -> None:
    row = _action_row(session, item)
    if row is not None:
        actions.withdraw(row)
    session.delete(item)
    session.flush()


def undo(session: Session, *, meeting: Meeting, user_id: str) -> MeetingItem:
    """Remove the last item: a chair's any, anyone else's their own."""
    last = session.scalars(
        select(MeetingItem)
        .where(MeetingItem.meeting_id == meeting.id)
        .order_by(MeetingItem.position.desc(), MeetingItem.id.desc())
        .limit(1)
    ).first()
    if last is None:
        raise Conflict("There is nothing to undo yet.")
    if last.user_id != user_id:
        _check_chair(meeting, user_id, "undo someone else's item")
    remove_item(session, last)
    return last


def items(session: Session, *, meeting: Meeting) -> list[MeetingItem]:
    return list(
        session.scalars(
            select(MeetingItem)
            .where(MeetingItem.team_id == meeting.team_id, MeetingItem.meeting_id == meeting.id)
            .order_by(MeetingItem.position, MeetingItem.id)
        )
    )


def add_chairs(session: Session, *, meeting: Meeting, user_id: str, who: list[str]) -> list[str]:
    _check_chair(meeting, user_id, "add chairs")
    added = [u for u in who if u not in meeting.chairs]
    meeting.chairs = [*meeting.chairs, *added]
    return added


def remove_chairs(session: Session, *, meeting: Meeting, user_id: str, who: list[str]) -> list[str]:
    _check_chair(meeting, user_id, "remove chairs")
    remaining = [c for c in meeting.chairs if c not in who]
    if not remaining:
        raise Conflict("A meeting needs at least one chair; add another before removing this one.")
    removed = [c for c in meeting.chairs if c in who]
    meeting.chairs = remaining
    return removed


def rename(meeting: Meeting, *, user_id: str, name: str) -> None:
    _check_chair(meeting, user_id, "rename the meeting")
    if not name.strip():
        raise UsageError("#meetingname needs a name.", usage="#meetingname <name>")
    meeting.name = name.strip()[:200]


def may_end(meeting: Meeting, user_id: str, now: datetime) -> bool:
    past_end = meeting.scheduled_end is not None and now >= meeting.scheduled_end
    return is_chair(meeting, user_id) or past_end


def end_meeting(session: Session, *, meeting: Meeting, user_id: str, now: datetime) -> None:
    """Close capture; the chairs then review the draft and publish."""
    if not may_end(meeting, user_id, now):
        chairs = ", ".join(f"<@{c}>" for c in meeting.chairs)
        when = (
            f" or anyone after its scheduled end ({meeting.scheduled_end:%H:%M} UTC)"
            if meeting.scheduled_end
            else ""
        )
        raise PermissionDenied(f"Only a chair ({chairs}){when} can end the meeting.")
    meeting.status = "ended"
    meeting.live_channel = None
    meeting.ended_at = now
    meeting.ended_by = user_id
    session.flush()


def capture(
    session: Session,
    *,
    meeting: Meeting,
    user_id: str,
    text: str,
    ts: str | None,
    now: datetime,
    tz_of: TzLookup,
) -> Captured:
    """Handle one line said during the meeting (a message, or a /minutes subcommand).

    The item is written (flushed in the caller's transaction) before this returns;
    only then does the caller queue the acknowledging reaction.
    """
    if ts is not None:
        record_line(session, meeting=meeting, user_id=user_id, now=now)
        log_line(session, meeting=meeting, user_id=user_id, text=text, ts=ts, now=now)
    parsed = parse_command(text)
    if parsed is None:
        return Captured()
    word, rest = parsed
    try:
        if word in ITEM_KINDS:
            notes: list[str] = []
            item = add_item(
                session,
                meeting=meeting,
                kind=word,
                text=rest,
                user_id=user_id,
                now=now,
                tz_of=tz_of,
                source_ts=ts,
                notes=notes,
            )
            return Captured(
                reaction="white_check_mark",
                item_id=item.id,
                action_number=item.action_number,
                note=" ".join(notes) or None,
            )
        if word == "undo":
            undo(session, meeting=meeting, user_id=user_id)
            return Captured(reaction="leftwards_arrow_with_hook")
        if word in ("chair", "unchair"):
            who = list(mentions(rest))
            if not who:
                raise UsageError(f"#{word} needs @people.", usage=f"#{word} @user [@user…]")
            if word == "chair":
                add_chairs(session, meeting=meeting, user_id=user_id, who=who)
            else:
                remove_chairs(session, meeting=meeting, user_id=user_id, who=who)
            return Captured(reaction="white_check_mark")
        if word == "meetingname":
            rename(meeting, user_id=user_id, name=rest)
            return Captured(reaction="white_check_mark")
        end_meeting(session, meeting=meeting, user_id=user_id, now=now)
        return Captured(reaction="checkered_flag", ended=True)
    except (UsageError, PermissionDenied, Conflict) as exc:
        return Captured(problem=str(exc))


def item_by_source(session: Session, *, meeting: Meeting, ts: str) -> MeetingItem | None:
    return session.scalars(
        select(MeetingItem).where(
            MeetingItem.team_id == meeting.team_id,
            MeetingItem.meeting_id == meeting.id,
            MeetingItem.source_ts == ts,
        )
    ).first()


def meeting_with_source(
    session: Session, *, team_id: str, channel_id: str, ts: str
) -> Meeting | None:
    """The unpublished meeting of a channel that captured (or logged) the message `ts`."""
    return (
        session.scalars(
            select(Meeting)
            .join(LogLine, LogLine.meeting_id == Meeting.id)
            .where(
                Meeting.team_id == team_id,
                Meeting.channel_id == channel_id,
                Meeting.status.in_(("live", "ended")),
                LogLine.source_ts == ts,
            )
        ).first()
        or session.scalars(
            select(Meeting)
            .join(MeetingItem, MeetingItem.meeting_id == Meeting.id)
            .where(
                Meeting.team_id == team_id,
                Meeting.channel_id == channel_id,
                Meeting.status.in_(("live", "ended")),
                MeetingItem.source_ts == ts,
            )
        ).first()
    )


def edit_from_message(
    session: Session,
    *,
    meeting: Meeting,
    ts: str,
    text: str,
    user_id: str,
    now: datetime,
    tz_of: TzLookup,
) -> str:
    """A captured message was edited: "updated", "removed" or "" (not ours)."""
    logged = _log_of(session, meeting, ts)
    if logged is not None:
        # The log shows what was finally said, as the channel does.
        logged.text = text[:MAX_LOG_LINE]
    item = item_by_source(session, meeting=meeting, ts=ts)
    if item is None:
        return ""
    parsed = parse_command(text)
    if parsed is None or parsed[0] not in ITEM_KINDS or not parsed[1]:
        remove_item(session, item)
        return "removed"
    kind, rest = parsed
    if kind == item.kind == "action":
        row = _action_row(session, item)
        split = split_action(rest)
        if row is not None and split.task:
            reading = _due_from(session, meeting, split, user_id=user_id, now=now, tz_of=tz_of)
            actions.set_text(row, split.task_as_written if reading.problem else split.task)
            actions.set_owners(row, split.owners)
            # A bad date in an edit keeps the old one.
            if reading.due is not None:
                actions.set_due(row, reading.due)
    elif kind == "action" or item.kind == "action":
        # Changing to or from an action: replace the item, keeping its place.
        position = item.position
        remove_item(session, item)
        try:
            new = add_item(
                session,
                meeting=meeting,
                kind=kind,
                text=rest,
                user_id=user_id,
                now=now,
                tz_of=tz_of,
                source_ts=ts,
            )
        except (UsageError, PermissionDenied):
            return "removed"
        new.position = position
        return "updated"
    elif kind in CHAIR_KINDS and not is_chair(meeting, user_id):
        return ""
    item.kind = kind
    item.text = rest[:MAX_ITEM]
    session.flush()
    return "updated"


def delete_from_message(session: Session, *, meeting: Meeting, ts: str) -> bool:
    logged = _log_of(session, meeting, ts)
    if logged is not None:
        # Deleted in Slack, deleted from the log: nobody publishes what its author took back.
        session.delete(logged)
        session.flush()
    item = item_by_source(session, meeting=meeting, ts=ts)
    if item is None:
        return False
    remove_item(session, item)
    return True


def attendees(session: Session, *, meeting: Meeting) -> list[Attendee]:
    return list(
        session.scalars(
            select(Attendee)
            .where(Attendee.team_id == meeting.team_id, Attendee.meeting_id == meeting.id)
            .order_by(Attendee.first_seen, Attendee.user_id)
        )
    )


def recent(session: Session, *, team_id: str, channel_id: str | None, limit: int) -> list[Meeting]:
    query = select(Meeting).where(Meeting.team_id == team_id)
    if channel_id:
        query = query.where(Meeting.channel_id == channel_id)
    return list(session.scalars(query.order_by(Meeting.started_at.desc()).limit(limit)))


def chairs_of_channel(session: Session, *, team_id: str, channel_id: str) -> set[str]:
    meeting = live_meeting(session, team_id=team_id, channel_id=channel_id)
    return set(meeting.chairs) if meeting is not None else set()
