"""Keep secrets out of what the bot says: URLs with their password masked, tokens hidden."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

# scheme://user:password@host…: the password is everything between the first ":" of
# the authority and its last "@" (a password may hold an unescaped "@" or ":").
_URL = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<password>[^/\s]*)@")
# Slack tokens: bot, user, app-level, refresh and configuration tokens.
_TOKEN = re.compile(r"\b(?P<kind>xox[a-z]|xapp|xoxe(?:\.xox[a-z])?)-[A-Za-z0-9-]+")


def mask_url(url: str) -> str:
    """`url` with its password replaced by ***: `mysql://wg:***@h/db`."""
    return _URL.sub(lambda m: f"{m['head']}{MASK}@", url)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without URL passwords, Slack tokens, or any of `secrets` (exact values)."""
    text = mask_url(text)
    text = _TOKEN.sub(lambda m: f"{m['kind']}-{MASK}", text)
    # Longest first, so that a secret containing another is masked whole.
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
