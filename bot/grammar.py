"""The one grammar for the references people type: user and channel mentions, numbers.

With "escape channels, users and links" on, Slack sends `<@U123|name>` and
`<#C123|name>`; ids are upper-case letters and digits (`U…`/`W…` for people, `C…`/`G…`
for channels). Every parser, in every feature and in the console, reads them here.
"""

from __future__ import annotations

import re

from bot.errors import UsageError
from bot.slackfmt import escape

_ID = r"[A-Z0-9]{1,20}"
# Unanchored forms, for finding references inside a sentence.
USER_MENTION = re.compile(rf"<@([UW]{_ID})(?:\|[^>]*)?>")
CHANNEL_MENTION = re.compile(rf"<#([CG]{_ID})(?:\|([^>]*))?>")
# A whole word that is a mention.
USER_TOKEN = re.compile(rf"^{USER_MENTION.pattern}$")
CHANNEL_TOKEN = re.compile(rf"^{CHANNEL_MENTION.pattern}$")
# A pasted id (`U024BE7LH`, `@U024BE7LH`): long enough not to be a word.
BARE_USER = re.compile(r"^@?([UW][A-Z0-9]{6,20})$")
# A leading mention and its separator ("@maria: send the draft").
LEADING_USER = re.compile(rf"^{USER_MENTION.pattern}[,:]?\s*")


def _shown(token: str) -> str:
    return escape(token if len(token) <= 40 else token[:40] + "…")


def user_id(token: str) -> str | None:
    """The user id of a mention or a pasted id, else None."""
    m = USER_TOKEN.match(token) or BARE_USER.match(token)
    return m.group(1) if m else None


def is_user(token: str) -> bool:
    return user_id(token) is not None


def parse_user(token: str, usage: str, *, field: str | None = None) -> str:
    """A user id from a mention; names alone are ambiguous, so they are refused."""
    uid = user_id(token)
    if uid is not None:
        return uid
    raise UsageError(
        f"`{_shown(token)}` is not a user mention; pick the person with @.",
        usage=usage,
        field=field,
    )


def channel_id(token: str) -> str | None:
    """The channel id of a channel mention, else None."""
    m = CHANNEL_TOKEN.match(token)
    return m.group(1) if m else None


def is_channel(token: str) -> bool:
    return channel_id(token) is not None


def parse_channel(token: str, usage: str, *, field: str | None = None) -> str:
    cid = channel_id(token)
    if cid is not None:
        return cid
    raise UsageError(
        f"`{escape(token[:40])}` is not a channel; pick it with #.", usage=usage, field=field
    )


def mentions(text: str) -> tuple[str, ...]:
    """Every user id mentioned in `text`, in order, without repeats."""
    seen: dict[str, None] = {}
    for uid in USER_MENTION.findall(text):
        seen.setdefault(uid, None)
    return tuple(seen)


def as_number(text: str, max_digits: int = 9) -> int | None:
    """A plain ASCII number that fits every integer column, else None.

    str.isdigit() accepts '²' (which int() refuses) and numbers too big for the
    database; every id that comes from users or payloads goes through here.
    """
    raw = text.strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
        return int(raw)
    return None


def parse_number(token: str, what: str, usage: str, *, field: str | None = None) -> int:
    """`7` or `#7` as a number; anything else names what was expected."""
    number = as_number(token.lstrip("#"))
    if number is None:
        raise UsageError(
            f"`{escape(token[:40])}` is not a {what} number.", usage=usage, field=field
        )
    return number
