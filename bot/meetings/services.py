"""Meeting series use cases: plan, check conflicts, save, find, skip, cancel, list."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.directory import Directory
from bot.errors import NotFound, UsageError
from bot.meetings import rotation as rotating
from bot.meetings.holidays import skipped_dates
from bot.meetings.ics import calendar
from bot.meetings.models import CalendarFeed, MeetingSeries
from bot.services.common import insert_ignore, next_number
from bot.slackfmt import escape
from bot.timekit.dst import LocalKind, classify, localize
from bot.timekit.recurrence import (
    Occurrence,
    Recurrence,
    Schedule,
    SecondSlot,
    first_on_or_after,
    from_rrule,
    iter_occurrences,
    occurrences,
    previous_occurrence,
    to_rrule,
)
from bot.timekit.zones import get_zone, utc_offset_label

DEFAULT_REMINDERS = (1440, 15)
CONFLICT_HORIZON = timedelta(days=366)
# How far ahead the scheduling answer looks for meetings in consecutive ISO weeks.
BACK_TO_BACK_HORIZON = timedelta(days=2 * 366)
MAX_NAME = 80
MAX_URL = 400


@dataclass(frozen=True)
class Draft:
    """A series as asked for, before it is planned and saved."""

    name: str
    channel_id: str
    tz: str
    at: time
    recurrence: Recurrence = field(default_factory=Recurrence)
    start_date: date | None = None
    start_explicit: bool = False
    duration: int = 60
    reminders: tuple[int, ...] = DEFAULT_REMINDERS
    chairs: tuple[str, ...] = ()
    agenda_url: str | None = None
    join_url: str | None = None
    skips: tuple[tuple[date, str], ...] = ()
    skip_holidays: tuple[str, ...] = ()  # ISO country codes
    rotation: SecondSlot | None = None  # every other meeting at this slot
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("notes")
        return json.dumps(data, default=str, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Draft:
        d: dict[str, Any] = json.loads(raw)
        rec = dict(d["recurrence"])
        rec["weekdays"] = tuple(rec["weekdays"])
        rec["until"] = date.fromisoformat(rec["until"]) if rec.get("until") else None
        return cls(
            name=d["name"],
            channel_id=d["channel_id"],
            tz=d["tz"],
            at=time.fromisoformat(d["at"]),
            recurrence=Recurrence(**rec),
            start_date=date.fromisoformat(d["start_date"]) if d.get("start_date") else None,
            start_explicit=bool(d.get("start_explicit")),
            duration=int(d["duration"]),
            reminders=tuple(int(x) for x in d["reminders"]),
            chairs=tuple(d["chairs"]),
            agenda_url=d.get("agenda_url"),
            join_url=d.get("join_url"),
            skips=tuple((date.fromisoformat(s[0]), str(s[1])) for s in d.get("skips") or ()),
            skip_holidays=tuple(d.get("skip_holidays") or ()),
            rotation=rotating.from_json(d.get("rotation")),
        )


@dataclass(frozen=True)
class Plan:
    """A draft made concrete: the first start and the RRULE, checked against DST."""

    draft: Draft
    dtstart: datetime  # aware, home zone
    rrule: str
    warnings: tuple[str, ...] = ()

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            dtstart=self.dtstart,
            tz=self.draft.tz,
            rrule=self.rrule,
            exdates=tuple(d for d, _ in self.draft.skips)
            + skipped_dates(self.draft.skip_holidays, self.dtstart.date()),
            duration=timedelta(minutes=self.draft.duration),
            rotation=self.draft.rotation,
        )


@dataclass(frozen=True)
class Clash:
    number: int
    name: str
    channel_id: str
    start: datetime  # UTC, the first overlapping occurrence of the other series
    ours: datetime  # UTC, our occurrence it overlaps
    why: str  # "channel" or a chair's user id


def plan(
    draft: Draft, *, now: datetime, allow_past: bool = False, usage: str | None = None
) -> Plan:
    """Find the first occurrence, refuse DST gaps/overlaps and the past, note later shifts."""
    zone = get_zone(draft.tz)
    today = now.astimezone(zone).date()
    day = draft.start_date or today
    rec = draft.recurrence
    if rec.kind == "once":
        naive = datetime.combine(day, draft.at)
        first = _localize(naive, draft.tz, usage)
    else:
        found = first_on_or_after(rec, tz=draft.tz, day=day, at=draft.at)
        # Without an explicit start, today's occurrence may be over already: take the next.
        while found is not None and found < now and not draft.start_explicit and not allow_past:
            found = first_on_or_after(
                rec, tz=draft.tz, day=found.date() + timedelta(days=1), at=draft.at
            )
        if found is None:
            raise UsageError(
                "That schedule has no meeting at all (check the end date).", usage, field="when"
            )
        first = _localize(found.replace(tzinfo=None), draft.tz, usage)
    if first < now and not allow_past:
        # A one-off meeting's date is in the form's "Repeats" field, a series' in "Starting".
        raise UsageError(
            f"That would start in the past ({first:%a %Y-%m-%d %H:%M} {draft.tz}); "
            "give a later date.",
            usage,
            field="when" if rec.kind == "once" else "starting",
        )
    if rec.until and rec.until < first.date():
        raise UsageError("The end date is before the first meeting.", usage, field="when")
    rotating.check(rec, draft.rotation, at=draft.at, tz=draft.tz, usage=usage)
    rrule_text = to_rrule(rec, tz=draft.tz, at=draft.at)
    exdates = tuple(d for d, _ in draft.skips) + skipped_dates(draft.skip_holidays, first.date())
    schedule = Schedule(first, draft.tz, rrule_text, exdates)
    pairs = back_to_back(schedule, rec, after=now, before=now + BACK_TO_BACK_HORIZON)
    warnings = _dst_warnings(schedule, now) + tuple(pair.notice() for pair in pairs)
    return Plan(draft, first, rrule_text, warnings)


def _localize(naive: datetime, tz: str, usage: str | None) -> datetime:
    """The first meeting's aware start; a wall time skipped or repeated by DST is the time's fault."""
    try:
        return localize(naive, tz, usage)
    except UsageError as exc:
        exc.at("time")
        raise


def _dst_warnings(s: Schedule, now: datetime) -> tuple[str, ...]:
    out: list[str] = []
    wall = s.local_start.time()
    for occ in occurrences(s, after=max(now, s.dtstart), before=now + CONFLICT_HORIZON, limit=400):
        naive = datetime.combine(occ.local_date, wall)
        kind = LocalKind.GAP if occ.shifted else classify(naive, s.tz)
        if kind is LocalKind.GAP:
            out.append(
                f"{wall:%H:%M} does not exist in {s.tz} on {occ.local:%a %Y-%m-%d} "
                f"(clocks go forward): that meeting is at {occ.local:%H:%M}."
            )
        elif kind is LocalKind.OVERLAP:
            out.append(
                f"{wall:%H:%M} happens twice in {s.tz} on {occ.local:%a %Y-%m-%d} "
                f"(clocks go back): the meeting is at the first one ({utc_offset_label(occ.local)})."
            )
        if len(out) >= 3:
            break
    return tuple(out)


@dataclass(frozen=True)
class BackToBack:
    """Two meetings of an every-other-week series that fall in consecutive ISO weeks.

    An odd-week series meets in ISO week 53 of a long ISO year and again in week 1
    of the next one (2026-12-29, then 2027-01-05): one week apart instead of two.
    """

    first: Occurrence
    second: Occurrence

    def notice(self) -> str:
        a, b = self.first.local, self.second.local
        week_a, week_b = a.isocalendar().week, b.isocalendar().week
        why = f", because {a.isocalendar().year} has 53 ISO weeks" if week_a == 53 else ""
        return (
            f"It meets on {a:%a %Y-%m-%d} and again on {b:%a %Y-%m-%d} "
            f"(ISO week {week_a} then week {week_b}): one week apart, not two{why}."
        )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _consecutive_weeks(a: Occurrence, b: Occurrence) -> bool:
    """Whether b falls in the ISO week right after a's (local dates, home zone)."""
    return _monday(b.local_date) - _monday(a.local_date) == timedelta(weeks=1)


