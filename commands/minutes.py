"""/minutes: run a meeting live in a channel, then review, publish and find its minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.commands.base import (
    ActionInfo,
    Ctx,
    MessageEvent,
    Reply,
    Router,
    ViewResult,
    split_args,
)
from bot.commands.dispatch import send_private
from bot.commands.registry import Registry
from bot.errors import Conflict, NotFound, UsageError
from bot.grammar import as_number, parse_number, parse_user
from bot.minutes import document, publish, service
from bot.minutes import pages as minutes_pages
from bot.minutes.models import Meeting
from bot.render import blocks as bk
from bot.render import render
from bot.slackfmt import escape

router = Router(
    "minutes",
    "run a meeting live and publish its minutes",
    examples=(
        "/minutes start Weekly sync",
        "#topic Release plan   (typed in the channel during the meeting)",
        "/minutes end",
    ),
)

START_USAGE = "/minutes start [name]"
ITEM_USAGE = "/minutes {kind} <text>"
HERE_USAGE = "/minutes here [company]"
ATTENDEE_USAGE = "/minutes attendee @user [company]"
LIST_USAGE = "/minutes list [n]"
SHOW_USAGE = "/minutes show <id>"
TEMPLATE_USAGE = "/minutes template list | /minutes template set <name>"
CHAIR_USAGE = "/minutes chair @user [@user…]"
DRAFT_USAGE = "/minutes draft [id]"
EDIT_USAGE = "/minutes edit [id]"
PUBLISH_USAGE = "/minutes publish [id]"

document.warm()
UNCHAIR_USAGE = "/minutes unchair @user [@user…]"


def _tz_of(ctx: Ctx) -> service.TzLookup:
    return lambda uid: ctx.rt.directory.user_tz(ctx.session, ctx.team_id, uid)


def _live(ctx: Ctx) -> Meeting:
    return service.require_live(ctx.session, team_id=ctx.team_id, channel_id=ctx.channel_id)


def _after_end(ctx: Ctx, meeting: Meeting) -> None:
    publish.send_draft(
        ctx.session,
        meeting=meeting,
        directory=ctx.rt.directory,
        hooks=ctx.rt.hooks,
        settings=ctx.settings,
        now=ctx.now,
    )


@router.sub(
    "status",
    "/minutes status",
    "The live meeting in this channel, if any.",
    writes=False,
    empty=True,
)
def status(ctx: Ctx, args: str) -> Reply:
    meeting = service.live_meeting(ctx.session, team_id=ctx.team_id, channel_id=ctx.channel_id)
    if meeting is None:
        return Reply(
            text="No meeting is live in this channel. Start one with `/minutes start [name]`; "
            "`/minutes help` lists everything."
        )
    count = len(service.items(ctx.session, meeting=meeting))
    return Reply(text=render("minutes/status.slack.j2", meeting=meeting, items=count))


@router.sub("start", START_USAGE, "Start a meeting here; you become its chair.")
def start(ctx: Ctx, args: str) -> Reply:
    if not ctx.channel_id or ctx.channel_id[:1] not in ("C", "G"):
        raise UsageError("Start meetings in a channel, not in a direct message.", usage=START_USAGE)
    # Slack sends the bot the messages of channels it is in only: join first (public).
    hearing = ctx.membership(ctx.channel_id)
    slot = ctx.rt.hooks.current_slot(ctx.session, ctx.team_id, ctx.channel_id, ctx.now)
    meeting = service.start_meeting(
        ctx.session,
        team_id=ctx.team_id,
        channel_id=ctx.channel_id,
        channel_name=ctx.channel_name,
        user_id=ctx.user_id,
        name=" ".join(args.split()),
        now=ctx.now,
        tz=ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id),
        hearing=hearing,
        slot=slot,
    )
    text = render("minutes/started.slack.j2", meeting=meeting, slot=slot, joined=hearing.joined_now)
    return Reply(text=text, public=True)


@router.sub("end", "/minutes end", "End the meeting; the chairs get a draft to edit and publish.")
def end(ctx: Ctx, args: str) -> Reply:
    meeting = _live(ctx)
    service.end_meeting(ctx.session, meeting=meeting, user_id=ctx.user_id, now=ctx.now)
    _after_end(ctx, meeting)
    return Reply(
        text=render("minutes/ended.slack.j2", meeting=meeting, by=ctx.user_id), public=True
    )


def _item_command(kind: str) -> None:
    usage = ITEM_USAGE.format(kind=kind)

    def handler(ctx: Ctx, args: str) -> Reply:
        meeting = _live(ctx)
        if not args.strip():
            raise UsageError(
                f"`/minutes {kind}` needs some text; nothing was recorded.", usage=usage
            )
        service.record_line(ctx.session, meeting=meeting, user_id=ctx.user_id, now=ctx.now)
        notes: list[str] = []
        item = service.add_item(
            ctx.session,
            meeting=meeting,
            kind=kind,
            text=args,
            user_id=ctx.user_id,
            now=ctx.now,
            tz_of=_tz_of(ctx),
            notes=notes,
        )
        what = f"action item #{item.action_number}" if item.action_number else f"#{kind}"
        said = "".join(f"\n:warning: {n}" for n in notes)
        return Reply(text=f":white_check_mark: Recorded {what}: {escape(item.text)}{said}")

    handler.__name__ = f"item_{kind}"
    summary = {
        "topic": "Start a new agenda topic (chairs).",
        "agreed": "Record a decision (chairs).",
        "action": "Record an action item: @owners, task, [due <date>].",
    }.get(kind, f"Record a #{kind} line.")
    aliases = ("agree", "decision") if kind == "agreed" else ()
    router.sub(kind, usage, summary, aliases=aliases)(handler)


for _kind in service.ITEM_KINDS:
    _item_command(_kind)


@router.sub("undo", "/minutes undo", "Remove the last item (yours, or any if you chair).")
def undo(ctx: Ctx, args: str) -> Reply:
    item = service.undo(ctx.session, meeting=_live(ctx), user_id=ctx.user_id)
    return Reply(text=f"Removed #{item.kind} {escape(item.text)}")


def _people(args: str, usage: str) -> list[str]:
    words = split_args(args, usage)
    if not words:
        raise UsageError("Name the people with @.", usage=usage)
    return [parse_user(w, usage) for w in words]


@router.sub("chair", CHAIR_USAGE, "Add chairs to the live meeting (chairs).")
def chair(ctx: Ctx, args: str) -> Reply:
    who = _people(args, CHAIR_USAGE)
    meeting = _live(ctx)
    service.add_chairs(ctx.session, meeting=meeting, user_id=ctx.user_id, who=who)
    return Reply(text="Chairs: " + ", ".join(f"<@{c}>" for c in meeting.chairs))


@router.sub("unchair", UNCHAIR_USAGE, "Remove chairs from the live meeting (chairs).")
def unchair(ctx: Ctx, args: str) -> Reply:
    who = _people(args, UNCHAIR_USAGE)
    meeting = _live(ctx)
    service.remove_chairs(ctx.session, meeting=meeting, user_id=ctx.user_id, who=who)
    return Reply(text="Chairs: " + ", ".join(f"<@{c}>" for c in meeting.chairs))


@router.sub("here", HERE_USAGE, "Mark yourself present, with your company.")
def here(ctx: Ctx, args: str) -> Reply:
    meeting = _live(ctx)
    company = " ".join(args.split())[:200] or None
    service.set_company(
        ctx.session, meeting=meeting, user_id=ctx.user_id, company=company, now=ctx.now
    )
    at = f" for {escape(company)}" if company else ""
    return Reply(text=f"Noted: you are attending *{escape(meeting.name)}*{at}.")


@router.sub("attendee", ATTENDEE_USAGE, "Mark someone present, with their company.")
def attendee(ctx: Ctx, args: str) -> Reply:
    words = args.split(maxsplit=1)
    if not words:
        raise UsageError("Who attended? Name them with @.", usage=ATTENDEE_USAGE)
    uid = parse_user(words[0], ATTENDEE_USAGE)
    meeting = _live(ctx)
    if ctx.rt.directory.user(ctx.session, ctx.team_id, uid) is None:
        raise NotFound(f"Slack does not know the user <@{uid}> in this workspace.")
    company = " ".join(words[1].split())[:200] if len(words) > 1 else None
    service.set_company(ctx.session, meeting=meeting, user_id=uid, company=company, now=ctx.now)
    at = f" ({escape(company)})" if company else ""
    return Reply(text=f"Noted: <@{uid}>{at} attends *{escape(meeting.name)}*.")


@router.sub("list", LIST_USAGE, "Recent meetings of this channel with their minutes.", writes=False)
def list_meetings(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, LIST_USAGE)
    limit = parse_number(words[0], "count", LIST_USAGE) if words else 10
    if not 1 <= limit <= 40:
        raise UsageError("Show between 1 and 40 meetings.", usage=LIST_USAGE)
    meetings = service.recent(
        ctx.session, team_id=ctx.team_id, channel_id=ctx.channel_id or None, limit=limit
    )
    return Reply.markup(
        render("minutes/list.slack.j2", meetings=meetings, public=ctx.settings.public)
    )


def _render_slack(ctx: Ctx, meeting: Meeting) -> publish.Rendered:
    """The minutes as Slack blocks only (show, draft, edit): the files wait for publishing."""
    return publish.render_all(
        ctx.session,
        meeting=meeting,
        directory=ctx.rt.directory,
        hooks=ctx.rt.hooks,
        settings=ctx.settings,
        now=ctx.now,
        formats=("slack",),
    )


# Not read-only: rendering may refresh the cached names and zones of the people in it.
@router.sub("show", SHOW_USAGE, "Show one meeting's minutes (the id from `/minutes list`).")
def show(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, SHOW_USAGE)
    if not words:
        raise UsageError("Which minutes? Give the id from `/minutes list`.", usage=SHOW_USAGE)
    meeting_id = parse_number(words[0], "minutes", SHOW_USAGE)
    meeting = service.get_meeting(ctx.session, team_id=ctx.team_id, meeting_id=meeting_id)
    rendered = _render_slack(ctx, meeting)
    blocks = rendered.slack
    if len(blocks) > bk.MAX_MESSAGE_BLOCKS:
        blocks = [
            *blocks[: bk.MAX_MESSAGE_BLOCKS - 1],
            bk.context(f"…cut short here; the full minutes: {rendered.doc.html_url}"),
        ]
    return Reply(text=f"Minutes of {escape(meeting.name)}", blocks=blocks)


@router.sub("template", TEMPLATE_USAGE, "List the minutes templates, or choose this channel's.")
def template(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, TEMPLATE_USAGE)
    verb = words[0].lower() if words else "list"
    current = publish.channel_template(ctx.session, team_id=ctx.team_id, channel_id=ctx.channel_id)
    if verb == "list":
        names = document.available(ctx.settings.templates_dir)
        return Reply(text=render("minutes/templates.slack.j2", names=names, current=current))
    if verb == "set" and len(words) == 2:
        publish.set_channel_template(
            ctx.session,
            team_id=ctx.team_id,
            channel_id=ctx.channel_id,
            template=words[1],
            user_id=ctx.user_id,
            settings=ctx.settings,
            now=ctx.now,
        )
        return Reply(text=f"This channel's minutes now use the `{escape(words[1])}` template.")
    raise UsageError("Say `list`, or `set` and one template name.", usage=TEMPLATE_USAGE)


# -- capture from channel messages ---------------------------------------------------------


def capture(ctx: Ctx, event: MessageEvent) -> None:
    """Meeting lines said in the channel (or its threads) while a meeting is live."""
    if event.subtype == "message_changed":
        meeting = service.meeting_with_source(
            ctx.session, team_id=ctx.team_id, channel_id=event.channel_id, ts=event.ts
        )
        if meeting is not None:
            service.edit_from_message(
                ctx.session,
                meeting=meeting,
                ts=event.ts,
                text=event.text,
                user_id=event.user_id,
                now=ctx.now,
                tz_of=_tz_of(ctx),
            )
        return
    if event.subtype == "message_deleted":
        meeting = service.meeting_with_source(
            ctx.session, team_id=ctx.team_id, channel_id=event.channel_id, ts=event.ts
        )
        if meeting is not None:
            service.delete_from_message(ctx.session, meeting=meeting, ts=event.ts)
        return
    meeting = service.live_meeting(ctx.session, team_id=ctx.team_id, channel_id=event.channel_id)
    if meeting is None or not event.user_id:
        return
    result = service.capture(
        ctx.session,
        meeting=meeting,
        user_id=event.user_id,
        text=event.text,
        ts=event.ts,
        now=ctx.now,
        tz_of=_tz_of(ctx),
    )
    # The item is already flushed in this transaction; the reaction is queued after it,
    # and both commit together, so nothing acknowledged can be lost.
    if result.reaction:
        outbox.add_reaction(
            ctx.session,
            team_id=ctx.team_id,
            channel=event.channel_id,
            ts=event.ts,
            name=result.reaction,
            now=ctx.now,
        )
    if result.problem:
        send_private(ctx, Reply(text=f":warning: {result.problem}"), event.channel_id)
    if result.note:
        # In the line's thread, where the writer and the chairs see it.
        outbox.post_message(
            ctx.session,
            team_id=ctx.team_id,
            channel=event.channel_id,
            text=f":warning: <@{event.user_id}> {result.note}",
            thread_ts=event.thread_ts or event.ts,
            now=ctx.now,
        )
    if result.ended:
        _after_end(ctx, meeting)
        outbox.post_message(
            ctx.session,
            team_id=ctx.team_id,
            channel=event.channel_id,
            text=render("minutes/ended.slack.j2", meeting=meeting, by=event.user_id),
            now=ctx.now,
        )


# -- draft review: Edit and Publish ----------------------------------------------------------


def _meeting_from(ctx: Ctx, value: str) -> Meeting:
    meeting_id = as_number(value)
    if meeting_id is None:
        raise NotFound("These minutes no longer exist.")
    return service.get_meeting(ctx.session, team_id=ctx.team_id, meeting_id=meeting_id)


def _draft_named(ctx: Ctx, args: str, usage: str) -> Meeting:
    """The meeting a draft command is about: the id given, else this channel's latest
    draft (in a direct message: the latest draft you chair)."""
    words = split_args(args, usage)
    if len(words) > 1:
        raise UsageError("Give one minutes id (from `/minutes list`), or none.", usage=usage)
    if words:
        return service.get_meeting(
            ctx.session,
            team_id=ctx.team_id,
            meeting_id=parse_number(words[0].lstrip("#"), "minutes", usage),
        )
    in_channel = ctx.channel_id[:1] in ("C", "G")
    recent = service.recent(
        ctx.session,
        team_id=ctx.team_id,
        channel_id=ctx.channel_id if in_channel else None,
        limit=40,
    )
    if not in_channel:
        recent = [m for m in recent if service.is_chair(m, ctx.user_id)]
    for meeting in recent:
        if meeting.status == "ended":
            return meeting
    if recent:
        # No draft waits: the latest meeting, whose state the answer names (live, published).
        return recent[0]
    where = "in this channel" if in_channel else "that you chair"
    raise NotFound(f"There are no minutes {where} yet; give the id from `/minutes list`.")


def publish_minutes(ctx: Ctx, meeting: Meeting) -> Reply:
    """The Publish button and `/minutes publish`: chairs only, once."""
    count = publish.publish(
        ctx.session,
        meeting=meeting,
        user_id=ctx.user_id,
        directory=ctx.rt.directory,
        hooks=ctx.rt.hooks,
        settings=ctx.settings,
        now=ctx.now,
    )
    url = ctx.settings.public(f"/minutes/{meeting.public_id}.html")
    return Reply(
        text=f":white_check_mark: Published the minutes of *{escape(meeting.name)}* in "
        f"<#{meeting.channel_id}> ({count} message{'s' if count != 1 else ''}): {url}"
    )


def open_edit(ctx: Ctx, meeting: Meeting) -> Reply:
    """The Edit button and `/minutes edit`: the edit form, for chairs of a draft."""
    publish.require_chair(meeting, ctx.user_id, "edit the minutes")
    if meeting.status == "published":
        raise Conflict("These minutes are already published.")
    if meeting.status == "live":
        raise Conflict("End the meeting first (`/minutes end`), then edit the draft.")
    return Reply(text="Opening the minutes editor…", view=edit_view(ctx, meeting))


def on_publish(ctx: Ctx, info: ActionInfo) -> Reply:
    return publish_minutes(ctx, _meeting_from(ctx, info.value))


def on_edit(ctx: Ctx, info: ActionInfo) -> Reply:
    return open_edit(ctx, _meeting_from(ctx, info.value))


@router.sub(
    "draft",
    DRAFT_USAGE,
    "Show the draft minutes with Edit and Publish (chairs; default: this channel's latest).",
)
def draft(ctx: Ctx, args: str) -> Reply:
    meeting = _draft_named(ctx, args, DRAFT_USAGE)
    publish.require_chair(meeting, ctx.user_id, "review the draft")
    if meeting.status != "ended":
        raise Conflict(
            "These minutes are already published."
            if meeting.status == "published"
            else "The meeting is still live; end it with `/minutes end` first."
        )
    rendered = _render_slack(ctx, meeting)
    blocks = publish.draft_blocks(rendered, meeting)
    if len(blocks) > bk.MAX_MESSAGE_BLOCKS:
        # The buttons come last: keep them.
        blocks = [*blocks[: bk.MAX_MESSAGE_BLOCKS - 1], blocks[-1]]
    return Reply(text=f"Draft minutes of {escape(meeting.name)}", blocks=blocks)


@router.sub("edit", EDIT_USAGE, "Open the draft's editor, like its Edit button (chairs).")
def edit(ctx: Ctx, args: str) -> Reply:
    return open_edit(ctx, _draft_named(ctx, args, EDIT_USAGE))


@router.sub("publish", PUBLISH_USAGE, "Publish the draft, like its Publish button (chairs).")
def publish_(ctx: Ctx, args: str) -> Reply:
    return publish_minutes(ctx, _draft_named(ctx, args, PUBLISH_USAGE))


def edit_view(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    lines = publish.edit_lines(ctx.session, meeting=meeting)
    chunks = publish.chunk_lines(lines)[: publish.MAX_EDIT_INPUTS]
    editable = sum(len(c.splitlines()) for c in chunks)
    blocks: list[dict[str, Any]] = [
        bk.section(
            "One item per line: `[id] #kind text`. Change the text or the kind (#topic, #agreed, "
            "#info…), delete a line to remove its item, move lines to reorder, add lines "
            "without an `[id]` for new items. Owners and due dates of actions: `/action`."
        )
    ]
    if len(lines) > editable:
        blocks.append(bk.context(f"Showing the first {editable} of {len(lines)} items."))
    for i, chunk in enumerate(chunks or [""]):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "lines",
            "multiline": True,
            "max_length": publish.EDIT_CHUNK,
        }
        if chunk:
            element["initial_value"] = chunk
        blocks.append(
            {
                "type": "input",
                "block_id": f"edit_{i}",
                "optional": True,
                "label": {"type": "plain_text", "text": f"Items (part {i + 1})"},
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": "minutes_edit",
        "private_metadata": f"{meeting.id}:{editable}",
        "title": {"type": "plain_text", "text": "Edit the minutes"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def on_edit_submit(ctx: Ctx, values: dict[str, Any], metadata: str) -> ViewResult:
    meeting_part, _, editable_part = metadata.partition(":")
    meeting = _meeting_from(ctx, meeting_part)
    parts = sorted(
        (k for k in values if k.startswith("edit_") and as_number(k[5:]) is not None),
        key=lambda k: int(k[5:]),
    )
    text = "\n".join(str(values[k] or "") for k in parts)
    counts, problems = publish.apply_edit(
        ctx.session,
        meeting=meeting,
        user_id=ctx.user_id,
        text=text,
        editable=as_number(editable_part) or 0,
        now=ctx.now,
    )
    if problems:
        message = "; ".join(problems[:5]) + (
            f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        )
        return ViewResult(errors={parts[0] if parts else "edit_0": message[:1900]})
    rendered = _render_slack(ctx, meeting)
    summary = (
        f"Saved: {counts['changed']} changed, {counts['removed']} removed, {counts['added']} added."
    )
    return ViewResult(
        notice=Reply(
            text=summary,
            blocks=[bk.section(summary), *publish.draft_blocks(rendered, meeting)][:50],
        )
    )


def live_chairs(session: Session, team_id: str, channel_id: str, now: datetime) -> set[str]:
    """The chairs of the meeting live in a channel (action items let them edit its items)."""
    return service.chairs_of_channel(session, team_id=team_id, channel_id=channel_id)


def install(registry: Registry) -> None:
    """Live meetings and minutes: /minutes, capture of channel lines, drafts and pages."""
    registry.family(router)
    registry.hooks.live_chairs.append(live_chairs)
    registry.on_message(capture)
    registry.action("minutes_publish", on_publish)
    registry.action("minutes_edit", on_edit)
    registry.view("minutes_edit", on_edit_submit)
    for path, page in minutes_pages.ROUTES:
        registry.page(path, page)
