"""Slack text formatting: escaping user text, mentions, and date tokens."""

from __future__ import annotations

import re
from datetime import datetime

_ID = re.compile(r"^[UWBCGD][A-Z0-9]{1,20}$")


def escape(text: object) -> str:
    """Escape user text for mrkdwn: only &, < and > are special to Slack."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CONTROL = re.compile(r"<(?=!(?!date\^)|https?:|mailto:)", re.IGNORECASE)


def neutralize(text: str) -> str:
    """Defuse Slack control sequences (<!channel>, <!here>, <http…|…>) in text we did not build.

    A safety net for messages that quote user input (error answers); text from
    templates is escaped field by field instead.
    """
    return _CONTROL.sub("&lt;", text)


def user(user_id: str) -> str:
    """A mention of a user id we parsed ourselves (never raw user text)."""
    return f"<@{user_id}>" if _ID.match(user_id) else escape(user_id)


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if _ID.match(channel_id) else escape(channel_id)


def link(url: str, label: str | None = None) -> str:
    """A link whose URL and label cannot break out of the <url|label> syntax."""
    safe_url = url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")
    if not safe_url.startswith(("http://", "https://", "mailto:")):
        return escape(url)
    return f"<{safe_url}|{escape(label)}>" if label else f"<{safe_url}>"


def date_token(
    when: datetime, fmt: str = "{date_short_pretty} {time}", fallback: str | None = None
) -> str:
    """<!date^…> renders in each reader's own time zone."""
    if when.tzinfo is None:
        raise ValueError("date_token needs an aware datetime")
    epoch = int(when.timestamp())
    shown = fallback or when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{fmt}|{escape(shown)}>"
