"""The bot's own web pages (calendar feeds, published minutes) as plain functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.runtime import Runtime


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def not_found(cls) -> Page:
        return cls(404, "text/plain; charset=utf-8", b"not found\n")


PageHandler = Callable[[Runtime, re.Match[str]], Page]
ROUTES: list[tuple[re.Pattern[str], PageHandler]] = []


def route(pattern: str) -> Callable[[PageHandler], PageHandler]:
    """Register a GET handler for paths matching `pattern` (anchored)."""

    def deco(fn: PageHandler) -> PageHandler:
        ROUTES.append((re.compile(f"^{pattern}$"), fn))
        return fn

    return deco


def find(path: str) -> tuple[PageHandler, re.Match[str]] | None:
    for pattern, fn in ROUTES:
        m = pattern.match(path)
        if m:
            return fn, m
    return None
