"""RFC 5545 calendars of meeting series (the icalendar library), with VTIMEZONE."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from icalendar import Calendar, Event, Timezone, TimezoneStandard, vRecur

from bot.meetings.holidays import ics_skipped
from bot.meetings.models import MeetingSeries
from bot.meetings.rotation import rotated_events
from bot.textsafe import clean
from bot.timekit.zones import get_zone

PRODID = "-//wgbot//meetings//EN"


def _vtimezone(key: str, zone: tzinfo, first: date) -> Timezone:
    if key.startswith("UTC") and key != "UTC":
        # A fixed offset has no IANA definition: describe it as one standard period.
        offset = zone.utcoffset(None) or timedelta(0)
        tz = Timezone()
        tz.add("tzid", key)
        std = TimezoneStandard()
        std.add("dtstart", datetime(1970, 1, 1))  # noqa: DTZ001 - VTIMEZONE wants local time
        std.add("tzoffsetfrom", offset)
        std.add("tzoffsetto", offset)
        std.add("tzname", key)
        tz.add_component(std)
        return tz
    return Timezone.from_tzinfo(
        zone, tzid=key, first_date=first - timedelta(days=366), last_date=date(2040, 1, 1)
    )


def series_event(series: MeetingSeries, *, public_url: str, now: datetime) -> Event:
    zone = get_zone(series.home_tz)
    local = series.dtstart.astimezone(zone)
    start = local.replace(tzinfo=zone) if series.home_tz != "UTC" else series.dtstart
    ev = Event()
    ev.add("uid", f"wgbot-{series.team_id}-{series.number}@{_host(public_url)}")
    ev.add("dtstamp", now.astimezone(UTC))
    ev.add("summary", clean(series.name, newlines=False))
    ev.add("dtstart", start)
    ev.add("dtend", start + timedelta(minutes=series.duration_minutes))
    if series.rrule:
        ev.add("rrule", vRecur.from_ical(series.rrule.removeprefix("RRULE:")))
    exdates = [
        datetime.combine(date.fromisoformat(x["date"]), local.time(), tzinfo=zone).replace(
            fold=local.fold
        )
        for x in series.exdates or []
    ]
    # A series that skips public holidays: EXDATEs for those around now (see ics_skipped).
    exdates += [
        datetime.combine(d, local.time(), tzinfo=zone).replace(fold=local.fold)
        for d in ics_skipped(series, now=now)
    ]
    if exdates:
        ev.add("exdate", exdates)
    lines = []
    if series.agenda_url:
        lines.append(f"Agenda: {series.agenda_url}")
    if series.join_url:
        lines.append(f"Join: {series.join_url}")
        ev.add("location", clean(series.join_url, newlines=False))
        ev.add("url", clean(series.join_url, newlines=False))
    skipped = [f"Skipped {x['date']}: {x['reason']}" for x in series.exdates or [] if x["reason"]]
    if series.skip_holidays:
        skipped.append(f"Skips public holidays of {', '.join(series.skip_holidays)}.")
    if lines or skipped:
        ev.add("description", clean("\n".join(lines + skipped)))
    return ev


def calendar(series: list[MeetingSeries], *, name: str, public_url: str, now: datetime) -> bytes:
    """One calendar with every series and the VTIMEZONE of each home zone."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", clean(name, newlines=False))
    seen: set[str] = set()
    for s in series:
        # A rotating series' second slot has its own zone (see bot.meetings.rotation).
        for key in (s.home_tz, *([s.rotation["tz"]] if s.rotation else [])):
            if key not in seen and key != "UTC":
                seen.add(key)
                cal.add_component(_vtimezone(key, get_zone(key), s.dtstart.date()))
    for s in series:
        for ev in rotated_events(s, series_event(s, public_url=public_url, now=now)):
            cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0] or "wgbot"
