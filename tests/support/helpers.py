"""Small readers of what the fake Slack saw."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import RunningBot
from tests.harness.slackclient import _collect_text


def all_text(message: dict[str, Any]) -> str:
    parts: list[str] = [str(message.get("text", ""))]
    _collect_text(message.get("blocks"), parts)
    return "\n".join(parts)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id -> value of the buttons on a message."""
    out: dict[str, str] = {}
    for block in message.get("blocks") or []:
        if block.get("type") == "actions":
            for el in block.get("elements", []):
                out[el["action_id"]] = el.get("value", "")
    return out


def card(rb: RunningBot, channel: str, number: int) -> dict[str, Any]:
    """The issue card for `number` in `channel` (its latest version)."""
    for m in rb.fake.messages(channel):
        if re.search(rf"^Issue #{number} \(", str(m.get("text", ""))):
            return m
    raise AssertionError(f"no card for #{number} in {channel}: {rb.fake.messages(channel)}")


def issue_number(reply_text: str) -> int:
    m = re.search(r"issue #(\d+)", reply_text)
    assert m, reply_text
    return int(m.group(1))


def open_views(rb: RunningBot, callback_id: str) -> list[dict[str, Any]]:
    return [v for v in rb.fake.views.values() if v.get("callback_id") == callback_id]


def state(**values: Any) -> dict[str, Any]:
    """view_submission state.values for inputs whose action_id is "value"."""
    out: dict[str, Any] = {}
    for block_id, value in values.items():
        if isinstance(value, tuple):
            kind, v = value
        else:
            kind, v = "plain_text_input", value
        if kind == "static_select":
            el = {"type": kind, "selected_option": {"value": v} if v else None}
        elif kind == "users_select":
            el = {"type": kind, "selected_user": v}
        else:
            el = {"type": kind, "value": v}
        out[block_id] = {"value": el}
    return out
