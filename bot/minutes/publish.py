"""Drafts for the chairs, edits before publishing, and publishing the minutes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.actions import service as actions
from bot.actions.models import ActionItem
from bot.actions.parsing import split_action
from bot.config import Settings
from bot.directory import Directory
from bot.errors import Conflict, PermissionDenied
from bot.grammar import mentions
from bot.minutes import document, service
from bot.minutes.models import ChannelArchive, ChannelTemplate, Meeting, MeetingItem
from bot.render import blocks as bk
from bot.render import render
from bot.services.common import insert_ignore
from bot.services.hooks import FeatureHooks, MeetingSlot
from bot.slackfmt import escape

PREVIEW_BLOCKS = 40
# How many occurrences of a channel's other series to step over to find the next
# session of the meeting's own series.
NEXT_SESSION_STEPS = 60
EDIT_CHUNK = 3000
MAX_EDIT_INPUTS = 90


@dataclass(frozen=True)
class Rendered:
    doc: document.Minutes
    slack: list[dict[str, Any]]
    markdown: str
    html: str
    log_html: str = ""


def channel_template(session: Session, *, team_id: str, channel_id: str) -> str:
    row = session.get(ChannelTemplate, (team_id, channel_id))
    return row.template if row is not None else document.DEFAULT_TEMPLATE


def set_channel_template(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    template: str,
    user_id: str,
    settings: Settings,
    now: datetime,
) -> None:
    """Choose the channel's template after trying it on a sample meeting."""
    names = document.available(settings.templates_dir)
    if template not in names:
        raise Conflict(
            f"There is no minutes template `{escape(template[:60])}`. "
            f"Available: {', '.join(f'`{n}`' for n in names)}."
        )
    document.check_template(
        template, templates_dir=settings.templates_dir, public_url=settings.public_url, now=now
    )
    row = session.get(ChannelTemplate, (team_id, channel_id))
    if row is None:
        row = ChannelTemplate(team_id=team_id, channel_id=channel_id)
        session.add(row)
    row.template, row.set_by, row.set_at = template, user_id, now
    session.flush()


def _names(session: Session, directory: Directory, team_id: str, ids: set[str]) -> dict[str, str]:
    found = directory.users(session, team_id, sorted(ids))  # asked of Slack at once
    return {uid: info.display if info is not None else uid for uid, info in found.items()}


def gather(
    session: Session,
    *,
    meeting: Meeting,
    directory: Directory,
    hooks: FeatureHooks,
    settings: Settings,
    now: datetime,
) -> document.Minutes:
    """Read everything the minutes show (items, people, action items, next session)."""
    items = service.items(session, meeting=meeting)
    people = service.attendees(session, meeting=meeting)
    new_rows = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.team_id == meeting.team_id,
            ActionItem.meeting_id == meeting.id,
            ActionItem.status != "withdrawn",
        )
        .order_by(ActionItem.number)
    )
    actions_new = [actions.ItemView.of(r) for r in new_rows]
    carried = actions.open_in_channel(
        session,
        team_id=meeting.team_id,
        channel_id=meeting.channel_id,
        created_before=meeting.started_at,
        exclude_meeting=meeting.id,
    )
    done = done_since_last_meeting(session, meeting=meeting, now=now)
    log = service.log_lines(session, meeting=meeting)
    ids = {p.user_id for p in people} | set(meeting.chairs) | {line.user_id for line in log}
    for a in [*actions_new, *carried, *done]:
        ids.update(a.owners)
        ids.update(mentions(a.text))
        if a.done_by:
            ids.add(a.done_by)
    for text in [*(i.text for i in items), *(line.text for line in log)]:
        if "<@" in text:
            ids.update(mentions(text))
    names = _names(session, directory, meeting.team_id, ids)
    next_slot = next_of_series(session, meeting=meeting, hooks=hooks, now=now)
    archive = session.get(ChannelArchive, (meeting.team_id, meeting.channel_id))
    zones = (
        directory.member_zones(session, meeting.team_id, meeting.channel_id)
        if next_slot is not None
        else {}
    )
    return document.build(
        meeting=meeting,
        items=items,
        attendees=people,
        actions_new=actions_new,
        actions_carried=carried,
        names=names,
        channel_name=meeting.channel_name,
        next_slot=next_slot,
        member_zones=zones,
        public_url=settings.public_url,
        now=now,
        actions_done=done,
        log=log,
        archive_id=archive.public_id if archive is not None else None,
    )


