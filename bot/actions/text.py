"""Slack message text (as people typed it) to safe mrkdwn and to plain text.

Slack sends message text with `&`, `<`, `>` escaped and with its own tokens for
mentions and links (`<@U123|bob>`, `<https://x|label>`). Captured text is stored as
received; these two functions turn it into something safe to show: mrkdwn that
keeps real mentions and links but nothing else Slack would interpret, and plain text
(mentions as @names) for Markdown and HTML, which escape it themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot import slackfmt

_TOKEN = re.compile(r"<([^<>\n]{1,2000})>")
_USER = re.compile(r"^@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?$")
_CHANNEL = re.compile(r"^#([CG][A-Z0-9]{1,20})(?:\|([^>]*))?$")
_LINK = re.compile(r"^((?:https?|mailto):[^|\s]+)(?:\|(.*))?$", re.DOTALL)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _pieces(text: str) -> list[tuple[str, re.Match[str] | None, str]]:
    """(kind, match, raw) pieces: "text" runs and recognised "user"/"channel"/"link" tokens."""
    out: list[tuple[str, re.Match[str] | None, str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        inner = m.group(1)
        for kind, pattern in (("user", _USER), ("channel", _CHANNEL), ("link", _LINK)):
            tm = pattern.match(inner)
            if tm:
                if m.start() > pos:
                    out.append(("text", None, text[pos : m.start()]))
                out.append((kind, tm, m.group(0)))
                pos = m.end()
                break
    if pos < len(text):
        out.append(("text", None, text[pos:]))
    return out


def to_mrkdwn(text: str) -> str:
    """Escaped mrkdwn; only user and channel mentions stay live.

    Links are shown with their address in the clear ("label (url)"), never as a
    labelled link: a label typed by someone could hide where a link really goes.
    Slack still makes the bare address clickable.
    """
    out: list[str] = []
    for kind, m, raw in _pieces(text):
        if kind == "user" and m:
            out.append(f"<@{m.group(1)}>")
        elif kind == "channel" and m:
            out.append(f"<#{m.group(1)}>")
        elif kind == "link" and m:
            url = _unescape(m.group(1))
            label = _unescape(m.group(2)) if m.group(2) else None
            shown = f"{label} ({url})" if label and label != url else url
            out.append(slackfmt.escape(shown))
        else:
            out.append(slackfmt.escape(_unescape(raw)))
    return "".join(out)


def to_plain(text: str, names: Mapping[str, str] | None = None) -> str:
    """Readable plain text: @names, #channels, "label (url)"; not escaped for any format."""
    names = names or {}
    out: list[str] = []
    for kind, m, raw in _pieces(text):
        if kind == "user" and m:
            out.append("@" + names.get(m.group(1), m.group(1)))
        elif kind == "channel" and m:
            out.append("#" + (m.group(2) or m.group(1)))
        elif kind == "link" and m:
            url = _unescape(m.group(1))
            label = _unescape(m.group(2)) if m.group(2) else None
            out.append(f"{label} ({url})" if label and label != url else url)
        else:
            out.append(_unescape(raw))
    return "".join(out)


def link_url(text: str) -> str | None:
    """The first http(s) link in the text, for #link items."""
    for kind, m, _raw in _pieces(text):
        if kind == "link" and m and m.group(1).startswith("http"):
            return _unescape(m.group(1))
    bare = re.search(r"https?://[^\s<>|]+", _unescape(text))
    return bare.group(0) if bare else None
