"""Pure parsers for the bits of Slack text every family reads: users, channels, numbers."""

from __future__ import annotations

import re

from bot.errors import UsageError
from bot.slackfmt import escape

# With "escape channels, users and links" on, Slack sends <@U123|name> and <#C123|name>.
USER_RE = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>$")
CHANNEL_RE = re.compile(r"^<#([CG][A-Z0-9]{1,20})(?:\|([^>]*))?>$")
BARE_USER_RE = re.compile(r"^@?([UW][A-Z0-9]{6,20})$")


def parse_user(token: str, usage: str) -> str:
    """A user id from a mention; names alone are ambiguous, so they are refused."""
    m = USER_RE.match(token) or BARE_USER_RE.match(token)
    if m:
        return m.group(1)
    shown = escape(token if len(token) <= 40 else token[:40] + "…")
    raise UsageError(f"`{shown}` is not a user mention; pick the person with @.", usage=usage)


def is_user(token: str) -> bool:
    return bool(USER_RE.match(token) or BARE_USER_RE.match(token))


def parse_channel(token: str, usage: str) -> str:
    m = CHANNEL_RE.match(token)
    if m:
        return m.group(1)
    raise UsageError(f"`{escape(token[:40])}` is not a channel; pick it with #.", usage=usage)


def is_channel(token: str) -> bool:
    return bool(CHANNEL_RE.match(token))


def as_number(text: str, max_digits: int = 9) -> int | None:
    """A plain ASCII number that fits every integer column, else None.

    str.isdigit() accepts '²' (which int() refuses) and numbers too big for the
    database; every id that comes from users or payloads goes through here.
    """
    raw = text.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
        return int(raw)
    return None


def parse_number(token: str, what: str, usage: str) -> int:
    number = as_number(token.lstrip("#"))
    if number is None:
        raise UsageError(f"`{escape(token[:40])}` is not a {what} number.", usage=usage)
    return number
