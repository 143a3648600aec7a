"""The App Home tab: a personal dashboard built from each feature's section.

Opening the tab (app_home_opened) records the reader as a viewer and publishes their
tab through the outbox. A request that changes something a tab shows (an action item
closed, an issue filed, a meeting moved) republishes the tabs of the viewers it
concerns in the same transaction: each feature's `home_watchers` hook names the users
a changed row concerns, the request publishes at most INLINE_REFRESH of them itself,
one publish per user, and marks the rest stale for the refresh job. A publish still
waiting in the outbox is replaced rather than followed by another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from bot import outbox, slackfmt
from bot.commands.base import Ctx
from bot.commands.registry import HomeSection, Registry
from bot.models import HomeViewer, OutboxMessage
from bot.platform import NeedsSlack
from bot.render import blocks as bk
from bot.render import render
from bot.runtime import Runtime
from bot.services.common import insert_ignore
from bot.timekit.zones import get_zone, utc_offset_label

T = TypeVar("T")
log = logging.getLogger(__name__)

# A request republishes at most this many tabs itself; the refresh job does the rest,
# so that a meeting moved in a big channel does not slow its chair's answer down.
INLINE_REFRESH = 8
REFRESH_BATCH = 50
REFRESH_EVERY_S = 2.0
# session.info key: the tab being built is its reader's, opened just now (the bot may
# ask Slack first for what it lacks); a republish for someone else never waits.
OPENING = "wgbot.home.opening"


# -- helpers for the sections -----------------------------------------------------------


def reader_tz(ctx: Ctx) -> str:
    """The reader's IANA zone (UTC when Slack gives none)."""
    tz = ctx.rt.directory.user_tz(ctx.session, ctx.team_id, ctx.user_id)
    try:
        get_zone(tz)
    except Exception:
        return "UTC"
    return tz


def local_text(when: datetime, tz: str) -> str:
    """``Tue 24 Nov 01:00 JST`` (the offset when the zone has no abbreviation)."""
    local = when.astimezone(get_zone(tz))
    name = local.tzname() or ""
    if not name or name[0] in "+-" or name.startswith("UTC"):
        name = utc_offset_label(local)
    return f"{local:%a %d %b %H:%M} {name}"


def time_in(tz: str) -> Callable[[datetime], str]:
    """A `<!date^…>` token (each reader's own zone in Slack), falling back to `tz`'s time."""

    def token(when: datetime) -> str:
        return slackfmt.date_token(
            when.astimezone(UTC), "{date_short_pretty} {time}", fallback=local_text(when, tz)
        )

    return token


def is_opening(ctx: Ctx) -> bool:
    return bool(ctx.session.info.get(OPENING))


def channel_members(ctx: Ctx, channels: Iterable[str]) -> Callable[[str], Collection[str]]:
    """Channel members as far as the bot knows them, never waiting for Slack.

    For the reader's own tab, Slack is first asked at once about those of `channels`
    whose members were never fetched (one round before the transaction runs again).
    """
    directory = ctx.rt.directory
    if is_opening(ctx):
        directory.ask_first(ctx.session, ctx.team_id, channels=channels)
    seen: dict[str, frozenset[str]] = {}

    def members_of(channel_id: str) -> Collection[str]:
        if channel_id not in seen:
            seen[channel_id] = frozenset(
                directory.channel_members(ctx.session, ctx.team_id, channel_id, wait=False)
            )
        return seen[channel_id]

    return members_of


# -- building and publishing ---------------------------------------------------------------


def build_view(ctx: Ctx, sections: Sequence[HomeSection]) -> dict[str, Any]:
    """The reader's Home tab: a header, then each section, within Slack's 100 blocks."""
    tz = reader_tz(ctx)
    blocks = bk.from_markup(render("home/intro.slack.j2", tz=tz))
    for section in sections:
        blocks.extend(section(ctx))
    if len(blocks) > bk.MAX_VIEW_BLOCKS:
        blocks = blocks[: bk.MAX_VIEW_BLOCKS - 1]
        blocks.append(bk.context("… and more: `/wg help` lists the commands that show it all."))
    return {"type": "home", "blocks": blocks}


def publish(ctx: Ctx, sections: Sequence[HomeSection]) -> None:
    """Queue the reader's tab; a publish of theirs still waiting is replaced instead."""
    view = build_view(ctx, sections)
    replaced = ctx.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == ctx.team_id,
            OutboxMessage.lane == f"home:{ctx.user_id}",
            OutboxMessage.status == "pending",
            OutboxMessage.method == "views.publish",
        )
        .values(payload={"user_id": ctx.user_id, "view": view})
        .execution_options(synchronize_session=False)
    )
    if replaced.rowcount:  # type: ignore[attr-defined]
        ctx.session.info[outbox.QUEUED] = True
        return
    outbox.publish_home(
        ctx.session, team_id=ctx.team_id, user_id=ctx.user_id, view=view, now=ctx.now
    )