def _every_other_week(rec: Recurrence) -> bool:
    return rec.kind == "weekly" and rec.interval >= 2


def back_to_back(
    s: Schedule, rec: Recurrence, *, after: datetime, before: datetime
) -> list[BackToBack]:
    """Meetings starting in [after, before) one ISO week after the previous meeting
    of a series that meets every other week (or less often): ISO-week parity series
    around a 53-week year. The previous meeting may be before `after`."""
    if not _every_other_week(rec):
        return []
    prev = previous_occurrence(s, after)
    out: list[BackToBack] = []
    for occ in occurrences(s, after=after, before=before, limit=1000):
        if prev is not None and _consecutive_weeks(prev, occ):
            out.append(BackToBack(prev, occ))
        prev = occ
    return out


def back_to_back_at(series: MeetingSeries, occ: Occurrence) -> BackToBack | None:
    """The pair of meetings in consecutive ISO weeks that `occ` belongs to, if any:
    with the meeting before it, else with the one after it."""
    if not _every_other_week(from_rrule(series.rrule, tz=series.home_tz)):
        return None
    s = schedule_of(series)
    prev = previous_occurrence(s, occ.start)
    if prev is not None and _consecutive_weeks(prev, occ):
        return BackToBack(prev, occ)
    following = next(iter_occurrences(s, occ.start + timedelta(microseconds=1)), None)
    if following is not None and _consecutive_weeks(occ, following):
        return BackToBack(occ, following)
    return None


