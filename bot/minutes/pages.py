"""The published minutes, their logs and each channel's archive, at stable URLs.

/minutes/<public id>.html and .md   the minutes as published
/minutes/<public id>/log.html       every line said during the meeting, anchored (#l-12)
/minutes/archive/<archive id>.html  a channel's published minutes, newest first

The ids are random (not row ids), so nobody can walk through other groups' minutes
by counting. The stored renderings are served as they were published, so later
versions of the bot and of the templates never change a published document.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.minutes import document
from bot.minutes.models import ChannelArchive, Meeting
from bot.pages import Page, PageHandler
from bot.runtime import Runtime

# The pages never need scripts: forbid them outright, whatever the text says. They
# belong to a group, not to the world: no shared cache keeps a copy.
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=300",
}

_ID = r"[A-Za-z0-9_-]{16,64}"
PATH = rf"/minutes/(?P<public_id>{_ID})\.(?P<ext>html|md)"
LOG_PATH = rf"/minutes/(?P<public_id>{_ID})/log\.html"
ARCHIVE_PATH = rf"/minutes/archive/(?P<archive_id>{_ID})\.html"

HTML = "text/html; charset=utf-8"


def _published(rt: Runtime, public_id: str) -> Meeting | None:
    with rt.db.read() as s:
        meeting = s.scalars(select(Meeting).where(Meeting.public_id == public_id)).one_or_none()
        if meeting is None or meeting.status != "published":
            return None
        s.expunge(meeting)
        return meeting


def minutes_page(rt: Runtime, match: re.Match[str]) -> Page:
    meeting = _published(rt, match.group("public_id"))
    if meeting is None:
        return Page.not_found()
    if match.group("ext") == "html":
        body, kind = meeting.html or "", HTML
    else:
        body, kind = meeting.markdown or "", "text/markdown; charset=utf-8"
    return Page(200, kind, body.encode("utf-8"), dict(HTML_HEADERS))


def log_page(rt: Runtime, match: re.Match[str]) -> Page:
    meeting = _published(rt, match.group("public_id"))
    if meeting is None or not meeting.log_html:
        return Page.not_found()
    return Page(200, HTML, meeting.log_html.encode("utf-8"), dict(HTML_HEADERS))


def archive_page(rt: Runtime, match: re.Match[str]) -> Page:
    with rt.db.read() as s:
        archive = s.scalars(
            select(ChannelArchive).where(ChannelArchive.public_id == match.group("archive_id"))
        ).one_or_none()
        if archive is None:
            return Page.not_found()
        meetings = s.scalars(
            select(Meeting)
            .where(
                Meeting.team_id == archive.team_id,
                Meeting.channel_id == archive.channel_id,
                Meeting.status == "published",
            )
            .order_by(Meeting.started_at.desc(), Meeting.id.desc())
        )
        entries = [document.archive_entry(m, rt.settings.public_url) for m in meetings]
        channel = archive.channel_name or archive.channel_id
    body = document.render_archive(channel, entries)
    return Page(200, HTML, body.encode("utf-8"), dict(HTML_HEADERS))


ROUTES: tuple[tuple[str, PageHandler], ...] = (
    (PATH, minutes_page),
    (LOG_PATH, log_page),
    (ARCHIVE_PATH, archive_page),
)
