"""The App Home's support sections: the reader's issues, and their providers' queue."""

from __future__ import annotations

from typing import Any

from bot.commands import home
from bot.commands.base import Ctx
from bot.commands.registry import Registry
from bot.render import blocks as bk
from bot.render import render
from bot.support import home as support_home

SHOWN = 10


def mine(ctx: Ctx) -> list[dict[str, Any]]:
    """Open issues the reader filed or is assigned, nearest to a breach first."""
    found = support_home.my_issues(
        ctx.session, team_id=ctx.team_id, user_id=ctx.user_id, limit=SHOWN
    )
    markup = render(
        "home/issues.slack.j2",
        issues=found.issues,
        total=found.total,
        user=ctx.user_id,
        now=ctx.now,
        at=home.time_in(home.reader_tz(ctx)),
    )
    return bk.from_markup(markup)


def queue(ctx: Ctx) -> list[dict[str, Any]]:
    """For a provider's contacts: its open issues nearest to a breach (nothing for others)."""
    channels = support_home.triage_channels(ctx.session, team_id=ctx.team_id)
    members_of = home.channel_members(ctx, channels)
    found = support_home.contact_queue(
        ctx.session,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        members_of=members_of,
        limit=SHOWN,
    )
    if found is None:
        return []
    markup = render(
        "home/queue.slack.j2",
        issues=found.issues,
        total=found.total,
        providers=list(found.providers),
        user=ctx.user_id,
        now=ctx.now,
        at=home.time_in(home.reader_tz(ctx)),
    )
    return bk.from_markup(markup)


def install(registry: Registry) -> None:
    """The support sections of the App Home, and whose tab an issue change concerns."""
    registry.home_section(mine, order=30)
    registry.home_section(queue, order=40)
    registry.hooks.home_watchers.append(support_home.home_users)
