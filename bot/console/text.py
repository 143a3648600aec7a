"""Slack markup as a console reader sees it, and console names as Slack ids."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.grammar import CHANNEL_MENTION, USER_MENTION

CONSOLE_TEAM = "TCONSOLE"


def user_id_for(name: str) -> str:
    return "U" + (re.sub(r"[^A-Z0-9]", "", name.upper()) or "LOCAL")[:20]


def channel_id_for(name: str) -> str:
    return "C" + (re.sub(r"[^A-Z0-9]", "", name.lstrip("#").upper()) or "GENERAL")[:20]


_DATE = re.compile(r"<!date\^(\d+)\^([^|>]*)\|([^>]*)>")
_LINKS = [
    (re.compile(r"<(https?://[^|>]+)\|([^>]*)>"), r"\2 (\1)"),
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),
]
# What people type in the console, turned into what Slack sends for it.
TYPED_USER = re.compile(r"(?<![<\w])@([A-Za-z][\w.-]*)")
TYPED_CHANNEL = re.compile(r"(?<![<\w&])#([A-Za-z][\w-]*)")


def readable(
    text: str,
    *,
    tz: str | None = None,
    users: dict[str, str] | None = None,
    channels: dict[str, str] | None = None,
) -> str:
    """Slack markup as a person reads it: date tokens in the reader's zone, names for ids."""

    def date(m: re.Match[str]) -> str:
        if tz is None:
            return m.group(3)
        local = datetime.fromtimestamp(int(m.group(1)), ZoneInfo(tz))
        if "{time" not in m.group(2):
            # A date-only token ({date_short_pretty}, {date}): Slack shows no time either.
            return f"{local:%a %Y-%m-%d}"
        return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"

    text = _DATE.sub(date, text)
    text = USER_MENTION.sub(lambda m: "@" + (users or {}).get(m.group(1), m.group(1)), text)
    text = CHANNEL_MENTION.sub(
        lambda m: "#" + (m.group(2) or (channels or {}).get(m.group(1), m.group(1))), text
    )
    for pattern, repl in _LINKS:
        text = pattern.sub(repl, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


@dataclass(frozen=True)
class Button:
    """A button the console printed, to be pressed with `:click`."""

    label: str
    action_id: str
    value: str
    channel_id: str  # where its message is (a user id for a direct message)
    message_ts: str | None
    # Who sees its message: None for everyone in the channel.
    seen_by: str | None

    @classmethod
    def of(
        cls, element: dict[str, Any], channel_id: str, message_ts: str | None, seen_by: str | None
    ) -> Button:
        return cls(
            label=str((element.get("text") or {}).get("text", "")),
            action_id=str(element.get("action_id", "")),
            value=str(element.get("value", "")),
            channel_id=channel_id,
            message_ts=message_ts,
            seen_by=seen_by,
        )


def blocks_text(blocks: list[dict[str, Any]], press: Callable[[dict[str, Any]], int | None]) -> str:
    """Blocks as text, every button numbered by `press` (which records it): `[1 Publish]`."""

    def button(element: dict[str, Any]) -> str:
        label = str((element.get("text") or {}).get("text", ""))
        number = press(element) if element.get("type") == "button" else None
        return f"[{number} {label}]" if number is not None else f"[{label}]"

    out: list[str] = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            out.append(f"== {b['text']['text']} ==")
        elif kind == "divider":
            out.append("-" * 40)
        elif kind == "section":
            if "text" in b:
                out.append(b["text"]["text"])
            out.extend("  " + f["text"] for f in b.get("fields", []))
            accessory = b.get("accessory")
            if accessory and accessory.get("type") == "button":
                out.append("  " + button(accessory))
        elif kind == "context":
            out.append("  ".join(e.get("text", "") for e in b.get("elements", [])))
        elif kind == "actions":
            out.append("  ".join(button(e) for e in b.get("elements", [])))
    return "\n".join(out)