def previous_meeting(session: Session, *, meeting: Meeting) -> Meeting | None:
    """The channel's meeting before this one."""
    return session.scalars(
        select(Meeting)
        .where(
            Meeting.team_id == meeting.team_id,
            Meeting.channel_id == meeting.channel_id,
            Meeting.id != meeting.id,
            Meeting.started_at < meeting.started_at,
        )
        .order_by(Meeting.started_at.desc(), Meeting.id.desc())
        .limit(1)
    ).first()


def done_since_last_meeting(
    session: Session, *, meeting: Meeting, now: datetime
) -> list[actions.ItemView]:
    """The channel's items closed since the previous minutes were published (or, for
    a channel's first meeting, since this one started), and this meeting's own done."""
    before = previous_meeting(session, meeting=meeting)
    since = meeting.started_at
    if before is not None:
        since = before.published_at or before.ended_at or before.started_at
    rows = session.scalars(
        select(ActionItem)
        .where(
            ActionItem.team_id == meeting.team_id,
            ActionItem.status == "done",
            ActionItem.done_at <= now,
            (ActionItem.meeting_id == meeting.id)
            | ((ActionItem.channel_id == meeting.channel_id) & (ActionItem.done_at > since)),
        )
        .order_by(ActionItem.number)
    )
    return [actions.ItemView.of(r) for r in rows]


def next_of_series(
    session: Session, *, meeting: Meeting, hooks: FeatureHooks, now: datetime
) -> MeetingSlot | None:
    """The next occurrence of the meeting's own series; None for a meeting without one.

    The hooks answer per channel (the nearest of its series), so other series of the
    channel are stepped over, in time order, until the meeting's own comes up.
    """
    if meeting.series_id is None:
        return None
    after = now
    for _ in range(NEXT_SESSION_STEPS):
        slot = hooks.next_slot(session, meeting.team_id, meeting.channel_id, after)
        if slot is None:
            return None
        if slot.series_id == meeting.series_id:
            return slot
        after = slot.start
    return None


def archive_of(session: Session, *, meeting: Meeting, now: datetime) -> ChannelArchive:
    """The channel's archive page (its random id is made with the first minutes)."""
    # Two chairs publishing a channel's first minutes at once agree on one archive.
    insert_ignore(
        session,
        ChannelArchive.__table__,
        {
            "team_id": meeting.team_id,
            "channel_id": meeting.channel_id,
            "public_id": secrets.token_urlsafe(18),
            "channel_name": meeting.channel_name[:100],
            "created_at": now,
        },
    )
    row = session.get(ChannelArchive, (meeting.team_id, meeting.channel_id))
    assert row is not None
    if meeting.channel_name and row.channel_name != meeting.channel_name[:100]:
        row.channel_name = meeting.channel_name[:100]
        session.flush()
    return row


def render_all(
    session: Session,
    *,
    meeting: Meeting,
    directory: Directory,
    hooks: FeatureHooks,
    settings: Settings,
    now: datetime,
    formats: tuple[str, ...] = document.FORMATS,
) -> Rendered:
    doc = gather(
        session, meeting=meeting, directory=directory, hooks=hooks, settings=settings, now=now
    )
    template = channel_template(session, team_id=meeting.team_id, channel_id=meeting.channel_id)
    out = {
        fmt: document.render(doc, fmt, template=template, templates_dir=settings.templates_dir)
        for fmt in formats
    }
    return Rendered(
        doc=doc,
        slack=bk.from_markup(out["slack"]) if "slack" in out else [],
        markdown=out.get("md", ""),
        html=out.get("html", ""),
        log_html=document.render_log(doc) if "html" in out else "",
    )


def require_chair(meeting: Meeting, user_id: str, doing: str) -> None:
    if not service.is_chair(meeting, user_id):
        chairs = ", ".join(f"<@{c}>" for c in meeting.chairs)
        raise PermissionDenied(f"Only a chair of *{escape(meeting.name)}* ({chairs}) can {doing}.")


