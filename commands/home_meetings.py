"""The App Home's "your next meetings": the series of the reader's channels, in their zone."""

from __future__ import annotations

from typing import Any

from bot.commands import home
from bot.commands.base import Ctx
from bot.commands.registry import Registry
from bot.meetings import home as meetings_home
from bot.render import blocks as bk
from bot.render import render

SHOWN = 5


def section(ctx: Ctx) -> list[dict[str, Any]]:
    channels = meetings_home.series_channels(ctx.session, team_id=ctx.team_id)
    members_of = home.channel_members(ctx, channels)
    meetings, total = meetings_home.next_meetings(
        ctx.session,
        team_id=ctx.team_id,
        user_id=ctx.user_id,
        now=ctx.now,
        members_of=members_of,
        limit=SHOWN,
    )
    markup = render(
        "home/meetings.slack.j2",
        meetings=meetings,
        total=total,
        user=ctx.user_id,
        now=ctx.now,
        at=home.time_in(home.reader_tz(ctx)),
    )
    return bk.from_markup(markup)


def install(registry: Registry) -> None:
    """The meetings section of the App Home, and whose tab a series change concerns."""
    registry.home_section(section, order=10)
    registry.hooks.home_watchers.append(meetings_home.home_users)
