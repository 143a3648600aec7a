"""One Jinja2 environment for the bot's templates, and a sandbox for the groups' own."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from bot import slackfmt
from bot.resources import templates_dir
from bot.textsafe import clean


def _in_zone(when: datetime, zone: str) -> datetime:
    return when.astimezone(ZoneInfo(zone))


def _fmt(when: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return when.strftime(pattern)


# Only http and https become links; javascript:, data: and the rest stay text.
_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"


def _urls(text: str) -> list[tuple[str, bool]]:
    """(piece, is_url) runs; a URL ends before trailing punctuation and unbalanced ")"."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _URL.finditer(text):
        url = m.group(0)
        while url and (
            url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))
        ):
            url = url[:-1]
        if len(url) <= len("https://"):
            continue
        if m.start() > pos:
            out.append((text[pos : m.start()], False))
        out.append((url, True))
        pos = m.start() + len(url)
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def linkify(text: object) -> Markup:
    """HTML-escaped text whose http(s) addresses are links (shown in full, never hidden)."""
    if "://" not in str(text):
        return escape(text)
    parts = []
    for piece, is_url in _urls(str(text)):
        if is_url:
            url = escape(piece)
            parts.append(f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>')
        else:
            parts.append(str(escape(piece)))
    return Markup("".join(parts))  # noqa: S704 (every piece escaped above)


def linkify_md(text: object) -> str:
    """Markdown text whose http(s) addresses are autolinks (<https://…>)."""
    if "://" not in str(text):
        return str(text)
    return "".join(f"<{p}>" if is_url else p for p, is_url in _urls(str(text)))


def _install_filters(env: Environment) -> None:
    env.filters.update(
        mrkdwn=slackfmt.escape,
        user=slackfmt.user,
        channel=slackfmt.channel,
        slack_link=slackfmt.link,
        date_token=slackfmt.date_token,
        in_zone=_in_zone,
        fmt=_fmt,
        tojson=lambda v: json.dumps(v, ensure_ascii=False),
        linkify=linkify,
        linkify_md=linkify_md,
    )


@pass_eval_context
def _finalize(ctx: EvalContext, value: Any) -> Any:
    """In HTML templates only, printed text loses the control characters HTML forbids.

    Slack and Markdown templates print as they are: their newlines are their layout.
    """
    if ctx.autoescape and isinstance(value, str):
        if isinstance(value, Markup):
            # Already escaped markup: removing characters from it adds no markup.
            return Markup(clean(str(value)))  # noqa: S704
        return clean(value)
    return value


@cache
def environment() -> Environment:
    """The bot's own templates; HTML ones autoescape, the others do not."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        # The bot's own templates do not change while it runs: no stat() per render.
        auto_reload=False,
        finalize=_finalize,
    )
    _install_filters(env)
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def sandbox(directory: Path | str) -> SandboxedEnvironment:
    """An environment for a group's own templates: sandboxed, HTML autoescaped."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(directory), str(templates_dir())]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    _install_filters(env)
    return env