def draft_blocks(rendered: Rendered, meeting: Meeting) -> list[dict[str, Any]]:
    """What the chairs review: a summary, the start of the minutes, Edit and Publish."""
    doc = rendered.doc
    summary = render(
        "minutes/draft.slack.j2",
        m=doc,
        meeting_name=escape(meeting.name),
        entries=sum(len(t.entries) for t in doc.topics),
    )
    head = bk.from_markup(summary)
    preview = rendered.slack[:PREVIEW_BLOCKS]
    blocks = [*head, bk.divider(), *preview]
    if len(rendered.slack) > PREVIEW_BLOCKS:
        hidden = len(rendered.slack) - PREVIEW_BLOCKS
        blocks.append(
            bk.context(f"…and {hidden} more blocks; the published minutes have them all.")
        )
    blocks.append(
        bk.actions(
            [
                bk.button("minutes_edit", str(meeting.id), "Edit"),
                bk.button("minutes_publish", str(meeting.id), "Publish", "primary"),
            ],
            block_id=f"minutes_draft_{meeting.id}",
        )
    )
    return blocks


def send_draft(
    session: Session,
    *,
    meeting: Meeting,
    directory: Directory,
    hooks: FeatureHooks,
    settings: Settings,
    now: datetime,
) -> list[str]:
    """DM every chair the draft; returns the chairs."""
    rendered = render_all(
        session,
        meeting=meeting,
        directory=directory,
        hooks=hooks,
        settings=settings,
        now=now,
        formats=("slack",),
    )
    blocks = draft_blocks(rendered, meeting)
    text = f"Draft minutes of {escape(meeting.name)}: review, edit and publish."
    for chair in meeting.chairs:
        outbox.post_message(
            session, team_id=meeting.team_id, channel=chair, text=text, blocks=blocks, now=now
        )
    return list(meeting.chairs)


def publish(
    session: Session,
    *,
    meeting: Meeting,
    user_id: str,
    directory: Directory,
    hooks: FeatureHooks,
    settings: Settings,
    now: datetime,
) -> int:
    """Post the minutes in the channel (as many messages as needed), store and upload
    the Markdown and HTML renderings; returns how many messages were queued."""
    if meeting.status == "live":
        raise Conflict("The meeting is still live; end it with `/minutes end` first.")
    if meeting.status == "published":
        raise Conflict(f"These minutes were already published: {settings.public(_path(meeting))}")
    require_chair(meeting, user_id, "publish the minutes")
    # Made before rendering, so that the minutes link to the channel's archive.
    archive_of(session, meeting=meeting, now=now)
    rendered = render_all(
        session, meeting=meeting, directory=directory, hooks=hooks, settings=settings, now=now
    )
    pages = bk.paginate(rendered.slack)
    name = escape(meeting.name)
    for i, page in enumerate(pages, start=1):
        suffix = f" ({i}/{len(pages)})" if len(pages) > 1 else ""
        outbox.post_message(
            session,
            team_id=meeting.team_id,
            channel=meeting.channel_id,
            text=f"Minutes of {name}{suffix}",
            blocks=page,
            now=now,
        )
    meeting.status = "published"
    meeting.published_at = now
    meeting.markdown = rendered.markdown
    meeting.html = rendered.html
    meeting.log_html = rendered.log_html
    meeting.template = channel_template(
        session, team_id=meeting.team_id, channel_id=meeting.channel_id
    )
    # The same day as the header: the meeting's home zone, not UTC.
    stem = f"minutes-{rendered.doc.day}-{_slug(meeting.name.replace(rendered.doc.day, ''))}"
    for ext, content, kind in (
        ("md", rendered.markdown, "Markdown"),
        ("html", rendered.html, "HTML"),
    ):
        outbox.upload_file(
            session,
            team_id=meeting.team_id,
            channel=meeting.channel_id,
            filename=f"{stem}.{ext}",
            content=content,
            now=now,
            title=f"Minutes of {_plain_title(meeting.name)} ({kind})",
        )
    session.flush()
    return len(pages)