def opened(ctx: Ctx, sections: Sequence[HomeSection]) -> None:
    """The reader opened the tab: remember them as a viewer and publish it."""
    values = {
        "team_id": ctx.team_id,
        "user_id": ctx.user_id,
        "opened_at": ctx.now,
        "stale_since": None,
    }
    if not insert_ignore(ctx.session, HomeViewer.__table__, values):
        ctx.session.execute(
            update(HomeViewer)
            .where(HomeViewer.team_id == ctx.team_id, HomeViewer.user_id == ctx.user_id)
            .values(opened_at=ctx.now, stale_since=None)
            .execution_options(synchronize_session=False)
        )
    ctx.session.info[OPENING] = True
    try:
        publish(ctx, sections)
    finally:
        ctx.session.info.pop(OPENING, None)


# -- republishing what changed -------------------------------------------------------------


def watching(fn: Callable[[Ctx], T], sections: Sequence[HomeSection]) -> Callable[[Ctx], T]:
    """fn, and then the tabs of the viewers whose tab shows a row fn added, changed or
    deleted are republished in its transaction (see the module docstring)."""

    def run(ctx: Ctx) -> T:
        watchers = ctx.rt.hooks.home_watchers
        if not watchers:
            return fn(ctx)
        changed: dict[str, None] = {}

        def note(session: Session, _flush: Any, _instances: Any) -> None:
            with session.no_autoflush:
                for row in (*session.new, *session.dirty, *session.deleted):
                    for watcher in watchers:
                        changed.update(dict.fromkeys(u for u in watcher(session, row) if u))

        event.listen(ctx.session, "before_flush", note)
        try:
            result = fn(ctx)
            ctx.session.flush()
        finally:
            event.remove(ctx.session, "before_flush", note)
        if changed:
            republish(ctx, list(changed), sections)
        return result

    return run


def _viewers(session: Session, team_id: str, users: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(users), 500):
        found.update(
            session.scalars(
                select(HomeViewer.user_id).where(
                    HomeViewer.team_id == team_id, HomeViewer.user_id.in_(users[i : i + 500])
                )
            )
        )
    return found


def republish(ctx: Ctx, users: Iterable[str], sections: Sequence[HomeSection]) -> int:
    """Republish the tabs of those users who have opened theirs (the first few now, the
    rest by the refresh job); returns how many were published now."""
    ordered = list(dict.fromkeys(users))
    viewers = _viewers(ctx.session, ctx.team_id, ordered)
    due = [u for u in ordered if u in viewers]
    now, later = due[:INLINE_REFRESH], due[INLINE_REFRESH:]
    for user_id in now:
        try:
            # A tab that cannot be built must not cost the request its work.
            with ctx.session.begin_nested():
                publish(replace(ctx, user_id=user_id), sections)
        except NeedsSlack:
            raise
        except Exception:
            log.exception("could not republish the App Home of %s; the job will", user_id)
            later.append(user_id)
    for i in range(0, len(later), 500):
        ctx.session.execute(
            update(HomeViewer)
            .where(
                HomeViewer.team_id == ctx.team_id,
                HomeViewer.user_id.in_(later[i : i + 500]),
                HomeViewer.stale_since.is_(None),
            )
            .values(stale_since=ctx.now)
            .execution_options(synchronize_session=False)
        )
    return len(now)


def refresh_stale(rt: Runtime, now: datetime, sections: Sequence[HomeSection]) -> int:
    """Publish the tabs marked stale, oldest first, each in a transaction of its own."""
    with rt.db.read() as s:
        rows = s.execute(
            select(HomeViewer.team_id, HomeViewer.user_id)
            .where(HomeViewer.stale_since.is_not(None))
            .order_by(HomeViewer.stale_since)
            .limit(REFRESH_BATCH)
        ).all()
    done = 0
    for team_id, user_id in rows:
        with rt.db.write() as session:
            # Claimed by clearing the mark: another process's job skips the tab.
            claimed = session.execute(
                update(HomeViewer)
                .where(
                    HomeViewer.team_id == team_id,
                    HomeViewer.user_id == user_id,
                    HomeViewer.stale_since.is_not(None),
                )
                .values(stale_since=None)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue
            ctx = Ctx(
                rt=rt, session=session, team_id=team_id, user_id=user_id, channel_id="", now=now
            )
            publish(ctx, sections)
        done += 1
    if done:
        rt.notify_outbox()
    return done


def install(registry: Registry) -> None:
    """The App Home's refresh job (the sections come from each family's install)."""
    registry.periodic(
        "app-home-refresh",
        lambda rt, now: refresh_stale(rt, now, registry.home_sections),
        every=REFRESH_EVERY_S,
    )