def schedule_of(series: MeetingSeries) -> Schedule:
    return Schedule(
        dtstart=series.dtstart,
        tz=series.home_tz,
        rrule=series.rrule,
        exdates=tuple(date.fromisoformat(x["date"]) for x in series.exdates or [])
        + skipped_dates(series.skip_holidays, series.dtstart.date()),
        duration=timedelta(minutes=series.duration_minutes),
        rotation=rotating.of(series),
    )


def draft_of(series: MeetingSeries) -> Draft:
    """The draft that would recreate a saved series (the base of an edit)."""
    local = series.dtstart.astimezone(get_zone(series.home_tz))
    return Draft(
        name=series.name,
        channel_id=series.channel_id,
        tz=series.home_tz,
        at=local.time().replace(fold=0),
        recurrence=from_rrule(series.rrule, tz=series.home_tz),
        start_date=local.date(),
        start_explicit=True,
        duration=series.duration_minutes,
        reminders=tuple(series.reminder_offsets or ()),
        chairs=tuple(series.chairs or ()),
        agenda_url=series.agenda_url,
        join_url=series.join_url,
        skips=tuple((date.fromisoformat(x["date"]), x.get("reason") or "") for x in series.exdates),
        skip_holidays=tuple(series.skip_holidays or ()),
        rotation=rotating.of(series),
    )


def active_series(
    session: Session, *, team_id: str, channel_id: str | None = None
) -> list[MeetingSeries]:
    q = select(MeetingSeries).where(
        MeetingSeries.team_id == team_id, MeetingSeries.cancelled_at.is_(None)
    )
    if channel_id is not None:
        q = q.where(MeetingSeries.channel_id == channel_id)
    return list(session.scalars(q.order_by(MeetingSeries.number)))


def find_series(
    session: Session, *, team_id: str, ref: str, channel_id: str, usage: str | None = None
) -> MeetingSeries:
    """A series by its number (``3`` or ``#3``) or name; this channel's first."""
    text = ref.strip()
    if not text:
        raise UsageError("Name the series (its number or name).", usage)
    digits = text.lstrip("#")
    if digits.isascii() and digits.isdigit():
        number = int(digits) if len(digits) <= 9 else -1  # no series has a bigger number
        found = session.scalars(
            select(MeetingSeries).where(
                MeetingSeries.team_id == team_id,
                MeetingSeries.number == number,
                MeetingSeries.cancelled_at.is_(None),
            )
        ).first()
        if found is None:
            raise NotFound(f"There is no meeting series #{digits[:12]} (see `/meeting list`).")
        return found
    matches = [s for s in active_series(session, team_id=team_id) if s.name.lower() == text.lower()]
    here = [s for s in matches if s.channel_id == channel_id]
    pick = here or matches
    if not pick:
        raise NotFound(
            f"There is no meeting series named “{escape(text[:80])}” (see `/meeting list`)."
        )
    if len(pick) > 1:
        numbers = ", ".join(f"#{s.number}" for s in pick)
        raise UsageError(
            f"Several series are named “{escape(text[:80])}” ({numbers}); use the number."
        )
    return pick[0]


def _overlap(a: list[Occurrence], b: list[Occurrence]) -> tuple[Occurrence, Occurrence] | None:
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].start < b[j].end and b[j].start < a[i].end:
            return a[i], b[j]
        if a[i].end <= b[j].end:
            i += 1
        else:
            j += 1
    return None


