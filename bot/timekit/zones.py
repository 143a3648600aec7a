"""Time-zone names as people write them: IANA names, UTC offsets, abbreviations, places.

Every reading resolves to a zone *key*: an IANA name, or ``UTC+05:30`` for a fixed
offset. Meetings store the key, never an offset taken on one day, so their wall-clock
time follows the home zone's daylight-saving rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import UsageError
from bot.slackfmt import escape

ZONE_HELP = (
    "an IANA name (Europe/Paris), an offset (UTC+5:30), an abbreviation (PT, CET, IST) "
    "or a city or country (Tokyo, New York, India)"
)


@dataclass(frozen=True)
class ZoneReading:
    """How a zone name was understood: the key, and a note when a choice was made."""

    key: str
    written: str
    note: str | None = None
    # For abbreviations that name one season (PST vs PDT): True = summer time meant.
    season_dst: bool | None = None


# abbreviation -> (zone key, season meant (None: either), other readings when ambiguous)
ABBREVIATIONS: dict[str, tuple[str, bool | None, str | None]] = {
    "UTC": ("UTC", None, None),
    "Z": ("UTC", None, None),
    "GMT": ("UTC", None, None),
    "PT": ("America/Los_Angeles", None, None),
    "PST": ("America/Los_Angeles", False, None),
    "PDT": ("America/Los_Angeles", True, None),
    "MT": ("America/Denver", None, None),
    "MST": ("America/Denver", False, "Arizona keeps MST all year (America/Phoenix)"),
    "MDT": ("America/Denver", True, None),
    "CT": ("America/Chicago", None, None),
    "CST": ("America/Chicago", False, "China Standard Time (Asia/Shanghai), Cuba"),
    "CDT": ("America/Chicago", True, None),
    "ET": ("America/New_York", None, None),
    "EST": ("America/New_York", False, None),
    "EDT": ("America/New_York", True, None),
    "AKST": ("America/Anchorage", False, None),
    "AKDT": ("America/Anchorage", True, None),
    "HST": ("Pacific/Honolulu", None, None),
    "AST": ("America/Halifax", False, "Arabia Standard Time (Asia/Riyadh)"),
    "ADT": ("America/Halifax", True, None),
    "NST": ("America/St_Johns", False, None),
    "NDT": ("America/St_Johns", True, None),
    "BRT": ("America/Sao_Paulo", None, None),
    "ART": ("America/Argentina/Buenos_Aires", None, None),
    "WET": ("Europe/Lisbon", False, None),
    "WEST": ("Europe/Lisbon", True, None),
    "BST": ("Europe/London", True, "Bangladesh Standard Time (Asia/Dhaka)"),
    "IST": ("Asia/Kolkata", None, "Irish Standard Time (Europe/Dublin), Israel (Asia/Jerusalem)"),
    "CET": ("Europe/Paris", False, None),
    "CEST": ("Europe/Paris", True, None),
    "EET": ("Europe/Athens", False, None),
    "EEST": ("Europe/Athens", True, None),
    "MSK": ("Europe/Moscow", None, None),
    "GST": ("Asia/Dubai", None, "South Georgia Time (Atlantic/South_Georgia)"),
    "PKT": ("Asia/Karachi", None, None),
    "NPT": ("Asia/Kathmandu", None, None),
    "ICT": ("Asia/Bangkok", None, None),
    "WIB": ("Asia/Jakarta", None, None),
    "SGT": ("Asia/Singapore", None, None),
    "HKT": ("Asia/Hong_Kong", None, None),
    "JST": ("Asia/Tokyo", None, None),
    "KST": ("Asia/Seoul", None, None),
    "AEST": ("Australia/Sydney", False, None),
    "AEDT": ("Australia/Sydney", True, None),
    "AET": ("Australia/Sydney", None, None),
    "ACST": ("Australia/Adelaide", False, None),
    "ACDT": ("Australia/Adelaide", True, None),
    "AWST": ("Australia/Perth", None, None),
    "NZST": ("Pacific/Auckland", False, None),
    "NZDT": ("Pacific/Auckland", True, None),
    "NZT": ("Pacific/Auckland", None, None),
    "SAST": ("Africa/Johannesburg", None, None),
    "WAT": ("Africa/Lagos", None, None),
    "CAT": ("Africa/Maputo", None, None),
    "EAT": ("Africa/Nairobi", None, None),
}

# Places that are not the last part of an IANA name, and countries.
# (zone key, note when the place spans several zones)
PLACES: dict[str, tuple[str, str | None]] = {
    "nyc": ("America/New_York", None),
    "washington": ("America/New_York", None),
    "washington dc": ("America/New_York", None),
    "dc": ("America/New_York", None),
    "boston": ("America/New_York", None),
    "atlanta": ("America/New_York", None),
    "miami": ("America/New_York", None),
    "philadelphia": ("America/New_York", None),
    "pittsburgh": ("America/New_York", None),
    "houston": ("America/Chicago", None),
    "dallas": ("America/Chicago", None),
    "austin": ("America/Chicago", None),
    "minneapolis": ("America/Chicago", None),
    "boulder": ("America/Denver", None),
    "salt lake city": ("America/Denver", None),
    "san francisco": ("America/Los_Angeles", None),
    "sf": ("America/Los_Angeles", None),
    "la": ("America/Los_Angeles", None),
    "seattle": ("America/Los_Angeles", None),
    "portland": ("America/Los_Angeles", None),
    "san jose": ("America/Los_Angeles", None),
    "san diego": ("America/Los_Angeles", None),
    "livermore": ("America/Los_Angeles", None),
    "montreal": ("America/Toronto", None),
    "ottawa": ("America/Toronto", None),
    "munich": ("Europe/Berlin", None),
    "frankfurt": ("Europe/Berlin", None),
    "hamburg": ("Europe/Berlin", None),
    "geneva": ("Europe/Zurich", None),
    "barcelona": ("Europe/Madrid", None),
    "milan": ("Europe/Rome", None),
    "edinburgh": ("Europe/London", None),
    "manchester": ("Europe/London", None),
    "cambridge": ("Europe/London", None),
    "delhi": ("Asia/Kolkata", None),
    "new delhi": ("Asia/Kolkata", None),
    "mumbai": ("Asia/Kolkata", None),
    "bangalore": ("Asia/Kolkata", None),
    "bengaluru": ("Asia/Kolkata", None),
    "chennai": ("Asia/Kolkata", None),
    "hyderabad": ("Asia/Kolkata", None),
    "pune": ("Asia/Kolkata", None),
    "beijing": ("Asia/Shanghai", None),
    "shenzhen": ("Asia/Shanghai", None),
    "osaka": ("Asia/Tokyo", None),
    "kyoto": ("Asia/Tokyo", None),
    "tel aviv": ("Asia/Jerusalem", None),
    "abu dhabi": ("Asia/Dubai", None),
    "canberra": ("Australia/Sydney", None),
    "wellington": ("Pacific/Auckland", None),
    "rio": ("America/Sao_Paulo", None),
    "rio de janeiro": ("America/Sao_Paulo", None),
    "cape town": ("Africa/Johannesburg", None),
    # countries with one zone
    "india": ("Asia/Kolkata", None),
    "japan": ("Asia/Tokyo", None),
    "china": ("Asia/Shanghai", None),
    "korea": ("Asia/Seoul", None),
    "south korea": ("Asia/Seoul", None),
    "taiwan": ("Asia/Taipei", None),
    "nepal": ("Asia/Kathmandu", None),
    "pakistan": ("Asia/Karachi", None),
    "bangladesh": ("Asia/Dhaka", None),
    "sri lanka": ("Asia/Colombo", None),
    "thailand": ("Asia/Bangkok", None),
    "vietnam": ("Asia/Ho_Chi_Minh", None),
    "philippines": ("Asia/Manila", None),
    "malaysia": ("Asia/Kuala_Lumpur", None),
    "israel": ("Asia/Jerusalem", None),
    "uae": ("Asia/Dubai", None),
    "saudi arabia": ("Asia/Riyadh", None),
    "turkey": ("Europe/Istanbul", None),
    "france": ("Europe/Paris", None),
    "germany": ("Europe/Berlin", None),
    "italy": ("Europe/Rome", None),
    "spain": ("Europe/Madrid", "the Canary Islands are an hour behind"),
    "portugal": ("Europe/Lisbon", "the Azores are an hour behind"),
    "netherlands": ("Europe/Amsterdam", None),
    "belgium": ("Europe/Brussels", None),
    "switzerland": ("Europe/Zurich", None),
    "austria": ("Europe/Vienna", None),
    "poland": ("Europe/Warsaw", None),
    "czechia": ("Europe/Prague", None),
    "czech republic": ("Europe/Prague", None),
    "sweden": ("Europe/Stockholm", None),
    "norway": ("Europe/Oslo", None),
    "denmark": ("Europe/Copenhagen", None),
    "finland": ("Europe/Helsinki", None),
    "greece": ("Europe/Athens", None),
    "ukraine": ("Europe/Kyiv", None),
    "ireland": ("Europe/Dublin", None),
    "uk": ("Europe/London", None),
    "united kingdom": ("Europe/London", None),
    "britain": ("Europe/London", None),
    "great britain": ("Europe/London", None),
    "england": ("Europe/London", None),
    "scotland": ("Europe/London", None),
    "new zealand": ("Pacific/Auckland", None),
    "south africa": ("Africa/Johannesburg", None),
    "nigeria": ("Africa/Lagos", None),
    "kenya": ("Africa/Nairobi", None),
    "egypt": ("Africa/Cairo", None),
    "argentina": ("America/Argentina/Buenos_Aires", None),
    "colombia": ("America/Bogota", None),
    "peru": ("America/Lima", None),
    "singapore": ("Asia/Singapore", None),
    "hong kong": ("Asia/Hong_Kong", None),
    # countries with several zones: the reading is named in the answer
    "usa": ("America/New_York", "the US spans several zones"),
    "us": ("America/New_York", "the US spans several zones"),
    "united states": ("America/New_York", "the US spans several zones"),
    "america": ("America/New_York", "the US spans several zones"),
    "canada": ("America/Toronto", "Canada spans several zones"),
    "mexico": ("America/Mexico_City", "Mexico spans several zones"),
    "brazil": ("America/Sao_Paulo", "Brazil spans several zones"),
    "australia": ("Australia/Sydney", "Australia spans several zones"),
    "russia": ("Europe/Moscow", "Russia spans several zones"),
    "indonesia": ("Asia/Jakarta", "Indonesia spans several zones"),
    "chile": ("America/Santiago", "Easter Island differs"),
}

_OFFSET = re.compile(
    r"^(?:(?:utc|gmt)\s*)?(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.I
)
_BARE_UTC = re.compile(r"^(?:utc|gmt)\s*(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_KEY_OFFSET = re.compile(r"^UTC(?P<sign>[+-])(?P<h>\d{2}):(?P<m>\d{2})$")


def _normal(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower())


@cache
def _iana_index() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-cased IANA names, and unambiguous city parts (``new york`` -> America/New_York)."""
    names: dict[str, str] = {}
    tails: dict[str, str | None] = {}
    areas = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/")
    for key in sorted(available_timezones()):
        names[key.lower()] = key
        if key.startswith((*areas, "Pacific/")):
            tail = _normal(key.rsplit("/", 1)[1])
            tails[tail] = None if tail in tails and tails[tail] != key else key
    return names, {t: k for t, k in tails.items() if k is not None}


