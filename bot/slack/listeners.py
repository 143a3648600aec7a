"""Bolt listeners: each Slack surface, flattened into plain values, handed to the Dispatcher.

Listeners acknowledge with the answer; all Slack I/O besides the ack goes through the
outbox, except opening a modal, which needs the short-lived trigger_id and so is done
at once on a background thread after the ack.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.commands.base import Reply
from bot.commands.dispatch import Dispatcher, Identity, in_a_channel
from bot.slack import payloads
from bot.slack.directory import profile_of

log = logging.getLogger(__name__)

# The Events API subscriptions (as the manifests name them) these listeners serve.
SUBSCRIBED_EVENTS = frozenset(
    {
        "app_home_opened",
        "app_mention",
        "app_uninstalled",
        "tokens_revoked",
        "message.channels",
        "message.groups",
        "message.im",
        # The member directory stays current without asking Slack (bot/directory.py).
        "team_join",
        "user_change",
    }
)

_ANY = re.compile(".+")


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


def register(
    app: App,
    dispatcher: Dispatcher,
    *,
    forget_installation: Callable[[str | None, str | None], None] | None = None,
) -> None:
    """Bind slash commands, buttons, modals, shortcuts and events to the Dispatcher.

    `forget_installation(team_id, enterprise_id)` drops an OAuth installation when the
    app is uninstalled (several workspaces); a single workspace has none to drop.
    """
    registry = dispatcher.registry

    # One listener for every family: Bolt tries listeners in turn, so one regex
    # matcher instead of six is less work on every request.
    @app.command(registry.family_pattern())
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        name = str(body.get("command", "")).lstrip("/")
        who = payloads.command_identity(body)
        text = payloads.clean_text(body.get("text"))
        reply = (
            dispatcher.run_wg(text, who)
            if name == "wg"
            else dispatcher.run_command(name, text, who)
        )
        if reply.view is not None:
            ack()
            open_view_later(client, who.trigger_id, reply.view)
            return
        _ack_reply(ack, reply)

    @app.action(_ANY)
    def on_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        info, who = payloads.action_info(body)
        reply = dispatcher.run_action(info, who)
        if reply is not None and reply.view is not None:
            open_view_later(client, who.trigger_id, reply.view)

    @app.view(_ANY)
    def on_view(ack: Ack, body: dict[str, Any]) -> None:
        callback_id, fields, metadata, who = payloads.view_submission(body)
        result = dispatcher.run_view(callback_id, fields, metadata, who)
        if result.errors:
            ack(response_action="errors", errors=result.errors)
        elif result.update_view is not None:
            ack(response_action="update", view=result.update_view)
        else:
            ack()

    @app.shortcut(_ANY)
    def on_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel_id = str((body.get("channel") or {}).get("id", ""))
        # No Slack call before the modal opens: its trigger_id lives 3 s. The message's
        # link is built from the payload (payloads.message_permalink).
        msg, who = payloads.shortcut_message(body)
        reply = dispatcher.run_shortcut(str(body.get("callback_id", "")), msg, who)
        if reply.view is not None:
            open_view_later(client, who.trigger_id, reply.view)
        else:
            # A shortcut works on a message in any conversation, a DM among people too.
            dispatcher.answer_privately(who, reply, in_a_channel(channel_id))

    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        message = payloads.message_event(event)
        if message is None:
            return
        team_id = payloads.team_of(body)
        if event.get("channel_type") == "im":
            # The bot's Messages tab: nothing is captured there, a help answer is.
            if message.subtype is None and message.user_id:
                dispatcher.direct_message(team_id, message.user_id)
            return
        dispatcher.run_message(team_id, body.get("event_id"), message)

    def on_uninstall(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens were revoked: the bot still works
        team_id = payloads.team_of(body)
        if forget_installation is not None:
            forget_installation(team_id, body.get("enterprise_id"))
        cancelled = dispatcher.uninstalled(team_id)
        log.info("uninstalled from %s; %d queued messages cancelled", team_id, cancelled)

    app.event("app_uninstalled")(on_uninstall)
    app.event("tokens_revoked")(on_uninstall)

    @app.event("app_home_opened")
    def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        who = Identity(team_id=payloads.team_of(body), user_id=str(event.get("user", "")))
        try:
            dispatcher.publish_home(who)
        except Exception:
            log.exception("app home failed")

    @app.event("app_mention")
    def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        who = Identity(
            team_id=payloads.team_of(body),
            user_id=str(event.get("user", "")),
            channel_id=str(event.get("channel", "")),
        )
        reply = Reply(text="Hi! Type `/wg help` to see what I can do for your working group.")
        dispatcher.answer_privately(who, reply, who.channel_id)

    def on_user(body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or not user.get("id"):
            return
        team_id = payloads.team_of(body) or str(user.get("team_id") or "")
        dispatcher.user_changed(team_id, str(user["id"]), profile_of(user))

    app.event("user_change")(on_user)
    app.event("team_join")(on_user)