def find_conflicts(
    session: Session,
    *,
    team_id: str,
    plan_: Plan,
    now: datetime,
    exclude_id: int | None = None,
) -> list[Clash]:
    """Series that overlap the plan in its channel, or chaired by one of its chairs."""
    draft = plan_.draft
    horizon = now + CONFLICT_HORIZON
    ours = occurrences(plan_.schedule, after=now, before=horizon, limit=800)
    clashes: list[Clash] = []
    for other in active_series(session, team_id=team_id):
        if other.id == exclude_id:
            continue
        shared = [c for c in draft.chairs if c in (other.chairs or [])]
        if other.channel_id != draft.channel_id and not shared:
            continue
        theirs = occurrences(schedule_of(other), after=now, before=horizon, limit=800)
        hit = _overlap(ours, theirs)
        if hit is not None:
            why = "channel" if other.channel_id == draft.channel_id else shared[0]
            clashes.append(
                Clash(other.number, other.name, other.channel_id, hit[1].start, hit[0].start, why)
            )
    return clashes


def save_new(
    session: Session, *, team_id: str, plan_: Plan, user_id: str, now: datetime
) -> MeetingSeries:
    d = plan_.draft
    series = MeetingSeries(
        team_id=team_id,
        number=next_number(session, team_id=team_id, name="meeting"),
        name=d.name,
        channel_id=d.channel_id,
        home_tz=d.tz,
        dtstart=plan_.dtstart.astimezone(UTC),
        rrule=plan_.rrule,
        exdates=[{"date": x.isoformat(), "reason": r} for x, r in d.skips],
        skip_holidays=list(d.skip_holidays) or None,
        rotation=rotating.to_json(d.rotation),
        duration_minutes=d.duration,
        chairs=list(d.chairs),
        agenda_url=d.agenda_url,
        join_url=d.join_url,
        reminder_offsets=list(d.reminders),
        created_by=user_id,
        created_at=now,
        reminders_from=now,
        cancelled_at=None,
        next_reminder_at=None,
    )
    session.add(series)
    session.flush()
    return series


def save_edit(session: Session, *, series: MeetingSeries, plan_: Plan, now: datetime) -> None:
    d = plan_.draft
    series.name = d.name
    series.channel_id = d.channel_id
    series.home_tz = d.tz
    series.dtstart = plan_.dtstart.astimezone(UTC)
    series.rrule = plan_.rrule
    series.exdates = [{"date": x.isoformat(), "reason": r} for x, r in d.skips]
    series.skip_holidays = list(d.skip_holidays) or None
    series.rotation = rotating.to_json(d.rotation)
    series.duration_minutes = d.duration
    series.chairs = list(d.chairs)
    series.agenda_url = d.agenda_url
    series.join_url = d.join_url
    series.reminder_offsets = list(d.reminders)
    # Reminders are owed from the new schedule on, not for times that passed before the edit.
    series.reminders_from = now
    series.next_reminder_at = None
    session.flush()


def cancel(session: Session, *, series: MeetingSeries, now: datetime) -> None:
    series.cancelled_at = now
    session.flush()


def skip(
    session: Session, *, series: MeetingSeries, day: date, reason: str, now: datetime
) -> Occurrence:
    """Skip the occurrence on a local date; refuse dates with no meeting."""
    s = schedule_of(series)
    zone = get_zone(series.home_tz)
    since = datetime.combine(day, time(0)).replace(tzinfo=zone) - timedelta(days=1)
    match = next(
        (o for o in occurrences(s, after=since.astimezone(UTC), limit=3) if o.local_date == day),
        None,
    )
    if match is None:
        upcoming = occurrences(s, after=now, limit=3)
        dates = ", ".join(f"{o.local:%a %Y-%m-%d}" for o in upcoming) or "none"
        raise UsageError(
            f"“{escape(series.name)}” does not meet on {day:%a %Y-%m-%d} ({series.home_tz}). "
            f"Next meetings: {dates}."
        )
    series.exdates = [
        *[x for x in series.exdates if x["date"] != day.isoformat()],
        {"date": day.isoformat(), "reason": reason[:200]},
    ]
    series.next_reminder_at = None
    session.flush()
    return match


def next_occurrence(series: MeetingSeries, *, after: datetime) -> Occurrence | None:
    return next(iter_occurrences(schedule_of(series), after), None)


def upcoming(series: MeetingSeries, *, after: datetime, limit: int) -> list[Occurrence]:
    return occurrences(schedule_of(series), after=after, limit=limit)


