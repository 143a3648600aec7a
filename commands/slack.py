"""The Slack adapter: binds every registered handler to a Bolt app.

Listeners only translate payloads into plain values, call commands.dispatch, and
acknowledge with the answer; all Slack I/O besides the ack goes through the outbox,
except opening a modal, which needs the short-lived trigger_id and so is done at once
on a background thread after the ack.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import outbox
from bot.runtime import Runtime
from commands import dispatch
from commands.base import (
    FAMILIES,
    HOME_RENDERERS,
    ActionInfo,
    Ctx,
    MessageEvent,
    Reply,
    ShortcutMessage,
)
from commands.dispatch import Identity

log = logging.getLogger(__name__)

# Messages the bot should not treat as people speaking.
_IGNORED_SUBTYPES = {
    "bot_message",
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
}


def _ack_reply(ack: Ack, reply: Reply) -> None:
    ack(
        text=reply.text,
        blocks=reply.blocks,
        response_type="in_channel" if reply.public else "ephemeral",
    )


def open_view_later(client: WebClient, trigger_id: str | None, view: dict[str, Any]) -> None:
    """views.open after the ack, so a slow Slack never delays the answer."""
    if not trigger_id:
        return

    def run() -> None:
        try:
            client.views_open(trigger_id=trigger_id, view=view)
        except Exception:
            log.warning("views.open failed", exc_info=True)

    threading.Thread(target=run, name="views-open", daemon=True).start()


def _team(body: dict[str, Any]) -> str:
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or (body.get("user") or {}).get("team_id")
    )
    return str(team or "")


def register_all(app: App, rt: Runtime) -> None:
    """Bind slash commands, buttons, modals, shortcuts and events to the handlers."""

    def make_command_listener(name: str) -> Any:
        def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            who = Identity(
                team_id=_team(body),
                user_id=str(body.get("user_id", "")),
                channel_id=str(body.get("channel_id", "")),
                channel_name=str(body.get("channel_name", "")),
                trigger_id=body.get("trigger_id"),
            )
            text = str(body.get("text") or "")
            reply = (
                dispatch.run_wg(rt, text, who)
                if name == "wg"
                else dispatch.run_command(rt, name, text, who)
            )
            if reply.view is not None:
                ack()
                open_view_later(client, who.trigger_id, reply.view)
                return
            _ack_reply(ack, reply)

        return listener

    # One listener for every family: Bolt tries listeners in turn, so one regex
    # matcher instead of six is less work on every request.
    listeners = {name: make_command_listener(name) for name in FAMILIES}
    pattern = re.compile("^/(" + "|".join(re.escape(n) for n in sorted(FAMILIES)) + ")$")

    @app.command(pattern)
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        listeners[str(body.get("command", "")).lstrip("/")](ack, body, client)

    @app.action(re.compile(".+"))
    def on_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        act = (body.get("actions") or [{}])[0]
        value = act.get("value")
        if value is None and act.get("selected_option"):
            value = act["selected_option"].get("value")
        if value is None:
            value = act.get("selected_user") or act.get("selected_date") or ""
        container = body.get("container") or {}
        view = body.get("view") or {}
        info = ActionInfo(
            action_id=str(act.get("action_id", "")),
            value=str(value),
            channel_id=str(
                (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
            ),
            message_ts=(body.get("message") or {}).get("ts") or container.get("message_ts"),
            view_id=view.get("id"),
            private_metadata=str(view.get("private_metadata") or ""),
        )
        who = Identity(
            team_id=_team(body),
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=info.channel_id,
            trigger_id=body.get("trigger_id"),
        )
        reply = dispatch.run_action(rt, info, who)
        if reply is not None and reply.view is not None:
            open_view_later(client, who.trigger_id, reply.view)

    @app.view(re.compile(".+"))
    def on_view(ack: Ack, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        who = Identity(team_id=_team(body), user_id=str((body.get("user") or {}).get("id", "")))
        result = dispatch.run_view(
            rt,
            str(view.get("callback_id", "")),
            (view.get("state") or {}).get("values") or {},
            str(view.get("private_metadata") or ""),
            who,
        )
        if result.errors:
            ack(response_action="errors", errors=result.errors)
        elif result.update_view is not None:
            ack(response_action="update", view=result.update_view)
        else:
            ack()

    @app.shortcut(re.compile(".+"))
    def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        message = body.get("message") or {}
        channel_id = str((body.get("channel") or {}).get("id", ""))
        team_id = _team(body)
        msg = ShortcutMessage(
            channel_id=channel_id,
            ts=str(message.get("ts", "")),
            user_id=str(message.get("user", "")),
            text=str(message.get("text", "")),
            permalink=_permalink(client, channel_id, message.get("ts")),
        )
        who = Identity(
            team_id=team_id,
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=channel_id,
            trigger_id=body.get("trigger_id"),
        )
        reply = dispatch.run_shortcut(rt, str(body.get("callback_id", "")), msg, who)
        if reply.view is not None:
            open_view_later(client, who.trigger_id, reply.view)
        else:
            dispatch.in_transaction(
                rt, who, lambda ctx: dispatch.send_private(ctx, reply, channel_id)
            )

    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        message = _message_event(event)
        if message is not None:
            dispatch.run_message(rt, _team(body), body.get("event_id"), message)

    @app.event("app_home_opened")
    def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        who = Identity(team_id=_team(body), user_id=str(event.get("user", "")))
        try:
            dispatch.in_transaction(rt, who, _publish_home)
        except Exception:
            log.exception("app home failed")

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        who = Identity(
            team_id=_team(body),
            user_id=str(event.get("user", "")),
            channel_id=str(event.get("channel", "")),
        )
        reply = Reply(text="Hi! Type `/wg help` to see what I can do for your working group.")
        dispatch.in_transaction(
            rt, who, lambda ctx: dispatch.send_private(ctx, reply, who.channel_id)
        )


def _publish_home(ctx: Ctx) -> None:
    from bot.render import blocks as bk

    blocks: list[dict[str, Any]] = [
        bk.header("wgbot"),
        bk.section(
            "Your working group's support desk, meetings, action items and minutes. Type `/wg help` in any channel."
        ),
    ]
    for render_part in HOME_RENDERERS:
        blocks.extend(render_part(ctx))
    outbox.publish_home(
        ctx.session,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        view={"type": "home", "blocks": blocks[: bk.MAX_VIEW_BLOCKS]},
        now=ctx.now,
    )


def _permalink(client: WebClient, channel: str, ts: Any) -> str | None:
    if not channel or not ts:
        return None
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=str(ts))["permalink"])
    except Exception:
        return None


def _message_event(event: dict[str, Any]) -> MessageEvent | None:
    subtype = event.get("subtype")
    if subtype in _IGNORED_SUBTYPES or event.get("bot_id"):
        return None
    channel = str(event.get("channel", ""))
    if subtype == "message_changed":
        new = event.get("message") or {}
        if new.get("bot_id"):
            return None
        return MessageEvent(
            channel_id=channel,
            user_id=str(new.get("user", "")),
            text=str(new.get("text", "")),
            ts=str(new.get("ts", "")),
            thread_ts=new.get("thread_ts"),
            subtype="message_changed",
        )
    if subtype == "message_deleted":
        prev = event.get("previous_message") or {}
        return MessageEvent(
            channel_id=channel,
            user_id=str(prev.get("user", "")),
            text="",
            ts=str(event.get("deleted_ts") or prev.get("ts", "")),
            thread_ts=prev.get("thread_ts"),
            subtype="message_deleted",
        )
    if subtype not in (None, "thread_broadcast", "file_share", "me_message"):
        return None
    return MessageEvent(
        channel_id=channel,
        user_id=str(event.get("user", "")),
        text=str(event.get("text", "")),
        ts=str(event.get("ts", "")),
        thread_ts=event.get("thread_ts"),
        files=tuple(str(f.get("name", "")) for f in event.get("files") or []),
    )
