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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import UsageError
from bot.slackfmt import escape
from bot.timekit.parse import Taken
from bot.timekit.places import lookup_place
from bot.timekit.tzdb import all_names
from bot.timekit.tzdb import canonical_zone as canonical_zone
from bot.timekit.tzdb import zone_country as zone_country

ZONE_HELP = (
    "an IANA name (Europe/Paris), an offset (UTC+5:30), an abbreviation (PT, CET, IST) "
    "or a city, state or country (Tokyo, New York, Ohio, India)"
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

_OFFSET = re.compile(
    r"^(?:(?:utc|gmt)\s*)?(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$", re.I
)
_BARE_UTC = re.compile(r"^(?:utc|gmt)\s*(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
_KEY_OFFSET = re.compile(r"^UTC(?P<sign>[+-])(?P<h>\d{2}):(?P<m>\d{2})$")


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
    return _resolve(text, usage, loose=True)


def _resolve(text: str, usage: str | None, *, loose: bool) -> ZoneReading:
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
    return _named_zone(written, usage, loose=loose)


def _named_zone(written: str, usage: str | None, *, loose: bool) -> ZoneReading:
    """An IANA name, a legacy name, or a place (city, region, country, "Pacific Time")."""
    if "/" in written:
        proper = all_names().get(written.strip().lower().replace(" ", "_"))
        if proper:
            return ZoneReading(canonical_zone(proper), written)
    place = lookup_place(written, loose=loose)
    if place is not None:
        if place.key is None:
            raise UsageError(place.choice or "That place spans several zones.", usage=usage)
        return ZoneReading(place.key, written, _sentence(place.note))
    proper = all_names().get(written.strip().lower())
    if proper:
        # Legacy one-word names: GB, NZ, PRC, Navajo.
        return ZoneReading(canonical_zone(proper), written)
    raise UsageError(f"Unknown time zone `{escape(written[:60])}`; use {ZONE_HELP}.", usage=usage)


def _sentence(note: str | None) -> str | None:
    if not note:
        return None
    note = note[0].upper() + note[1:]
    return note if note.endswith(".") else note + "."


_TRAILING = ",.;:)]}!?\"'”’"
_LEADING = "([{\"'“‘"


def find_zone(words: list[str], i: int) -> Taken[ZoneReading] | None:
    """The longest zone or place name starting at ``words[i]`` (up to 4 words); never raises.

    Reads what :func:`resolve_zone` reads, with punctuation around the words dropped
    (``Paris,`` ``(PDT)``). In running text it is stricter: abbreviations count only in
    capitals (``ET``, not ``et``), and a single lower-case word that is also a common
    English word (``us``, ``central``, ``mobile``, ``reading``) is not read as a place.
    A place spanning several zones (``Texas``, ``the United States``) gives None: the
    caller has no zone to use and the sentence goes on.
    """
    for n in range(min(4, len(words) - i), 0, -1):
        parts = [w.strip() for w in words[i : i + n]]
        parts[0] = parts[0].lstrip(_LEADING)
        parts[-1] = parts[-1].rstrip(_TRAILING)
        if not all(parts) or any(p[-1:] == ";" for p in parts[:-1]):
            continue
        text = " ".join(parts)
        if n == 1 and not _plausible_word(text):
            continue
        try:
            reading = _resolve(text, None, loose=False)
        except UsageError:
            continue
        return Taken(reading, n)
    return None


# Short or common words that are also a zone abbreviation, a place or a zone's name.
_WORDS = (
    # zone names and abbreviations that are words
    "us la act eat art cat wat central eastern western mountain pacific atlantic "
    "universal greenwich zulu "
    # cities of 100,000 that are words (data/cities.tsv)
    "man van sale mobile reading surprise independence orange nice split hue best bath "
    "deal temple norman mission bo ho of aba ede ube ise oyo ife victoria lincoln "
    "columbia concord providence paradise enterprise metro delta mary ann mango derby "
    "hub kent male san vista bush pest lira ruse tyre pare salem tours york "
    # people's names that are cities or states
    "gary jackson georgia washington troy"
)
_COMMON_WORDS = frozenset(_WORDS.split())


def _plausible_word(word: str) -> bool:
    upper = word.upper()
    if upper in ABBREVIATIONS:
        return word.isupper() or word.lower() in ("utc", "gmt")
    if word.islower() and word in _COMMON_WORDS:
        return False
    return any(c.isalpha() for c in word) or word[:1] in "+-\u2212"


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


def profile_zone(text: str) -> str:
    """A person's zone as a Slack profile holds it: a canonical IANA name, never an offset.

    Reads what :func:`resolve_zone` reads (``Zürich``, ``Pacific Time``, ``Asia/Calcutta``);
    raises UsageError for a fixed offset or a place spanning several zones.
    """
    reading = resolve_zone(text)
    if _KEY_OFFSET.match(reading.key):
        raise UsageError(
            f"`{escape(text.strip()[:60])}` is a fixed offset; a person's zone is a place "
            "or an IANA name like Asia/Tokyo, so that it follows daylight saving time."
        )
    return reading.key


def split_zones(text: str) -> list[str]:
    """A list of zones as written, cut at commas and "and" but not inside one name.

    ``Portland, Maine and Trinidad and Tobago, Zürich`` -> ``Portland, Maine``,
    ``Trinidad and Tobago``, ``Zürich``.
    """
    pieces = [p.strip() for p in re.split(r"(,|\band\b)", text)]
    found: list[str] = []
    i = 0
    while i < len(pieces):
        part = pieces[i]
        # Join the next piece while the joined words still name one place.
        while i + 2 < len(pieces) and part and pieces[i + 2]:
            sep = ", " if pieces[i + 1] == "," else " and "
            joined = part + sep + pieces[i + 2]
            if lookup_place(joined, loose=False) is None:
                break
            part = joined
            i += 2
        if part:
            found.append(part)
        i += 2
    return found