def existing_feed_token(session: Session, *, team_id: str, channel_id: str) -> str | None:
    """The channel's calendar feed secret if it has one (reads only)."""
    row = session.get(CalendarFeed, (team_id, channel_id))
    return row.token if row is not None else None


def feed_token(session: Session, *, team_id: str, channel_id: str, now: datetime) -> str:
    """The channel's calendar feed secret, created on first use."""
    insert_ignore(
        session,
        CalendarFeed.__table__,
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "token": secrets.token_urlsafe(24),
            "created_at": now,
        },
    )
    row = session.get(CalendarFeed, (team_id, channel_id))
    assert row is not None
    return row.token


def feed_by_token(session: Session, *, token: str) -> CalendarFeed | None:
    return session.scalars(select(CalendarFeed).where(CalendarFeed.token == token)).first()


def with_changes(draft: Draft, **changes: Any) -> Draft:
    return replace(draft, **changes)


@dataclass(frozen=True)
class Listing:
    """Active series with their next meetings, and the channel's feed secret if it has one."""

    series: list[tuple[MeetingSeries, Occurrence | None]]
    feed_token: str | None


def listing(
    session: Session, *, team_id: str, channel_id: str | None, now: datetime, limit: int = 40
) -> Listing:
    """A channel's series (None: the workspace's); reads only, so a missing feed stays missing."""
    rows = active_series(session, team_id=team_id, channel_id=channel_id)
    token = (
        None
        if channel_id is None
        else existing_feed_token(session, team_id=team_id, channel_id=channel_id)
    )
    return Listing([(s, next_occurrence(s, after=now)) for s in rows[:limit]], token)


@dataclass(frozen=True)
class NextMeeting:
    """The soonest meeting: no series (nothing here), or a series with no occurrence left."""

    series: MeetingSeries | None
    occurrence: Occurrence | None = None
    zones: dict[str, list[str]] = field(default_factory=dict)  # the series' channel, by zone
    # The occurrence and its neighbour one ISO week apart (an odd-week series around week 53).
    back_to_back: BackToBack | None = None
    # Members without a zone from Slack (Slack Connect), counted in the home zone.
    guessed: tuple[str, ...] = ()


def soonest_meeting(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    channel_id: str,
    ref: str,
    now: datetime,
    usage: str | None = None,
) -> NextMeeting:
    """The next meeting of the named series, or of this channel's series, with members' zones."""
    if ref:
        candidates = [
            find_series(session, team_id=team_id, ref=ref, channel_id=channel_id, usage=usage)
        ]
    else:
        candidates = active_series(session, team_id=team_id, channel_id=channel_id)
        if not candidates:
            return NextMeeting(None)
    found = [(next_occurrence(s, after=now), s) for s in candidates]
    upcoming_ = sorted(((o, s) for o, s in found if o is not None), key=lambda pair: pair[0].start)
    if not upcoming_:
        return NextMeeting(candidates[0])
    occ, series = upcoming_[0]
    # A read: the directory answers without storing what it fetched.
    zones = directory.member_zones(session, team_id, series.channel_id, store=False)
    guessed = tuple(directory.zoneless_members(session, team_id, series.channel_id))
    if guessed:
        zones.setdefault(series.home_tz or "UTC", []).extend(guessed)
    return NextMeeting(series, occ, zones, back_to_back_at(series, occ), guessed)


@dataclass(frozen=True)
class SharedCalendar:
    """A series queued for upload as an .ics file, and its channel's feed secret."""

    series: MeetingSeries
    filename: str
    feed_token: str


def share_calendar(
    session: Session,
    *,
    team_id: str,
    ref: str,
    channel_id: str,
    public_url: str,
    now: datetime,
    usage: str | None = None,
) -> SharedCalendar:
    """Queue the upload of a series' .ics file to this channel; creates the feed if needed."""
    series = find_series(session, team_id=team_id, ref=ref, channel_id=channel_id, usage=usage)
    body = calendar([series], name=f"wgbot: {series.name}", public_url=public_url, now=now)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", series.name).strip("-").lower() or "meeting"
    outbox.upload_file(
        session,
        team_id=team_id,
        channel=channel_id,
        filename=f"{slug}.ics",
        content=body,
        now=now,
        title=f"{series.name} (calendar)",
    )
    token = feed_token(session, team_id=team_id, channel_id=series.channel_id, now=now)
    return SharedCalendar(series, f"{slug}.ics", token)
