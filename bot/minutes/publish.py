"""Drafts for the chairs, edits before publishing, and publishing the minutes."""

from __future__ import annotations

import re
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
from bot.minutes.models import ChannelTemplate, Meeting, MeetingItem
from bot.render import blocks as bk
from bot.render import render
from bot.services.hooks import FeatureHooks
from bot.slackfmt import escape

PREVIEW_BLOCKS = 40
EDIT_CHUNK = 3000
MAX_EDIT_INPUTS = 90


@dataclass(frozen=True)
class Rendered:
    doc: document.Minutes
    slack: list[dict[str, Any]]
    markdown: str
    html: str


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
    ids = {p.user_id for p in people} | set(meeting.chairs)
    for a in [*actions_new, *carried]:
        ids.update(a.owners)
        ids.update(mentions(a.text))
    for item in items:
        if "<@" in item.text:
            ids.update(mentions(item.text))
    names = _names(session, directory, meeting.team_id, ids)
    next_slot = hooks.next_slot(session, meeting.team_id, meeting.channel_id, now)
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
    )


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
    meeting.template = channel_template(
        session, team_id=meeting.team_id, channel_id=meeting.channel_id
    )
    stem = f"minutes-{meeting.started_at:%Y-%m-%d}-{_slug(meeting.name)}"
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
