"""GET /calendar/<secret-token>.ics: a channel's meetings as a subscription feed."""

from __future__ import annotations

import re

from bot.meetings.ics import calendar
from bot.meetings.services import active_series, feed_by_token
from bot.pages import Page
from bot.runtime import Runtime

PATH = r"/calendar/(?P<token>[A-Za-z0-9_-]+)\.ics"


def calendar_feed(rt: Runtime, match: re.Match[str]) -> Page:
    with rt.db.read() as session:
        feed = feed_by_token(session, token=match["token"])
        if feed is None:
            return Page.not_found()
        series = active_series(session, team_id=feed.team_id, channel_id=feed.channel_id)
        names = ", ".join(s.name for s in series[:5]) or "no meetings"
        body = calendar(
            series,
            name=f"wgbot: {names}",
            public_url=rt.settings.public_url,
            now=rt.clock.now(),
        )
    return Page(
        200,
        "text/calendar; charset=utf-8",
        body,
        {
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline; filename=meetings.ics",
        },
    )
