"""Slack payloads -> the plain values handlers take. Nothing else reads a payload's shape."""

from __future__ import annotations

import re
import time
from typing import Any

from bot.commands.base import ActionInfo, MessageEvent, ShortcutMessage
from bot.commands.dispatch import Identity

_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]+$")
_TS = re.compile(r"^\d{9,11}\.\d{6}$")

# Slack gives up on an acknowledgement after 3 s; ours must be ready well before, or
# what it would have said is rolled back (commands, clicks, form submissions).
ACK_BUDGET_S = 2.5


def clean_text(value: Any) -> str:
    """Text as people typed it, minus NUL: no database text column can hold it."""
    return str(value or "").replace("\x00", "")


def ack_deadline() -> float:
    return time.monotonic() + ACK_BUDGET_S


# Messages the bot should not treat as people speaking.
_IGNORED_SUBTYPES = {
    "bot_message",
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
}


def team_of(body: dict[str, Any]) -> str:
    team = (
        body.get("team_id")
        or (body.get("team") or {}).get("id")
        or (body.get("user") or {}).get("team_id")
    )
    return str(team or "")


def command_identity(body: dict[str, Any]) -> Identity:
    return Identity(
        team_id=team_of(body),
        user_id=str(body.get("user_id", "")),
        channel_id=str(body.get("channel_id", "")),
        channel_name=str(body.get("channel_name", "")),
        trigger_id=body.get("trigger_id"),
        deadline=ack_deadline(),
    )


def action_info(body: dict[str, Any]) -> tuple[ActionInfo, Identity]:
    """The first action of a block_actions payload, and who clicked it where."""
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
        channel_id=str((body.get("channel") or {}).get("id") or container.get("channel_id") or ""),
        message_ts=(body.get("message") or {}).get("ts") or container.get("message_ts"),
        view_id=view.get("id"),
        private_metadata=str(view.get("private_metadata") or ""),
    )
    who = Identity(
        team_id=team_of(body),
        user_id=str((body.get("user") or {}).get("id", "")),
        channel_id=info.channel_id,
        trigger_id=body.get("trigger_id"),
        deadline=ack_deadline(),
    )
    return info, who


def element_value(element: Any) -> Any:
    """The submitted value of one input element of a modal's state."""
    if not isinstance(element, dict):
        return None
    kind = element.get("type")
    if kind in ("static_select", "external_select"):
        opt = element.get("selected_option")
        return opt.get("value") if opt else None
    if kind == "multi_static_select":
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind in ("conversations_select", "channels_select"):
        return element.get("selected_conversation") or element.get("selected_channel")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    value = element.get("value")
    return clean_text(value) if isinstance(value, str) else value


def view_fields(values: Any) -> dict[str, Any]:
    """A modal's state.values as {block_id: value}: each of our input blocks has one element."""
    fields: dict[str, Any] = {}
    if not isinstance(values, dict):
        return fields
    for block_id, block in values.items():
        if isinstance(block, dict) and block:
            fields[str(block_id)] = element_value(next(iter(block.values())))
    return fields


def view_submission(body: dict[str, Any]) -> tuple[str, dict[str, Any], str, Identity]:
    """(callback_id, fields, private_metadata, who) of a view_submission."""
    view = body.get("view") or {}
    who = Identity(
        team_id=team_of(body),
        user_id=str((body.get("user") or {}).get("id", "")),
        deadline=ack_deadline(),
    )
    return (
        str(view.get("callback_id", "")),
        view_fields((view.get("state") or {}).get("values") or {}),
        str(view.get("private_metadata") or ""),
        who,
    )


def message_permalink(body: dict[str, Any]) -> str | None:
    """The link chat.getPermalink would answer for a shortcut's message, without asking.

    A shortcut's trigger_id lives 3 s and opening its modal must not wait for Slack;
    the link is `https://<domain>.slack.com/archives/<channel>/p<ts without the dot>`
    (with `?thread_ts=…&cid=…` for a reply in a thread). None without a domain.
    """
    message = body.get("message") or {}
    channel = str((body.get("channel") or {}).get("id") or "")
    ts = str(message.get("ts") or "")
    domain = str((body.get("team") or {}).get("domain") or "")
    if not (_DOMAIN.match(domain) and _CHANNEL.match(channel) and _TS.match(ts)):
        return None
    link = f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    thread_ts = str(message.get("thread_ts") or "")
    if _TS.match(thread_ts) and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def shortcut_message(body: dict[str, Any]) -> tuple[ShortcutMessage, Identity]:
    message = body.get("message") or {}
    channel_id = str((body.get("channel") or {}).get("id", ""))
    msg = ShortcutMessage(
        channel_id=channel_id,
        ts=str(message.get("ts", "")),
        user_id=str(message.get("user", "")),
        text=clean_text(message.get("text")),
        permalink=message_permalink(body),
    )
    who = Identity(
        team_id=team_of(body),
        user_id=str((body.get("user") or {}).get("id", "")),
        channel_id=channel_id,
        trigger_id=body.get("trigger_id"),
        deadline=ack_deadline(),
    )
    return msg, who


def message_event(event: dict[str, Any]) -> MessageEvent | None:
    """A channel message (new, edited, deleted) as plain data; None for what is not speech."""
    subtype = event.get("subtype")
    if subtype in _IGNORED_SUBTYPES or event.get("bot_id"):
        return None
    channel = str(event.get("channel", ""))
    if subtype == "message_changed":
        new = event.get("message") or {}
        prev = event.get("previous_message") or {}
        if new.get("bot_id"):
            return None
        return MessageEvent(
            channel_id=channel,
            user_id=str(new.get("user") or prev.get("user") or ""),
            text=clean_text(new.get("text")),
            # Some edits (e.g. an unfurl added) carry no ts in `message`: the edited
            # line is the one `previous_message` names.
            ts=str(new.get("ts") or prev.get("ts") or ""),
            thread_ts=new.get("thread_ts") or prev.get("thread_ts"),
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
        text=clean_text(event.get("text")),
        ts=str(event.get("ts", "")),
        thread_ts=event.get("thread_ts"),
        files=tuple(str(f.get("name", "")) for f in event.get("files") or []),
    )
