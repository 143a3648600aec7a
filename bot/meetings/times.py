"""/meeting times: one wall-clock time read in a zone and shown in others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.meetings.grammar import TIMES_USAGE, TimesRequest
from bot.timekit.dst import localize
from bot.timekit.zones import ZoneReading, season_note


@dataclass(frozen=True)
class Conversion:
    """The time in its source zone, and the zones (with their members) to show it in."""

    source: ZoneReading
    aware: datetime
    zones: dict[str, list[str]]
    notes: list[str]
    warnings: list[str]


def convert_time(
    session: Session,
    *,
    directory: Directory,
    team_id: str,
    channel_id: str,
    request: TimesRequest,
    own_tz: str,
) -> Conversion:
    """Read the request's time (in `own_tz` when it names no zone); no targets: the channel's zones."""
    notes: list[str] = []
    source = request.zone or ZoneReading(own_tz, own_tz)
    if request.zone is None:
        notes.append(f"No zone given: read in your Slack time zone, {own_tz}.")
    aware = localize(request.naive, source.key, TIMES_USAGE)
    warnings = list(request.warnings)
    for reading in (source, *request.targets):
        if reading.note:
            notes.append(reading.note)
    season = season_note(source, aware)
    if season:
        warnings.append(season)
    if request.targets:
        zones: dict[str, list[str]] = {}
        for r in request.targets:
            zones.setdefault(r.key, [])
    else:
        # A read: the directory answers without storing what it fetched.
        zones = directory.member_zones(session, team_id, channel_id, store=False)
        if not zones:
            zones = {"UTC": []}
    return Conversion(source, aware, zones, list(dict.fromkeys(notes)), warnings)
