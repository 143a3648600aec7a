"""The App Home's "your open action items": soonest due first, due dates as the reader's days."""

from __future__ import annotations

from typing import Any

from bot.actions import home as actions_home
from bot.actions import text as slacktext
from bot.actions.service import ItemView
from bot.commands import home
from bot.commands.base import Ctx
from bot.commands.registry import Registry
from bot.render import blocks as bk
from bot.render import render

SHOWN = 15
# An item's text in the tab: its start, so that every item has room.
TEXT_SHOWN = 200


def _text(item: ItemView) -> str:
    # Cut before turning it into mrkdwn: a mention or link cut in half is shown as text.
    raw = item.text if len(item.text) <= TEXT_SHOWN else item.text[: TEXT_SHOWN - 1] + "…"
    return slacktext.to_mrkdwn(raw)


def section(ctx: Ctx) -> list[dict[str, Any]]:
    items, total = actions_home.open_items_of(
        ctx.session, team_id=ctx.team_id, user_id=ctx.user_id, limit=SHOWN
    )
    markup = render(
        "home/actions.slack.j2",
        items=items,
        total=total,
        now=ctx.now,
        text=_text,
        # The reader owns these items: the due date is a day of their calendar.
        reader_tz=home.reader_tz(ctx),
    )
    return bk.from_markup(markup)


def install(registry: Registry) -> None:
    """The action items section of the App Home, and whose tab an item change concerns."""
    registry.home_section(section, order=20)
    registry.hooks.home_watchers.append(actions_home.home_users)
