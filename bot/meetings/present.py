"""Plain data for the meeting templates: occurrences in the home zone, UTC and readers' zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import slackfmt
from bot.meetings import rotation
from bot.meetings.holidays import skip_label
from bot.meetings.models import MeetingSeries
from bot.meetings.services import schedule_of
from bot.timekit.parse import format_duration, format_offset
from bot.timekit.recurrence import Occurrence, from_rrule
from bot.timekit.zones import get_zone, utc_offset_label, zone_label


def local_text(when: datetime, tz: str, *, with_zone: bool = True) -> str:
    """``Tue 2026-12-01 17:00 CET`` (the abbreviation, or the offset when there is none)."""
    local = when.astimezone(get_zone(tz))
    name = local.tzname() or ""
    if not name or name[0] in "+-" or name.startswith("UTC+") or name.startswith("UTC-"):
        name = utc_offset_label(local)
    text = f"{local:%a %Y-%m-%d %H:%M}"
    return f"{text} {name}" if with_zone else text


def token(when: datetime) -> str:
    return slackfmt.date_token(
        when, "{date_short_pretty} {time}", fallback=f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    )


@dataclass(frozen=True)
class OccurrenceView:
    home: str
    utc: str
    token: str
    shifted: bool
    start: datetime


def occurrence_view(occ: Occurrence, tz: str) -> OccurrenceView:
    return OccurrenceView(
        home=local_text(occ.start, tz),
        utc=f"{occ.start:%a %Y-%m-%d %H:%M} UTC",
        token=token(occ.start),
        shifted=occ.shifted,
        start=occ.start,
    )


def first_meeting(series: MeetingSeries, *, now: datetime, next_occ: Occurrence | None) -> str:
    """``First meeting: Tuesday 8 December 2026, 16:00 Europe/Paris`` (``Next meeting``
    for an edited series whose first meeting is past); a rotating series' B slot is
    told in its own zone."""
    label, occ = "First meeting", None
    if series.dtstart < now:
        label, occ = "Next meeting", next_occ
        if occ is None:
            return "No meeting is left."
    start = occ.start if occ else series.dtstart
    second = rotation.of(series)
    tz = second.tz if occ is not None and occ.slot == "B" and second else series.home_tz
    local = start.astimezone(get_zone(tz))
    return f"{label}: {local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {tz}"


def series_view(series: MeetingSeries, *, next_occ: Occurrence | None) -> dict[str, Any]:
    rec = from_rrule(series.rrule, tz=series.home_tz)
    local = series.dtstart.astimezone(get_zone(series.home_tz))
    rule = rec.describe() if rec.kind != "once" else f"once, {local:%a %Y-%m-%d}"
    return {
        "number": series.number,
        "name": series.name,
        "channel_id": series.channel_id,
        "tz": series.home_tz,
        "rule": rule,
        "at": f"{local:%H:%M}",
        "duration": format_duration(series.duration_minutes),
        "chairs": list(series.chairs or []),
        "agenda_url": series.agenda_url,
        "join_url": series.join_url,
        "reminders": ", ".join(format_offset(m) for m in series.reminder_offsets or []) or "none",
        "skips": list(series.exdates or []),
        "skip_holidays": skip_label(series),  # "US, FR" or None
        "rotation": rotation.describe(rotation.of(series)),  # ", rotating with 08:00 …" or ""
        "next": occurrence_view(next_occ, series.home_tz) if next_occ else None,
    }


def zone_rows(when: datetime, zones: dict[str, list[str]], home: datetime) -> list[dict[str, Any]]:
    """One row per zone: local time, and the weekday/date when it differs from the home date."""
    rows = []
    for tz, users in sorted(
        zones.items(),
        key=lambda kv: (when.astimezone(get_zone(kv[0])).utcoffset() or timedelta(0), kv[0]),
    ):
        local = when.astimezone(get_zone(tz))
        rows.append(
            {
                "tz": tz,
                "label": zone_label(tz),
                "time": f"{local:%H:%M}",
                "day": f"{local:%a %Y-%m-%d}" if local.date() != home.date() else "",
                "offset": utc_offset_label(local),
                "users": users,
            }
        )
    return rows


def moved_notices(series: MeetingSeries, occ: Occurrence, zones: list[str]) -> list[str]:
    """Zones where this occurrence's local time differs from the previous one's (DST)."""
    prev = rotation.previous_same_slot(schedule_of(series), occ)
    if prev is None:
        return []
    out = []
    for tz in sorted({series.home_tz, *zones}):
        zone = get_zone(tz)
        before = prev.start.astimezone(zone)
        now = occ.start.astimezone(zone)
        if before.time() != now.time():
            out.append(
                f"in {tz} it is at {now:%H:%M}, not {before:%H:%M} as last time "
                f"({utc_offset_label(before)} → {utc_offset_label(now)})"
            )
    return out
