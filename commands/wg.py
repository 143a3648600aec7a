"""/wg: the umbrella command: help for everything and the bot's own settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import __version__
from bot.commands.base import ActionInfo, Ctx, Reply, Router, split_args
from bot.commands.registry import Registry
from bot.errors import UsageError
from bot.grammar import parse_channel, parse_user
from bot.housekeeping import retention
from bot.housekeeping import status as ops
from bot.render import render
from bot.services import workspace
from bot.services.permissions import check_admin
from bot.slackfmt import channel as channel_ref
from bot.slackfmt import escape
from bot.slackfmt import user as user_ref

router = Router(
    "wg",
    "help, and the bot's settings for this workspace",
    examples=("/wg help", "/wg support lustre", "/wg admins add @maria"),
)

ADMINS_USAGE = "/wg admins [list|add @user|remove @user]"
SETTINGS_USAGE = (
    "/wg settings [default-channel #channel | digest-channel #channel | "
    "dates day-first|month-first]"
)
RETRY_USAGE = "/wg retry N|all"


@router.sub(
    "help", "/wg help", "Every command family with usage and examples.", writes=False, empty=True
)
def help_all(ctx: Ctx, args: str) -> Reply:
    if args.strip():
        name = args.strip().split()[0].lstrip("/").lower()
        if name in ctx.families:
            return ctx.families[name].help()
        raise UsageError(
            f"There is no command family `{escape(name[:40])}`.", usage="/wg help [family]"
        )
    families = ctx.families
    ordered = [
        families[n]
        for n in ("issue", "support", "meeting", "action", "minutes", "wg")
        if n in families
    ]
    ordered += [f for f in families.values() if f not in ordered]
    return Reply.markup(render("help.slack.j2", families=ordered))


@router.sub("version", "/wg version", "The bot's version.", writes=False)
def version(ctx: Ctx, args: str) -> Reply:
    return Reply(text=f"wgbot {__version__}")


@router.sub(
    "admins", ADMINS_USAGE, "Bot admins besides Slack's workspace admins (admins only to change)."
)
def admins(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, ADMINS_USAGE)
    verb = words[0].lower() if words else "list"
    if verb == "list":
        users = workspace.bot_admins(
            ctx.session, team_id=ctx.team_id, configured=ctx.settings.bot_admins
        )
        names = ", ".join(user_ref(u) for u in users) or "none yet"
        return Reply(text=f"Bot admins (besides workspace admins and owners): {names}")
    if verb not in ("add", "remove") or len(words) != 2:
        raise UsageError("Tell me whether to `add` or `remove`, and whom.", usage=ADMINS_USAGE)
    target = parse_user(words[1], ADMINS_USAGE)
    if verb == "add":
        changed = workspace.grant_bot_admin(
            ctx.session, team_id=ctx.team_id, user_id=target, is_admin=ctx.is_admin, now=ctx.now
        )
        return Reply(text=f"{user_ref(target)} is {'now' if changed else 'already'} a bot admin.")
    changed = workspace.revoke_bot_admin(
        ctx.session, team_id=ctx.team_id, user_id=target, is_admin=ctx.is_admin
    )
    return Reply(text=f"{user_ref(target)} {'is no longer' if changed else 'was not'} a bot admin.")


@router.sub(
    "settings",
    SETTINGS_USAGE,
    "Where the bot posts by default, how it reads 9/10 (admins only to change).",
)
def settings(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, SETTINGS_USAGE)
    if not words:
        current = workspace.workspace_settings(ctx.session, team_id=ctx.team_id)
        default = channel_ref(current.default_channel) if current.default_channel else "not set"
        digest = channel_ref(current.digest_channel) if current.digest_channel else "not set"
        return Reply(
            text=f"Default channel: {default}\nWeekly digest channel: {digest}\n"
            f"Dates: {_date_order(current.day_first)}"
        )
    if words[0].lower() == "dates":
        return _set_dates(ctx, words[1:])
    setting = workspace.CHANNEL_SETTINGS.get(words[0].lower())
    if len(words) != 2 or setting is None:
        raise UsageError("Name a setting and a channel.", usage=SETTINGS_USAGE)
    channel_id = parse_channel(words[1], SETTINGS_USAGE)
    workspace.set_channel(
        ctx.session,
        team_id=ctx.team_id,
        setting=setting,
        channel_id=channel_id,
        is_admin=ctx.is_admin,
        now=ctx.now,
    )
    return Reply(text=f"{words[0].lower()} is now {channel_ref(channel_id)}.")


def _date_order(day_first: bool) -> str:
    if day_first:
        return "day first (9/10 is 9 October)"
    return "month first (9/10 is 10 September)"


def _set_dates(ctx: Ctx, words: list[str]) -> Reply:
    choice = words[0].lower() if len(words) == 1 else ""
    if choice not in ("day-first", "month-first"):
        raise UsageError(
            "Say `dates day-first` (9/10 is 9 October) or `dates month-first` "
            "(9/10 is 10 September).",
            usage=SETTINGS_USAGE,
        )
    now = workspace.set_day_first(
        ctx.session,
        team_id=ctx.team_id,
        day_first=choice == "day-first",
        is_admin=ctx.is_admin,
        now=ctx.now,
    )
    return Reply(text=f"Dates are now read {_date_order(now.day_first)}.")


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _lane(lane: str) -> str:
    """Where a message was going, as Slack shows it."""
    target = lane.removeprefix("home:").split("/", 1)[0]
    if target[:1] in ("C", "G"):
        return channel_ref(target)
    if target[:1] in ("U", "W"):
        return ("the Home tab of " if lane.startswith("home:") else "") + user_ref(target)
    return f"`{escape(lane[:80])}`"


@router.sub(
    "status",
    "/wg status",
    "The outbox's backlog and failed messages, the scheduler, the last job errors (admins).",
    writes=False,
)
def show_status(ctx: Ctx, args: str) -> Reply:
    check_admin(ctx.is_admin, doing="see the bot's status")
    now: datetime = ctx.now
    s = ops.status(ctx.session, team_id=ctx.team_id, now=now)
    markup = render(
        "wg/status.slack.j2",
        s=s,
        lanes={m.id: _lane(m.lane) for m in s.failed_messages},
        oldest_age=_age(now - s.oldest_pending) if s.oldest_pending else "",
        tick_age=_age(now - s.last_tick) if s.last_tick else "",
    )
    return Reply.markup(markup)


def _retry(ctx: Ctx, which: str) -> Reply:
    check_admin(ctx.is_admin, doing="retry failed messages")
    which = which.strip().lstrip("#").lower()
    if which == "all":
        message_id = None
    elif which.isdigit() and len(which) < 12:
        message_id = int(which)
    else:
        raise UsageError("Name a failed message by its number, or say `all`.", usage=RETRY_USAGE)
    ids = ops.retry_failed(ctx.session, team_id=ctx.team_id, now=ctx.now, message_id=message_id)
    if not ids:
        return Reply(text="No message has failed: nothing to retry.")
    listed = ", ".join(f"#{i}" for i in ids[:20]) + (" …" if len(ids) > 20 else "")
    return Reply(
        text=f"Queued again: {listed}. `/wg status` shows whether {'it' if len(ids) == 1 else 'they'} went out."
    )


@router.sub(
    "retry", RETRY_USAGE, "Queue a failed message (or all of them) again (admins).", writes=True
)
def retry(ctx: Ctx, args: str) -> Reply:
    words = split_args(args, RETRY_USAGE)
    if len(words) != 1:
        raise UsageError("Name one failed message, or say `all`.", usage=RETRY_USAGE)
    return _retry(ctx, words[0])


def retry_button(ctx: Ctx, info: ActionInfo) -> Reply:
    """The Retry buttons of /wg status; the same as `/wg retry N|all`."""
    return _retry(ctx, info.value)


def install(registry: Registry) -> None:
    """The umbrella /wg: help, admins, settings, status; and the bot's own housekeeping jobs."""
    registry.family(router)
    registry.action("wg_outbox_retry", retry_button)
    # Listens to the job log from now on; the heartbeat stores what it heard.
    ops.job_failures()
    registry.periodic(ops.HEARTBEAT_TASK, ops.heartbeat_task, every=ops.HEARTBEAT_SECONDS)
    registry.periodic("housekeeping", retention.retention_task, every=retention.EVERY_SECONDS)