def _path(meeting: Meeting) -> str:
    return f"/minutes/{meeting.public_id}.html"


def _plain_title(name: str) -> str:
    # A file title is shown as is: keep Slack's control characters out of it.
    return re.sub(r"[<>&]", "", name)[:120]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "meeting"


# -- the edit modal ---------------------------------------------------------------------

_LINE = re.compile(r"^\s*(?:\[(\d+)\]\s*)?#([A-Za-z]+)\s*(.*)$")


def edit_lines(session: Session, *, meeting: Meeting) -> list[str]:
    """One line per item: "[id] #kind text" (actions show their task)."""
    lines = []
    for item in service.items(session, meeting=meeting):
        text = item.text
        if item.kind == "action" and item.action_number is not None:
            row = session.scalars(
                select(ActionItem).where(
                    ActionItem.team_id == meeting.team_id,
                    ActionItem.number == item.action_number,
                )
            ).one_or_none()
            if row is not None:
                text = row.text
        lines.append(f"[{item.id}] #{item.kind} {text}")
    return lines


def chunk_lines(lines: list[str], limit: int = EDIT_CHUNK) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line[: limit - 1]
        if current and size + len(line) + 1 > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def apply_edit(
    session: Session, *, meeting: Meeting, user_id: str, text: str, editable: int, now: datetime
) -> tuple[dict[str, int], list[str]]:
    """Apply the edited lines to the first `editable` items: fix, remove, reorder, add.

    Returns counts and the problems found (nothing is changed when there are problems).
    """
    require_chair(meeting, user_id, "edit the minutes")
    if meeting.status == "published":
        raise Conflict("These minutes are already published.")
    current = service.items(session, meeting=meeting)
    shown, rest = current[:editable], current[editable:]
    by_id = {i.id: i for i in shown}
    plan: list[tuple[MeetingItem | None, str, str]] = []
    problems: list[str] = []
    seen: set[int] = set()
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        kind = service.ALIASES.get(m.group(2).lower(), m.group(2).lower()) if m else ""
        if m is None or kind not in service.ITEM_KINDS:
            problems.append(f"line {n}: start with `#topic`, `#agreed`, `#info`… (`{raw[:40]}`)")
            continue
        body = " ".join(m.group(3).split())
        if not body:
            problems.append(f"line {n}: #{kind} has no text")
            continue
        item = by_id.get(int(m.group(1))) if m.group(1) else None
        if m.group(1) and (item is None or item.id in seen):
            problems.append(f"line {n}: [{m.group(1)}] is not an item of this draft")
            continue
        if item is not None:
            seen.add(item.id)
            if (item.kind == "action") != (kind == "action"):
                problems.append(
                    f"line {n}: an action item stays an action (remove the line instead)"
                )
                continue
        elif kind == "action":
            problems.append(f"line {n}: add new action items with `/action add` instead")
            continue
        plan.append((item, kind, body))
    if problems:
        return {}, problems
    counts = {"changed": 0, "removed": 0, "added": 0}
    for item in shown:
        if item.id not in seen:
            service.remove_item(session, item)
            counts["removed"] += 1
    position = 0
    for existing, kind, body in plan:
        position += 1
        if existing is None:
            session.add(
                MeetingItem(
                    team_id=meeting.team_id,
                    meeting_id=meeting.id,
                    position=position,
                    kind=kind,
                    text=body[: service.MAX_ITEM],
                    user_id=user_id,
                    created_at=now,
                )
            )
            counts["added"] += 1
            continue
        if kind == "action" and existing.action_number is not None:
            row = session.scalars(
                select(ActionItem).where(
                    ActionItem.team_id == meeting.team_id,
                    ActionItem.number == existing.action_number,
                )
            ).one_or_none()
            task = split_action(body).task or body
            if row is not None and row.text != task:
                actions.set_text(row, task)
                counts["changed"] += 1
        elif existing.kind != kind or existing.text != body:
            existing.kind, existing.text = kind, body[: service.MAX_ITEM]
            counts["changed"] += 1
        existing.position = position
    for item in rest:
        position += 1
        item.position = position
    session.flush()
    return counts, []
