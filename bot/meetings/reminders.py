"""Meeting reminders: computed from the series each minute, posted once each.

Nothing is stored ahead of time: a reminder is due when an occurrence starts within
one of its series' offsets. A JobMark (mark_once) records each one posted, in the
same transaction as the outbox row, so a restart, a late tick or a second process
never posts it twice. After downtime, only the most recent overdue reminder of a
meeting that has not begun is posted; the older ones are marked without posting.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import metrics, outbox
from bot.meetings.holidays import reminder_warnings
from bot.meetings.models import MeetingSeries
from bot.meetings.present import occurrence_view, series_view
from bot.meetings.services import schedule_of
from bot.render import blocks as bk
from bot.render import render
from bot.runtime import Runtime
from bot.services.common import mark_once
from bot.services.hooks import ReminderSection
from bot.slackfmt import escape
from bot.timekit.recurrence import Occurrence, iter_occurrences, occurrences

log = logging.getLogger(__name__)


def reminder_key(series: MeetingSeries, occ: Occurrence, offset: int) -> str:
    return f"meeting-reminder:{series.id}:{occ.start:%Y%m%dT%H%M}:{offset}"


def _sections(
    session: Session, series: MeetingSeries, now: datetime, hooks: Sequence[ReminderSection]
) -> list[str]:
    out: list[str] = []
    for hook in hooks:
        try:
            text = hook(session, series.team_id, series.channel_id, now)
        except Exception:
            # Another feature's failure must not cost the group its reminder.
            log.exception("reminder section hook failed")
            continue
        if text:
            out.append(text)
    return out


def post_reminder(
    session: Session,
    *,
    series: MeetingSeries,
    occ: Occurrence,
    offset: int,
    now: datetime,
    sections: Sequence[ReminderSection] = (),
) -> None:
    view = series_view(series, next_occ=occ)
    markup = render(
        "meetings/reminder.slack.j2",
        s=view,
        occ=occurrence_view(occ, series.home_tz),
        lead=_lead(occ.start - now),
        holidays=reminder_warnings(session, series, occ.start),
        sections=_sections(session, series, now, sections),
    )
    blocks = bk.from_markup(markup)[: bk.MAX_MESSAGE_BLOCKS]
    outbox.post_message(
        session,
        team_id=series.team_id,
        channel=series.channel_id,
        text=f"Reminder: {escape(series.name)} starts in {_lead(occ.start - now)}",
        blocks=blocks,
        now=now,
        key=reminder_key(series, occ, offset),
    )


def _lead(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes >= 1410:
        days = round(minutes / 1440)
        return "1 day" if days == 1 else f"{days} days"
    if minutes >= 90:
        return f"{round(minutes / 60)} hours"
    if minutes == 60:
        return "1 hour"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# next_reminder_at for a series that owes no more reminders (ended, or none set).
NO_MORE_REMINDERS = datetime(9999, 1, 1, tzinfo=UTC)
BATCH = 500


def next_reminder_after(series: MeetingSeries, now: datetime) -> datetime:
    """The first instant after `now` at which one of the series' reminders falls due."""
    offsets = sorted({int(o) for o in series.reminder_offsets or []})
    if not offsets:
        return NO_MORE_REMINDERS
    best = NO_MORE_REMINDERS
    for occ in iter_occurrences(schedule_of(series), now):
        # A later occurrence's earliest reminder comes after this one's: stop there.
        if occ.start - timedelta(minutes=offsets[-1]) > best:
            break
        for m in offsets:
            at = occ.start - timedelta(minutes=m)
            if now < at < best and at >= series.reminders_from:
                best = at
    return best


def due_reminders(
    session: Session,
    *,
    now: datetime,
    sections: Sequence[ReminderSection] = (),
    lags: list[float] | None = None,
) -> int:
    """Post every reminder that is due and not yet posted; the number posted.

    `lags` gets, for each reminder posted, the seconds since it fell due.
    """
    posted = 0
    query = (
        select(MeetingSeries)
        .where(
            MeetingSeries.cancelled_at.is_(None),
            or_(MeetingSeries.next_reminder_at.is_(None), MeetingSeries.next_reminder_at <= now),
        )
        .order_by(MeetingSeries.next_reminder_at)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two leaders for a moment (failover) split the work instead of waiting.
        query = query.with_for_update(skip_locked=True)
    for series in session.scalars(query):
        posted += _post_due(session, series, now, sections, lags)
        series.next_reminder_at = next_reminder_after(series, now)
    return posted


def _post_due(
    session: Session,
    series: MeetingSeries,
    now: datetime,
    sections: Sequence[ReminderSection],
    lags: list[float] | None = None,
) -> int:
    """Post the reminders of `series` due at `now` that were not posted yet."""
    offsets = sorted({int(o) for o in series.reminder_offsets or []})
    if not offsets:
        return 0
    posted = 0
    horizon = now + timedelta(minutes=offsets[-1]) + timedelta(seconds=1)
    # Only meetings that have not begun: after == now excludes those under way.
    for occ in occurrences(schedule_of(series), after=now, before=horizon, limit=50):
        if occ.start <= now:
            continue
        due = [
            m for m in offsets if series.reminders_from <= occ.start - timedelta(minutes=m) <= now
        ]
        if not due:
            continue
        # After downtime only the latest overdue reminder is worth posting.
        latest = min(due)
        for m in due:
            first_time = mark_once(
                session, team_id=series.team_id, key=reminder_key(series, occ, m), now=now
            )
            if first_time and m == latest:
                post_reminder(session, series=series, occ=occ, offset=m, now=now, sections=sections)
                posted += 1
                if lags is not None:
                    lags.append((now - (occ.start - timedelta(minutes=m))).total_seconds())
    return posted


def reminders_task(rt: Runtime, now: datetime) -> int:
    lags: list[float] = []
    with rt.db.write() as session:
        posted = due_reminders(session, now=now, sections=rt.hooks.reminder_sections, lags=lags)
    # Counted once committed: a rolled-back tick posted nothing.
    metrics.reminders_sent(lags)
    return posted
