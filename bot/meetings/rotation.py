"""Rotating series: two slots taken in turn, so the inconvenient hour moves around.

    "CNCF sync" every tuesday at 16:00 Europe/Paris rotate 08:00 Asia/Tokyo

meets at 16:00 Paris (slot A) on the 1st, 3rd, 5th … Tuesday and at 08:00 Tokyo
(slot B) on the 2nd, 4th … one. Slot B is a wall-clock time in its own zone, on
the same calendar date as the rule's (read in that zone), so each slot keeps its
own DST. The turn counts every meeting of the rule from the first, skipped ones
included: a skip never swaps the slots that follow. Stored in
`MeetingSeries.rotation` as ``{"at": "08:00", "tz": "Asia/Tokyo"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from icalendar import Event, vRecur
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.meetings.models import MeetingSeries
from bot.models import SlackUser
from bot.slackfmt import escape
from bot.timekit.parse import take_clock
from bot.timekit.recurrence import (
    Occurrence,
    Recurrence,
    Schedule,
    SecondSlot,
    iter_occurrences,
    occurrences,
    previous_occurrence,
)
from bot.timekit.slots import DEFAULT_END, DEFAULT_START, outside_hours
from bot.timekit.zones import get_zone, resolve_zone, zone_label

ROTATE_USAGE = (
    "rotate [with] TIME [ZONE]: every other meeting moves to that time "
    '(`"CNCF sync" every tuesday at 16:00 Europe/Paris rotate 08:00 Asia/Tokyo`); '
    "`/meeting edit 3 rotate none` stops it"
)
ROTATE_WORDS = frozenset({"rotate", "rotating", "alternate"})


def parse_rotation(words: list[str], *, home_tz: str | None, usage: str) -> SecondSlot | None:
    """``[with] 08:00 Asia/Tokyo`` (the zone defaults to the series' own); ``none`` stops it."""
    rest = [w for w in words if w.lower() not in ("with", "at")]
    if [w.lower() for w in rest] in (["none"], ["off"], ["no"]):
        return None
    taken = take_clock(rest, 0)
    if taken is None:
        shown = " ".join(rest[:2])[:30] or "nothing"
        raise UsageError(
            f"`rotate {escape(shown)}`: give the second slot's time, like "
            "`rotate 08:00 Asia/Tokyo`.",
            usage,
        )
    zone_words = " ".join(rest[taken.used :]).strip()
    tz = resolve_zone(zone_words, usage).key if zone_words else home_tz
    if tz is None:
        raise UsageError("Give the second slot's zone (`rotate 08:00 Asia/Tokyo`).", usage)
    return SecondSlot(taken.value, tz)


def check(
    rec: Recurrence, slot: SecondSlot | None, *, at: time, tz: str, usage: str | None
) -> None:
    """Refuse a rotation the series cannot take: only one meeting a week or rarer rotates."""
    if slot is None:
        return
    if rec.kind == "once":
        raise UsageError("A one-off meeting cannot rotate: give a repetition (`every …`).", usage)
    if rec.parity:
        raise UsageError(
            "An odd- or even-week series cannot rotate: say `every 2 weeks on DAY` instead.",
            usage,
        )
    if rec.kind in ("daily", "weekdays") or len(rec.weekdays) != 1:
        raise UsageError(
            "Only a series with one meeting a week or rarer can rotate "
            "(`every tuesday`, `every 2 weeks on monday`, `every first monday`).",
            usage,
        )
    if slot.tz == tz and slot.at == at:
        raise UsageError("The second slot is the series' own time: give another one.", usage)


def to_json(slot: SecondSlot | None) -> dict[str, Any] | None:
    return None if slot is None else {"at": f"{slot.at:%H:%M}", "tz": slot.tz}


def from_json(raw: Mapping[str, Any] | None) -> SecondSlot | None:
    if not raw:
        return None
    return SecondSlot(time.fromisoformat(str(raw["at"])), str(raw["tz"]))


def of(series: MeetingSeries) -> SecondSlot | None:
    """A series' second slot, if it rotates."""
    return from_json(series.rotation)


def describe(slot: SecondSlot | None) -> str:
    """``, rotating with 08:00 Asia/Tokyo`` for a series' rule line ("" when it does not)."""
    return "" if slot is None else f", rotating with {slot.at:%H:%M} {slot.tz}"


def previous_same_slot(s: Schedule, occ: Occurrence) -> Occurrence | None:
    """The last meeting before `occ` in the same slot (for "DST moved it" notices)."""
    prev = previous_occurrence(s, occ.start)
    while prev is not None and prev.slot != occ.slot:
        prev = previous_occurrence(s, prev.start)
    return prev


def next_in_slot(s: Schedule, after: datetime, slot: str) -> Occurrence | None:
    """The first meeting at or after `after` in slot A or B."""
    for n, occ in enumerate(iter_occurrences(s, after)):
        if occ.slot == slot:
            return occ
        if n > 4:
            break
    return None


@dataclass(frozen=True)
class Late:
    """A member for whom a slot falls outside their working hours."""

    user_id: str
    tz: str
    local: datetime
    work_start: int
    work_end: int
    outside: int  # minutes
    side: str  # "early" or "late"

    def text(self) -> str:
        hours = f"{self.work_start // 60:02d}:{self.work_start % 60:02d}–{self.work_end // 60:02d}:{self.work_end % 60:02d}"
        h, m = divmod(self.outside, 60)
        gap = f"{h} h {m:02d}" if h and m else (f"{h} h" if h else f"{m} min")
        where = "before" if self.side == "early" else "after"
        return (
            f"<@{self.user_id}> ({zone_label(self.tz)}, {self.local:%a %H:%M}: "
            f"{gap} {where} {hours})"
        )


def late_for(
    session: Session,
    *,
    team_id: str,
    occ: Occurrence,
    duration: int,
    zones: Mapping[str, list[str]],
) -> list[Late]:
    """The members (by zone) whose working hours the occurrence falls outside, worst first."""
    ids = [u for users in zones.values() for u in users]
    hours: dict[str, tuple[int, int]] = {}
    if ids:
        rows = session.scalars(
            select(SlackUser).where(SlackUser.team_id == team_id, SlackUser.user_id.in_(ids))
        )
        for row in rows:
            hours[row.user_id] = (
                row.work_start if row.work_start is not None else DEFAULT_START,
                row.work_end if row.work_end is not None else DEFAULT_END,
            )
    out: list[Late] = []
    for tz, users in zones.items():
        local = occ.start.astimezone(get_zone(tz))
        mod = local.hour * 60 + local.minute
        for uid in users:
            start, end = hours.get(uid, (DEFAULT_START, DEFAULT_END))
            outside, side = outside_hours(mod, duration, start, end)
            if outside:
                out.append(Late(uid, tz, local, start, end, outside, side))
    return sorted(out, key=lambda x: (-x.outside, x.user_id))


# -- the calendar file: each slot its own event, repeating twice as far apart ---------


def _doubled(rule: vRecur, *, half: int) -> vRecur:
    """The rule with INTERVAL doubled; a COUNT split between the slots (A takes the odd one)."""
    out = vRecur(rule)
    out["INTERVAL"] = [2 * int((rule.get("INTERVAL") or [1])[0])]
    if "COUNT" in rule:
        count = int(rule["COUNT"][0])
        out["COUNT"] = [(count + 1) // 2 if half == 0 else count // 2]
    return out


def _exdate_days(event: Event) -> set[date]:
    """The local dates of an event's EXDATEs (one property or several)."""
    raw = event.get("exdate")
    lists = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return {d.dt.date() if isinstance(d.dt, datetime) else d.dt for x in lists for d in x.dts}


def rotated_events(series: MeetingSeries, event: Event) -> list[Event]:
    """The series' event as two (slot A, slot B), each with its own DTSTART and TZID.

    `event` is the series' single event as the calendar file would have it (its
    EXDATEs included); slot B's event starts at the rule's second meeting.
    """
    slot = of(series)
    rule = event.get("rrule")
    if slot is None or rule is None:
        return [event]
    plain = Schedule(series.dtstart, series.home_tz, series.rrule)
    firsts = occurrences(plain, after=series.dtstart, limit=2)
    b = Event.from_ical(event.to_ical())
    assert isinstance(b, Event)  # one VEVENT in, one out (icalendar 7 types it Component)
    event["rrule"] = _doubled(rule, half=0)
    if len(firsts) < 2:
        return [event]
    for key in ("uid", "dtstart", "dtend", "rrule", "exdate"):
        b.pop(key, None)
    zone = get_zone(slot.tz)
    start = slot.start_on(firsts[1].local_date).astimezone(zone)
    b.add("uid", f"b-{event['uid']}")
    b.add("dtstart", start)
    b.add("dtend", start + timedelta(minutes=series.duration_minutes))
    rule_b = _doubled(rule, half=1)
    if "UNTIL" in rule_b:
        # The slot falls on the rule's date, up to a day later in UTC than the home slot.
        rule_b["UNTIL"] = [rule_b["UNTIL"][0] + timedelta(days=2)]
    b.add("rrule", rule_b)
    weekday = start.weekday()
    home = get_zone(series.home_tz)
    # A skip names the rule's date, or slot B's own date in the home zone.
    skipped = sorted(
        {
            r
            for d in _exdate_days(event)
            for r in (d - timedelta(days=1), d, d + timedelta(days=1))
            if r.weekday() == weekday and (r == d or slot.start_on(r).astimezone(home).date() == d)
        }
    )
    if skipped:
        b.add("exdate", [datetime.combine(d, slot.at).replace(tzinfo=zone) for d in skipped])
    return [event, b]


def _slot_text(occ: Occurrence, tz: str) -> str:
    local = occ.start.astimezone(get_zone(tz))
    return f"{local:%A} {local.day} {local:%B} {local:%H:%M} {zone_label(tz)}"


@dataclass(frozen=True)
class NextSlot:
    """What `/meeting next` says of a rotating series: which slot, and who it is late for."""

    slot: str  # "A" or "B"
    when: str  # in the slot's own zone
    other: str  # the other slot, as the series states it
    late: tuple[str, ...]  # one text per member outside their hours


def next_slot(
    session: Session,
    *,
    series: MeetingSeries,
    occ: Occurrence,
    zones: Mapping[str, list[str]],
) -> NextSlot | None:
    """The slot `occ` is in and the members it falls outside the working hours of."""
    second = of(series)
    if second is None:
        return None
    home = series.dtstart.astimezone(get_zone(series.home_tz))
    tz = second.tz if occ.slot == "B" else series.home_tz
    other = (
        f"slot A, {home:%H:%M} {series.home_tz}"
        if occ.slot == "B"
        else f"slot B, {second.at:%H:%M} {second.tz}"
    )
    late = late_for(
        session, team_id=series.team_id, occ=occ, duration=series.duration_minutes, zones=zones
    )
    return NextSlot(occ.slot, _slot_text(occ, tz), other, tuple(x.text() for x in late))
