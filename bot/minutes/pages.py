"""The published minutes at stable URLs: /minutes/<public id>.html and .md.

The id is random (not the row id), so nobody can walk through other groups' minutes
by counting. The stored renderings are served as they were published, so later
versions of the bot and of the templates never change a published document.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.minutes.models import Meeting
from bot.pages import Page
from bot.runtime import Runtime

# HTML minutes never need scripts: forbid them outright, whatever the text says.
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=300",
}


PATH = r"/minutes/(?P<public_id>[A-Za-z0-9_-]{16,64})\.(?P<ext>html|md)"


def minutes_page(rt: Runtime, match: re.Match[str]) -> Page:
    with rt.db.read() as s:
        meeting = s.scalars(
            select(Meeting).where(Meeting.public_id == match.group("public_id"))
        ).one_or_none()
        if meeting is None or meeting.status != "published":
            return Page.not_found()
        if match.group("ext") == "html":
            body, kind = meeting.html or "", "text/html; charset=utf-8"
        else:
            body, kind = meeting.markdown or "", "text/markdown; charset=utf-8"
    return Page(200, kind, body.encode("utf-8"), dict(HTML_HEADERS))
