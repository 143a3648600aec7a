"""One Jinja2 environment for the bot's templates, and a sandbox for the groups' own."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from bot import slackfmt
from bot.resources import templates_dir


def _in_zone(when: datetime, zone: str) -> datetime:
    return when.astimezone(ZoneInfo(zone))


def _fmt(when: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    return when.strftime(pattern)


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
    )


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
    )
    _install_filters(env)
    return env
