"""Block Kit building, within Slack's limits, from text written by templates.

Templates write a light markup so that they stay readable:
``::header Title``, ``::divider``, ``::context text``, ``::fields a || b``,
``::button action_id | value | Label [| primary|danger]`` and plain mrkdwn text,
which becomes section blocks of at most 3,000 characters split on line boundaries.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT = 3000
MAX_HEADER = 150
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_BUTTONS = 25


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_TEXT)}}


def header(text: str) -> dict[str, Any]:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": _clip(text, MAX_HEADER), "emoji": True},
    }


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, MAX_TEXT)}]}


def fields(items: list[str]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": _clip(i, 2000)} for i in items[:10]],
    }


def button(action_id: str, value: str, label: str, style: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "type": "button",
        "action_id": action_id[:255],
        "value": value[:2000],
        "text": {"type": "plain_text", "text": _clip(label, 75), "emoji": True},
    }
    if style in ("primary", "danger"):
        b["style"] = style
    return b


def actions(buttons: list[dict[str, Any]], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": buttons[:MAX_BUTTONS]}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut text into pieces of at most `limit` characters, on line breaks where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def from_markup(markup: str) -> list[dict[str, Any]]:
    """Turn template output into blocks (see the module docstring)."""
    blocks: list[dict[str, Any]] = []
    buffer: list[str] = []
    pending_buttons: list[dict[str, Any]] = []

    def flush_text() -> None:
        text = "\n".join(buffer).strip("\n")
        buffer.clear()
        if text.strip():
            blocks.extend(section(p) for p in split_text(text))

    def flush_buttons() -> None:
        if pending_buttons:
            blocks.append(actions(list(pending_buttons)))
            pending_buttons.clear()

    for line in markup.split("\n"):
        if not line.startswith("::"):
            flush_buttons()
            buffer.append(line)
            continue
        directive, _, rest = line[2:].partition(" ")
        rest = rest.strip()
        if directive == "button":
            flush_text()
            parts = [p.strip() for p in rest.split("|")]
            if len(parts) >= 3:
                pending_buttons.append(
                    button(parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else None)
                )
            continue
        flush_text()
        flush_buttons()
        if directive == "header":
            blocks.append(header(rest))
        elif directive == "divider":
            blocks.append(divider())
        elif directive == "context":
            blocks.append(context(rest))
        elif directive == "fields":
            blocks.append(fields([f.strip() for f in rest.split("||")]))
        elif directive == "break":
            pass
        else:
            buffer.append(line)
    flush_text()
    flush_buttons()
    return blocks


def paginate(
    blocks: list[dict[str, Any]], per_message: int = MAX_MESSAGE_BLOCKS
) -> list[list[dict[str, Any]]]:
    """Split a long document into messages of at most `per_message` blocks, in order."""
    return [blocks[i : i + per_message] for i in range(0, len(blocks), per_message)] or [[]]


def plain_text(blocks: list[dict[str, Any]]) -> str:
    """A readable rendering of blocks, for the console and notification fallbacks."""
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
            for f in b.get("fields", []):
                out.append("  " + f["text"])
            acc = b.get("accessory")
            if acc and acc.get("type") == "button":
                out.append(f"  [{acc['text']['text']}]")
        elif kind == "context":
            out.append("  ".join(e.get("text", "") for e in b.get("elements", [])))
        elif kind == "actions":
            out.append(
                "  ".join(f"[{e.get('text', {}).get('text', '')}]" for e in b.get("elements", []))
            )
        elif kind == "input":
            out.append(f"{b.get('label', {}).get('text', '')}: ____")
    return "\n".join(out)
