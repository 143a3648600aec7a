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


@dataclass
class PageRoutes:
    """GET handlers by anchored path pattern, tried in the order declared."""

    routes: list[tuple[re.Pattern[str], PageHandler]] = field(default_factory=list)

    def add(self, pattern: str, fn: PageHandler) -> None:
        self.routes.append((re.compile(f"^{pattern}$"), fn))

    def find(self, path: str) -> tuple[PageHandler, re.Match[str]] | None:
        for pattern, fn in self.routes:
            m = pattern.match(path)
            if m:
                return fn, m
        return None