def offset_key(minutes: int) -> str:
    """The key of a fixed offset: ``UTC+05:30``."""
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


@cache
def get_zone(key: str) -> tzinfo:
    """The tzinfo of a zone key (an IANA name or ``UTC±HH:MM``)."""
    m = _KEY_OFFSET.match(key)
    if m:
        minutes = int(m["h"]) * 60 + int(m["m"])
        return timezone(timedelta(minutes=-minutes if m["sign"] == "-" else minutes), key)
    return ZoneInfo(key)


def is_zone_key(key: str) -> bool:
    try:
        get_zone(key)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def resolve_zone(text: str, usage: str | None = None) -> ZoneReading:
    """Understand a zone as written, or raise UsageError naming what was not understood."""
    written = text.strip()
    if not written:
        raise UsageError("No time zone given.", usage=usage)
    upper = written.upper()
    if upper in ABBREVIATIONS:
        key, season, others = ABBREVIATIONS[upper]
        note = None
        if others:
            note = f"{upper} is ambiguous; read as {key} (not {others})."
        return ZoneReading(key, written, note, season)
    m = _OFFSET.match(written)
    if m and (written[0] in "+-\u2212" or _BARE_UTC.match(written.lower())):
        h, mins = int(m["h"]), int(m["m"] or 0)
        if h > 14 or mins >= 60 or (h == 14 and mins):
            raise UsageError(
                f"`{escape(written)}` is not a valid UTC offset (−12 to +14).", usage=usage
            )
        total = h * 60 + mins
        total = -total if m["sign"] in "-\u2212" else total
        key = "UTC" if total == 0 else offset_key(total)
        note = (
            None
            if total == 0
            else f"{key} is a fixed offset: it does not follow daylight saving time."
        )
        return ZoneReading(key, written, note)
    names, tails = _iana_index()
    low = written.lower()
    place = _normal(written)
    # Places first: IANA keeps legacy one-word links ("Japan", "Singapore") we'd rather not show.
    if place in PLACES:
        key, why = PLACES[place]
        note = f"{why}; used {key}. Name a city to choose another." if why else None
        return ZoneReading(key, written, note)
    if "/" in low and low in names:
        return ZoneReading(names[low], written)
    if place in tails:
        return ZoneReading(tails[place], written)
    if low in names:
        return ZoneReading(names[low], written)
    raise UsageError(f"Unknown time zone `{escape(written[:60])}`; use {ZONE_HELP}.", usage=usage)


def season_note(reading: ZoneReading, when: datetime) -> str | None:
    """A warning when e.g. PST was written for a date on which Pacific time is PDT."""
    if reading.season_dst is None:
        return None
    zone = get_zone(reading.key)
    local = when.astimezone(zone)
    is_dst = bool(local.dst())
    if is_dst == reading.season_dst:
        return None
    return (
        f"You wrote {reading.written.upper()}, but on {local:%Y-%m-%d} {reading.key} is on "
        f"{local.tzname()} ({utc_offset_label(local)}); I used the zone's actual time."
    )


def utc_offset_label(when: datetime) -> str:
    """``UTC+05:45``, ``UTC-07:00`` or ``UTC`` for an aware datetime."""
    off = when.utcoffset()
    if off is None or not off:
        return "UTC"
    return offset_key(int(off.total_seconds() // 60))


def zone_label(key: str) -> str:
    """A short readable name: the city of an IANA key, or the offset."""
    if key.startswith("UTC") or "/" not in key:
        return key
    return key.rsplit("/", 1)[1].replace("_", " ")
