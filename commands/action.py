"""/action: numbered action items that outlive meetings."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import reminders as action_reminders
from bot.actions import service as actions
from bot.actions.models import ActionItem
from bot.actions.parsing import split_action
from bot.commands import home_actions
from bot.commands.base import Ctx, Reply, Router, split_args
from bot.commands.dispatch import in_a_channel, send_private
from bot.commands.registry import Registry
from bot.errors import UsageError
from bot.grammar import is_user, parse_number, parse_user
from bot.render import render
from bot.slackfmt import escape
from bot.timekit.read import DATES_HELP

router = Router(
    "action",
    "numbered action items: add, list, done, assign, due dates",
    examples=(
        "/action add @maria send the draft to the list by friday",
        "/action list mine",
        "/action done 7",
    ),
    notes=(DATES_HELP,),
)

ADD_USAGE = "/action add [@owner…] <task> [due|by <date>]"
LIST_USAGE = "/action list [mine|@user|open|done|all]"
DONE_USAGE = "/action done <number>"
REOPEN_USAGE = "/action reopen <number>"
ASSIGN_USAGE = "/action assign <number> @user [@user…] (or `nobody`)"
DUE_USAGE = "/action due <number> <date> (or `none`)"
SHOW_USAGE = "/action show <number>"


@dataclass(frozen=True)
class AddRequest:
    owners: tuple[str, ...]
    task: str
    due_text: str | None
    # The due clause as typed, kept in the task if its date cannot be used.
    due_words: str | None = None


def parse_add(text: str) -> AddRequest:
    """`@a @b task by friday`: every mention is an owner; a plain "@name" is refused."""
    if not text.strip():
        raise UsageError("Say what needs doing.", usage=ADD_USAGE)
    for word in text.split():
        if word.startswith("@") and not is_user(word):
            raise UsageError(
                f"`{escape(word[:40])}` is not a user I know; pick the person with @ so Slack "
                "turns it into a mention.",
                usage=ADD_USAGE,
            )
    parsed = split_action(text)
    if not parsed.task:
        raise UsageError("Say what needs doing, not only who does it.", usage=ADD_USAGE)
    return AddRequest(parsed.owners, parsed.task, parsed.due_text, parsed.due_words)


def _number(args: str, usage: str) -> tuple[int, list[str]]:
    words = split_args(args, usage)
    if not words:
        raise UsageError("Which action item? Give its number.", usage=usage)
    return parse_number(words[0], "action item", usage), words[1:]


def _show(row: ActionItem, ctx: Ctx, note: str = "", public: bool = False) -> Reply:
    text = render(
        "minutes/action_show.slack.j2", item=actions.ItemView.of(row), note=note, now=ctx.now
    )
    return Reply(text=text, public=public)


@router.sub("add", ADD_USAGE, "Record an action item (owners and a due date are optional).")
def add(ctx: Ctx, args: str) -> Reply:
    req = parse_add(args)
    recorded = actions.record_item(
        ctx.session,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        text=req.task,
        owners=req.owners,
        due_text=req.due_text,
        now=ctx.now,
        channel_id=ctx.channel_id or None,
        due_words=req.due_words,
    )
    if recorded.note:
        # For the writer only; the channel sees the item as recorded.
        send_private(ctx, Reply(text=f":warning: {recorded.note}"), in_a_channel(ctx.channel_id))
    return _show(recorded.row, ctx, note="Recorded", public=True)


@router.sub(
    "list", LIST_USAGE, "Open items (or mine, someone's, done, all).", writes=False, empty=True
)
def list_items(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, LIST_USAGE)
    status, owner = "open", None
    for word in words:
        low = word.lower()
        if low in ("open", "done", "all"):
            status = low
        elif low == "mine":
            owner = ctx.user_id
        elif is_user(word):
            owner = parse_user(word, LIST_USAGE)
        else:
            raise UsageError(f"`{escape(word[:40])}` is not a filter I know.", usage=LIST_USAGE)
    title = {"open": "Open action items", "done": "Done action items", "all": "All action items"}[
        status
    ]
    items, total = actions.list_items(ctx.session, team_id=ctx.team_id, status=status, owner=owner)
    markup = render(
        "minutes/action_list.slack.j2",
        items=items,
        total=total,
        title=title,
        owner=owner,
        now=ctx.now,
        reader_tz=ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id),
    )
    return Reply.markup(markup)


@router.sub("show", SHOW_USAGE, "One item in full.", writes=False)
def show(ctx: Ctx, args: str) -> Reply:
    number, _ = _number(args, SHOW_USAGE)
    return _show(actions.get_item(ctx.session, team_id=ctx.team_id, number=number), ctx)


@router.sub("done", DONE_USAGE, "Close an item (owners, its creator, chairs, admins).")
def done(ctx: Ctx, args: str) -> Reply:
    number, _ = _number(args, DONE_USAGE)
    row = actions.close_item(
        ctx.session,
        hooks=ctx.rt.hooks,
        team_id=ctx.team_id,
        number=number,
        user_id=ctx.user_id,
        is_admin=ctx.is_admin,
        now=ctx.now,
    )
    return _show(row, ctx, note="Done", public=True)


@router.sub("reopen", REOPEN_USAGE, "Open a closed item again.")
def reopen(ctx: Ctx, args: str) -> Reply:
    number, _ = _number(args, REOPEN_USAGE)
    row = actions.reopen_item(
        ctx.session,
        hooks=ctx.rt.hooks,
        team_id=ctx.team_id,
        number=number,
        user_id=ctx.user_id,
        is_admin=ctx.is_admin,
        now=ctx.now,
    )
    return _show(row, ctx, note="Reopened", public=True)


@router.sub("assign", ASSIGN_USAGE, "Set who owns an item (several people, or nobody).")
def assign(ctx: Ctx, args: str) -> Reply:
    number, rest = _number(args, ASSIGN_USAGE)
    if not rest:
        raise UsageError("Name the new owners with @, or `nobody`.", usage=ASSIGN_USAGE)
    owners: list[str] = []
    if [w.lower() for w in rest] not in (["nobody"], ["none"]):
        owners = [parse_user(w, ASSIGN_USAGE) for w in rest]
    row = actions.reassign_item(
        ctx.session,
        hooks=ctx.rt.hooks,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        number=number,
        user_id=ctx.user_id,
        is_admin=ctx.is_admin,
        owners=owners,
        now=ctx.now,
    )
    return _show(row, ctx, note="Reassigned", public=True)


@router.sub("due", DUE_USAGE, "Set or clear an item's due date.")
def due(ctx: Ctx, args: str) -> Reply:
    number, rest = _number(args, DUE_USAGE)
    if not rest:
        raise UsageError("Give the new due date, or `none`.", usage=DUE_USAGE)
    text = " ".join(rest)
    row = actions.redate_item(
        ctx.session,
        hooks=ctx.rt.hooks,
        directory=ctx.rt.directory,
        team_id=ctx.team_id,
        number=number,
        user_id=ctx.user_id,
        is_admin=ctx.is_admin,
        due_text=None if text.lower() in ("none", "never") else text,
        now=ctx.now,
        usage=DUE_USAGE,
    )
    return _show(row, ctx, note="Due date changed", public=True)


def install(registry: Registry) -> None:
    """Action items: the /action family, due-date nudges, and the App Home section."""
    registry.family(router)
    home_actions.install(registry)
    registry.periodic("action-item-reminders", action_reminders.action_reminders_task, every=300)
    registry.hooks.reminder_sections.append(action_reminders.open_items_section)
