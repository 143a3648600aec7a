"""Places people name instead of a zone: cities, countries, states, "Pacific Time".

One lookup, :func:`lookup_place`, answers for every command. What it knows:

- the English names of zones (Pacific Time, Central European Time, India Standard Time);
- every US state, Canadian province and territory and Australian state (tables below);
- every country (tzdata's ``iso3166.tab`` plus common English forms: USA, UK, Holland);
- the cities of 100,000 people or more (``data/cities.tsv``, built from GeoNames by
  ``scripts/build_places.py``): a name several cities share goes to the largest, and
  the answer says so and names the others;
- the last part of every IANA name (``Buenos Aires``, ``Indianapolis``);
- a city with its state or country (``Portland, Maine``, ``Cambridge MA``).

A place that spans several zones answers with the choice, never a guess: a
:class:`Place` without a key, whose ``choice`` names the options. Where one zone is the
time of nearly everyone and the rest has no city of 100,000 (Michigan's four Central
counties, Saskatchewan's Lloydminster) or is offshore islands (Spain's Canary Islands,
Portugal's Azores, Alaska's Aleutians) the place reads as the main zone with a note
naming the exception. A country's zones come from ``zone.tab``: zones whose clocks
agree all year (Germany's Berlin and Busingen) are one zone.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.timekit.tzdb import (
    all_names,
    canonical_zone,
    country_names,
    country_zones,
    offsets_over_a_year,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """What a place name means: a zone (maybe with a note), or a choice to offer."""

    key: str | None
    note: str | None = None
    choice: str | None = None


@dataclass(frozen=True)
class City:
    zone: str
    population: int
    place: str  # "Portland, Oregon"
    others: tuple[tuple[str, str], ...]  # same-named cities elsewhere: (place, zone)


_FOLD_EXTRA = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d"}
)


def fold(text: str) -> str:
    """Accents, case, dots, apostrophes and ``_``/``-`` folded: ``Zürich`` -> ``zurich``."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[.'’`]", "", text)
    text = re.sub(r"[\s_\-,]+", " ", text)
    return text.strip()


# -- the English names of zones ---------------------------------------------------------

_US_ZONES = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
    "hawaii aleutian": "Pacific/Honolulu",
    "atlantic": "America/Halifax",
    "newfoundland": "America/St_Johns",
    # "Alaska", "Hawaii", "Arizona" (time) are the states: see US_STATES.
}
_NAMED_ZONES = {
    "central european": "Europe/Paris",
    "central europe": "Europe/Paris",
    "eastern european": "Europe/Athens",
    "western european": "Europe/Lisbon",
    "british": "Europe/London",
    "british summer": "Europe/London",
    "uk": "Europe/London",
    "irish": "Europe/Dublin",
    "irish standard": "Europe/Dublin",
    "greenwich mean": "UTC",
    "greenwich": "UTC",
    "coordinated universal": "UTC",
    "universal": "UTC",
    "zulu": "UTC",
    "moscow": "Europe/Moscow",
    "india": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "india standard": "Asia/Kolkata",
    "indian standard": "Asia/Kolkata",
    "japan": "Asia/Tokyo",
    "japan standard": "Asia/Tokyo",
    "china": "Asia/Shanghai",
    "china standard": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "korea": "Asia/Seoul",
    "korea standard": "Asia/Seoul",
    "korean standard": "Asia/Seoul",
    "singapore": "Asia/Singapore",
    "hong kong": "Asia/Hong_Kong",
    "philippine": "Asia/Manila",
    "pakistan standard": "Asia/Karachi",
    "gulf": "Asia/Dubai",
    "gulf standard": "Asia/Dubai",
    "arabia standard": "Asia/Riyadh",
    "arabian standard": "Asia/Riyadh",
    "israel": "Asia/Jerusalem",
    "israel standard": "Asia/Jerusalem",
    "east africa": "Africa/Nairobi",
    "west africa": "Africa/Lagos",
    "central africa": "Africa/Maputo",
    "south africa standard": "Africa/Johannesburg",
    "brasilia": "America/Sao_Paulo",
    "argentina": "America/Argentina/Buenos_Aires",
    "australian eastern": "Australia/Sydney",
    "australian eastern standard": "Australia/Sydney",
    "australian eastern daylight": "Australia/Sydney",
    "australian central": "Australia/Adelaide",
    "australian central standard": "Australia/Adelaide",
    "australian western": "Australia/Perth",
    "australian western standard": "Australia/Perth",
    "new zealand": "Pacific/Auckland",
    "new zealand standard": "Pacific/Auckland",
    "new zealand daylight": "Pacific/Auckland",
}


@cache
def _zone_names() -> dict[str, str]:
    """``pacific``, ``pacific time``, ``pacific standard time`` ... -> zone."""
    names: dict[str, str] = {}
    for base, key in _US_ZONES.items():
        # "Eastern" alone is the US zone; "Pacific Time", "US Eastern" too.
        for form in (base, f"us {base}", f"north american {base}"):
            names[form] = key
            for tail in ("time", "time zone", "standard time", "daylight time"):
                names[f"{form} {tail}"] = key
    for base, key in _NAMED_ZONES.items():
        if " " in base:
            # "Australian Eastern", "Central European": not ordinary words alone.
            names[base] = key
        for tail in ("time", "time zone", "standard time", "daylight time", "summer time"):
            names[f"{base} {tail}"] = key
    names.update({"greenwich mean time": "UTC", "coordinated universal time": "UTC"})
    return names


# -- places that are not one city ----------------------------------------------------------

_NY, _CHI, _DEN, _LA = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)

_SPECIAL: dict[str, tuple[str, str | None]] = {
    "nyc": (_NY, None),
    "new york city": (_NY, None),
    "dc": (_NY, None),
    "washington dc": (_NY, None),
    "washington d c": (_NY, None),
    "district of columbia": (_NY, None),
    "washington": (
        _NY,
        "Washington read as Washington, D.C. (America/New_York); "
        "for Washington State say America/Los_Angeles",
    ),
    "washington state": (_LA, None),
    "sf": (_LA, None),
    "san francisco bay area": (_LA, None),
    "bay area": (_LA, None),
    "silicon valley": (_LA, None),
    "la": (_LA, None),
    "rio": ("America/Sao_Paulo", None),
    # Towns under the city index's 100,000 people that this bot's users work in.
    "livermore": (_LA, None),
    "palo alto": (_LA, None),
    "mountain view": (_LA, None),
    "menlo park": (_LA, None),
    "cupertino": (_LA, None),
    "redmond": (_LA, None),
    "hillsboro": (_LA, None),
    "los alamos": (_DEN, None),
    "oak ridge": (_NY, None),
    "princeton": (_NY, None),
    "armonk": (_NY, None),
    "chapel hill": (_NY, None),
    "urbana": (_CHI, None),
    "champaign": (_CHI, None),
    "argonne": (_CHI, None),
    "england": ("Europe/London", None),
    "scotland": ("Europe/London", None),
    "wales": ("Europe/London", None),
    "northern ireland": ("Europe/London", None),
}

# A region spanning several zones: (option as people say it, zone), the largest first.
_Options = tuple[tuple[str, str], ...]
_Region = str | tuple[str, str] | _Options  # zone | (zone, note) | options

US_STATES: dict[str, _Region] = {
    "alabama": _CHI,
    "alaska": (
        "America/Anchorage",
        "the western Aleutian Islands keep Hawaii-Aleutian time (America/Adak)",
    ),
    "arizona": (
        "America/Phoenix",
        "Arizona keeps standard time all year; the Navajo Nation keeps daylight saving "
        "time (America/Denver)",
    ),
    "arkansas": _CHI,
    "california": _LA,
    "colorado": _DEN,
    "connecticut": _NY,
    "delaware": _NY,
    "florida": (("Eastern (Miami)", _NY), ("Central (Pensacola)", _CHI)),
    "georgia": (
        _NY,
        "Georgia read as the US state (America/New_York); for the country say Asia/Tbilisi",
    ),
    "hawaii": "Pacific/Honolulu",
    "idaho": (("Mountain (Boise)", "America/Boise"), ("Pacific (Coeur d'Alene)", _LA)),
    "illinois": _CHI,
    "indiana": (
        ("Eastern (Indianapolis)", "America/Indiana/Indianapolis"),
        ("Central (Evansville, Gary)", _CHI),
    ),
    "iowa": _CHI,
    "kansas": (_CHI, "four western counties keep Mountain time (America/Denver)"),
    "kentucky": (
        ("Eastern (Louisville)", "America/Kentucky/Louisville"),
        ("Central (Bowling Green)", _CHI),
    ),
    "louisiana": _CHI,
    "maine": _NY,
    "maryland": _NY,
    "massachusetts": _NY,
    "michigan": (
        "America/Detroit",
        "four counties bordering Wisconsin keep Central time (America/Menominee)",
    ),
    "minnesota": _CHI,
    "mississippi": _CHI,
    "missouri": _CHI,
    "montana": _DEN,
    "nebraska": (_CHI, "the western panhandle keeps Mountain time (America/Denver)"),
    "nevada": _LA,
    "new hampshire": _NY,
    "new jersey": _NY,
    "new mexico": _DEN,
    "new york": _NY,
    "new york state": _NY,
    "north carolina": _NY,
    "north dakota": (_CHI, "the south-west keeps Mountain time (America/Denver)"),
    "ohio": _NY,
    "oklahoma": _CHI,
    "oregon": (_LA, "most of Malheur County keeps Mountain time (America/Boise)"),
    "pennsylvania": _NY,
    "rhode island": _NY,
    "south carolina": _NY,
    "south dakota": (("Central (Sioux Falls)", _CHI), ("Mountain (Rapid City)", _DEN)),
    "tennessee": (("Central (Nashville, Memphis)", _CHI), ("Eastern (Knoxville)", _NY)),
    "texas": (("Central (Houston, Dallas)", _CHI), ("Mountain (El Paso)", _DEN)),
    "utah": _DEN,
    "vermont": _NY,
    "virginia": _NY,
    "west virginia": _NY,
    "wisconsin": _CHI,
    "wyoming": _DEN,
}

CA_PROVINCES: dict[str, _Region] = {
    "alberta": "America/Edmonton",
    "british columbia": (
        "America/Vancouver",
        "the Peace River region and the East Kootenays keep Mountain time "
        "(America/Dawson_Creek, America/Edmonton)",
    ),
    "manitoba": "America/Winnipeg",
    "new brunswick": "America/Moncton",
    "newfoundland and labrador": (
        "America/St_Johns",
        "most of Labrador keeps Atlantic time (America/Goose_Bay)",
    ),
    "labrador": "America/Goose_Bay",
    "nova scotia": "America/Halifax",
    "ontario": (
        "America/Toronto",
        "the north-west beyond Thunder Bay keeps Central time (America/Winnipeg)",
    ),
    "prince edward island": "America/Halifax",
    "pei": "America/Halifax",
    "quebec": "America/Toronto",
    "saskatchewan": (
        "America/Regina",
        "Saskatchewan keeps Central Standard Time all year; Lloydminster keeps Alberta "
        "time (America/Edmonton)",
    ),
    "yukon": "America/Whitehorse",
    "northwest territories": "America/Edmonton",
    "nunavut": (
        ("Eastern (Iqaluit)", "America/Iqaluit"),
        ("Central (Rankin Inlet)", "America/Rankin_Inlet"),
        ("Mountain (Cambridge Bay)", "America/Cambridge_Bay"),
    ),
}
# GeoNames admin1 codes of the provinces, to name a Canadian city's province.
CA_PROVINCE_CODES = {
    "01": "Alberta",
    "02": "British Columbia",
    "03": "Manitoba",
    "04": "New Brunswick",
    "05": "Newfoundland and Labrador",
    "07": "Nova Scotia",
    "08": "Ontario",
    "09": "Prince Edward Island",
    "10": "Quebec",
    "11": "Saskatchewan",
    "12": "Yukon",
    "13": "Northwest Territories",
    "14": "Nunavut",
}

AU_STATES: dict[str, _Region] = {
    "new south wales": "Australia/Sydney",
    "nsw": "Australia/Sydney",
    "victoria": "Australia/Melbourne",
    "queensland": "Australia/Brisbane",
    "south australia": "Australia/Adelaide",
    "western australia": "Australia/Perth",
    "tasmania": "Australia/Hobart",
    "northern territory": "Australia/Darwin",
    "australian capital territory": "Australia/Sydney",
    "act": "Australia/Sydney",
}

# -- countries ---------------------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "us of a": "US",
    "united states of america": "US",
    "the united states": "US",
    "the us": "US",
    "the usa": "US",
    "america": "US",
    "uk": "GB",
    "the uk": "GB",
    "united kingdom": "GB",
    "britain": "GB",
    "great britain": "GB",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "uae": "AE",
    "emirates": "AE",
    "the emirates": "AE",
    "holland": "NL",
    "the netherlands": "NL",
    "czechia": "CZ",
    "russian federation": "RU",
    "turkiye": "TR",
    "ivory coast": "CI",
    "burma": "MM",
    "myanmar": "MM",
    "macedonia": "MK",
    "swaziland": "SZ",
    "eswatini": "SZ",
    "cabo verde": "CV",
    "vatican": "VA",
    "timor leste": "TL",
    "drc": "CD",
    "dr congo": "CD",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "central african republic": "CF",
    "viet nam": "VN",
    "palestinian territories": "PS",
    "taiwan roc": "TW",
    "samoa": "WS",
    "american samoa": "AS",
    "micronesia": "FM",
    "macao": "MO",
    "reunion": "RE",
    "curacao": "CW",
    "british virgin islands": "VG",
    "us virgin islands": "VI",
}
# Names two countries share: the answer asks which.
_TWO_COUNTRIES = {
    "congo": "Congo may be DR Congo (Kinshasa, Lubumbashi) or the Republic of the Congo "
    "(Brazzaville): name a city.",
    "virgin islands": "The Virgin Islands may be the British (Tortola) or the US ones "
    "(St Thomas): name one, or America/Tortola or America/St_Thomas.",
}
# Countries whose tzdata name is not what English speakers say.
_COUNTRY_SAY = {
    "US": "United States",
    "GB": "United Kingdom",
    "CD": "DR Congo",
    "CG": "Republic of the Congo",
    "KR": "South Korea",
    "KP": "North Korea",
    "MM": "Myanmar",
    "SZ": "Eswatini",
    "AS": "American Samoa",
    "WS": "Samoa",
    "VG": "British Virgin Islands",
    "VI": "US Virgin Islands",
}
_WITH_THE = frozenset({"US", "GB", "NL", "PH", "BS", "GM", "AE", "CF", "DO", "CZ"})


def country_say(code: str) -> str:
    """A country's English name without tzdata's parentheses: ``United Kingdom``."""
    name = _COUNTRY_SAY.get(code) or country_names().get(code, code)
    return re.sub(r"\s*\(.*\)", "", name).replace(" & ", " and ")


# Countries whose choice is best written by hand: the zones as people there name them.
_COUNTRY_CHOICES: dict[str, _Options] = {
    "US": (
        ("Eastern (New York)", _NY),
        ("Central (Chicago)", _CHI),
        ("Mountain (Denver)", _DEN),
        ("Arizona (Phoenix)", "America/Phoenix"),
        ("Pacific (Los Angeles)", _LA),
        ("Alaska", "America/Anchorage"),
        ("Hawaii", "Pacific/Honolulu"),
    ),
    "CA": (
        ("Newfoundland (St. John's)", "America/St_Johns"),
        ("Atlantic (Halifax)", "America/Halifax"),
        ("Eastern (Toronto)", "America/Toronto"),
        ("Central (Winnipeg)", "America/Winnipeg"),
        ("Saskatchewan (Regina)", "America/Regina"),
        ("Mountain (Edmonton)", "America/Edmonton"),
        ("Pacific (Vancouver)", "America/Vancouver"),
    ),
    # "Central" alone is the US zone: the options say "Australian Central".
    "AU": (
        ("Australian Eastern (Sydney, Melbourne)", "Australia/Sydney"),
        ("Queensland (Brisbane)", "Australia/Brisbane"),
        ("Australian Central (Adelaide)", "Australia/Adelaide"),
        ("Northern Territory (Darwin)", "Australia/Darwin"),
        ("Western Australia (Perth)", "Australia/Perth"),
    ),
}
# Countries read as their main zone although zone.tab lists others (see the module doc).
_COUNTRY_MAIN: dict[str, tuple[str, str | None]] = {
    "ES": ("Europe/Madrid", "the Canary Islands are an hour behind (Atlantic/Canary)"),
    "PT": ("Europe/Lisbon", "the Azores are an hour behind (Atlantic/Azores)"),
    "EC": ("America/Guayaquil", "the Galápagos are an hour behind (Pacific/Galapagos)"),
    "NZ": ("Pacific/Auckland", "the Chatham Islands are 45 minutes ahead (Pacific/Chatham)"),
    "CN": (
        "Asia/Shanghai",
        "China keeps one official time; Xinjiang also uses UTC+6 (Asia/Urumqi)",
    ),
    "UA": ("Europe/Kyiv", None),
    "PG": ("Pacific/Port_Moresby", "Bougainville is an hour ahead (Pacific/Bougainville)"),
    "GB": ("Europe/London", None),
}


@cache
def _country_index() -> dict[str, str]:
    """Folded country name -> ISO code: tzdata's names, their parts, common English forms."""
    index: dict[str, str] = {}
    for code, name in country_names().items():
        plain = name.replace("&", "and")
        forms = {plain, re.sub(r"\s*\(.*\)", "", plain)}
        inner = re.search(r"\((.*)\)", plain)
        if inner and code in ("GB", "MM", "SZ"):
            forms.add(inner[1])
        if plain.startswith("St "):
            forms |= {"Saint " + plain[3:], "St. " + plain[3:]}
        for form in forms:
            index.setdefault(fold(form), code)
    # Names that are two countries' shared part ("Congo", "Korea", "Samoa") are resolved
    # by the aliases below, not by whichever came first.
    for shared in ("congo", "virgin islands", "samoa", "korea"):
        index.pop(shared, None)
    index.update({fold(k): v for k, v in _COUNTRY_ALIASES.items()})
    return index


def _say_country(code: str) -> str:
    """The country as a sentence starts with it: ``The United States``."""
    return ("The " if code in _WITH_THE else "") + country_say(code)


def _options_text(options: _Options) -> str:
    return ", ".join(label for label, _zone in options)


def _choice(name: str, options: _Options) -> Place:
    return Place(
        None,
        choice=f"{name} spans several zones: name one of {_options_text(options)} — or a city.",
    )


def _offset_text(key: str) -> str:
    """``UTC+5:30``, or ``UTC−4/−3`` for a zone with daylight saving time."""

    def one(minutes: int) -> str:
        h, m = divmod(abs(minutes), 60)
        return ("−" if minutes < 0 else "+") + str(h) + (f":{m:02d}" if m else "")

    offsets = offsets_over_a_year(key)
    low, high = min(offsets), max(offsets)
    return f"UTC{one(low)}" + (f"/{one(high)}" if high != low else "")


@cache
def country_place(code: str) -> Place | None:
    """A country as a place: its zone, or the choice when its zones keep different time."""
    say = _say_country(code)
    if code in _COUNTRY_CHOICES:
        return _choice(say, _COUNTRY_CHOICES[code])
    if code in _COUNTRY_MAIN:
        key, note = _COUNTRY_MAIN[code]
        return Place(key, note)
    zones = list(dict.fromkeys(canonical_zone(z) for z in country_zones(code)))
    if not zones:
        return None
    biggest = _biggest_city_of_zone()
    groups: dict[tuple[int, ...], list[str]] = {}
    for zone in zones:
        groups.setdefault(offsets_over_a_year(zone), []).append(zone)

    def main(group: list[str]) -> str:
        # The zone of the group's largest city; zone.tab's order (most populous first) else.
        return max(group, key=lambda z: biggest.get(z, ("", 0))[1])

    if len(groups) == 1:
        return Place(main(zones))
    ordered = sorted(groups.items(), key=lambda g: g[0])
    options = []
    for _offsets, group in ordered:
        zone = main(group)
        label = biggest.get(zone, (zone.rsplit("/", 1)[-1].replace("_", " "), 0))[0]
        options.append((f"{label} ({_offset_text(zone)})", zone))
    return _choice(say, tuple(options))


def _region_place(name: str, region: _Region) -> Place:
    if isinstance(region, str):
        return Place(region)
    if isinstance(region[0], str):
        key, note = region
        return Place(key, note)
    return _choice(name, region)


@cache
def _regions() -> dict[str, tuple[str, str, _Region]]:
    """Folded region name -> (name as said, what it is, region)."""
    found: dict[str, tuple[str, str, _Region]] = {}
    kinds = ((US_STATES, "US state"), (CA_PROVINCES, "Canadian province"))
    for table, kind in (*kinds, (AU_STATES, "Australian state")):
        for name, region in table.items():
            found[name] = (name.title().replace(" And ", " and "), kind, region)
    return found


# -- cities ------------------------------------------------------------------------------------


@cache
def _city_lines() -> dict[str, str]:
    """Folded name -> the rest of its line in ``data/cities.tsv``, read once.

    Lines are split further only for the names asked for, which keeps the first
    command that names a place well under 50 ms (``bench/places.py`` measures it).
    """
    try:
        text = (Path(__file__).parent / "data" / "cities.tsv").read_text(encoding="utf-8")
    except OSError as e:
        # A broken install: IANA names, countries and states still work.
        log.warning("The city index is missing (%s); cities are read as IANA names only.", e)
        return {}
    return dict(line.split("\t", 1) for line in text.splitlines())


def city(name: str) -> City | None:
    """The city a folded name means (the largest of that name), or None."""
    line = _city_lines().get(name)
    if line is None:
        return None
    zone, population, place, others = line.split("\t")
    return City(
        zone,
        int(population),
        place,
        tuple((o.rsplit("=", 1)[0], o.rsplit("=", 1)[1]) for o in others.split(";") if o),
    )


def city_names() -> list[str]:
    """Every folded name the city index knows."""
    return list(_city_lines())


@cache
def _biggest_city_of_zone() -> dict[str, tuple[str, int]]:
    biggest: dict[str, tuple[str, int]] = {}
    for line in _city_lines().values():
        zone, population, place, _others = line.split("\t")
        if int(population) > biggest.get(zone, ("", 0))[1]:
            biggest[zone] = (place.split(", ")[0], int(population))
    return biggest


def _city_place(written: str, found: City) -> Place:
    if not found.others:
        return Place(found.zone)
    others = "; for ".join(f"{place} say {zone}" for place, zone in found.others)
    return Place(found.zone, f"{written} read as {found.place} ({found.zone}); for {others}")


def _also_a_city(written: str, name: str, place: Place, kind: str) -> Place:
    """A state or country that is also a city elsewhere says how to name the city."""
    found = city(name)
    if found is None or place.key is None:
        return place
    elsewhere = [
        (where, zone)
        for where, zone in ((found.place, found.zone), *found.others)
        if zone != place.key
    ]
    if not elsewhere:
        return place
    cities_note = f"{written} read as the {kind}; for " + "; for ".join(
        f"{where} say {zone}" for where, zone in elsewhere
    )
    if not place.note:
        return Place(place.key, cities_note)
    return Place(place.key, f"{place.note}. {cities_note[0].upper()}{cities_note[1:]}")


@cache
def _tails() -> dict[str, str]:
    """The last part of every IANA name -> its canonical zone, when only one zone has it."""
    tails: dict[str, str | None] = {}
    areas: tuple[str, ...] = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/")
    areas = (*areas, "Australia/", "Europe/", "Indian/", "Pacific/")
    for name in all_names().values():
        if not name.startswith(areas):
            continue
        key = canonical_zone(name)
        tail = fold(name.rsplit("/", 1)[1])
        tails[tail] = key if tails.get(tail, key) == key else None
    return {t: k for t, k in tails.items() if k is not None}


def lookup_place(written: str, *, loose: bool = True) -> Place | None:
    """A zone name, place, region or country as written; None when it is none of them.

    ``loose``: a city the index does not know, followed by its state or country
    (``Springfield, Ohio``), reads as that state or country. Running text turns it off.
    """
    name = fold(written)
    if not name:
        return None
    found = _lookup(written.strip(), name)
    if found is None:
        # "Tokyo time", "London time zone", "Pacific Standard Time"
        bare = re.sub(r" (?:standard |daylight |summer )?time(?: zone)?$", "", name)
        if bare != name and bare:
            found = _lookup(written.strip(), bare)
    return found or _qualified(written.strip(), loose=loose)


# -- a city with its state or country: "Portland, Maine", "Cambridge MA", "Paris, Texas" --

US_STATE_CODES = dict(
    zip(
        [
            "AL",
            "AK",
            "AZ",
            "AR",
            "CA",
            "CO",
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "HI",
            "ID",
            "IL",
            "IN",
            "IA",
            "KS",
            "KY",
            "LA",
            "ME",
            "MD",
            "MA",
            "MI",
            "MN",
            "MS",
            "MO",
            "MT",
            "NE",
            "NV",
            "NH",
            "NJ",
            "NM",
            "NY",
            "NC",
            "ND",
            "OH",
            "OK",
            "OR",
            "PA",
            "RI",
            "SC",
            "SD",
            "TN",
            "TX",
            "UT",
            "VT",
            "VA",
            "WA",
            "WV",
            "WI",
            "WY",
        ],
        [
            "alabama",
            "alaska",
            "arizona",
            "arkansas",
            "california",
            "colorado",
            "connecticut",
            "delaware",
            "district_of_columbia",
            "florida",
            "georgia",
            "hawaii",
            "idaho",
            "illinois",
            "indiana",
            "iowa",
            "kansas",
            "kentucky",
            "louisiana",
            "maine",
            "maryland",
            "massachusetts",
            "michigan",
            "minnesota",
            "mississippi",
            "missouri",
            "montana",
            "nebraska",
            "nevada",
            "new_hampshire",
            "new_jersey",
            "new_mexico",
            "new_york",
            "north_carolina",
            "north_dakota",
            "ohio",
            "oklahoma",
            "oregon",
            "pennsylvania",
            "rhode_island",
            "south_carolina",
            "south_dakota",
            "tennessee",
            "texas",
            "utah",
            "vermont",
            "virginia",
            "washington",
            "west_virginia",
            "wisconsin",
            "wyoming",
        ],
        strict=True,
    )
)
_CA_CODES = {
    "AB": "alberta",
    "BC": "british columbia",
    "MB": "manitoba",
    "NB": "new brunswick",
    "NL": "newfoundland and labrador",
    "NS": "nova scotia",
    "ON": "ontario",
    "PE": "prince edward island",
    "QC": "quebec",
    "SK": "saskatchewan",
    "YT": "yukon",
    "NT": "northwest territories",
    "NU": "nunavut",
}


@cache
def _qualifiers() -> dict[str, tuple[frozenset[str], str]]:
    """Folded state, province or country -> (the names a city's place may end with, the
    name to read when the city itself is not in the index)."""
    found: dict[str, tuple[frozenset[str], str]] = {}
    states = {name.replace("_", " ") for name in US_STATE_CODES.values()}
    provinces = set(_CA_CODES.values())
    for code, state in US_STATE_CODES.items():
        state = state.replace("_", " ")
        read = "washington state" if state == "washington" else state
        found[state] = found[code.lower()] = (frozenset({state}), read)
    for code, province in _CA_CODES.items():
        found[province] = found[code.lower()] = (frozenset({province}), province)
    for name, code in _country_index().items():
        ends = {fold(country_say(code))}
        ends |= states if code == "US" else provinces if code == "CA" else set()
        found.setdefault(name, (frozenset(ends), name))
    return found


_CAPITALISED = re.compile(r"^[^\W\d_][\w.'’-]*(?: [^\W\d_][\w.'’-]*)*$")


def _qualified(written: str, *, loose: bool) -> Place | None:
    """``Portland, Maine`` or ``Cambridge MA``: the namesake in that state or country.

    A city the index does not know (``Springfield, Ohio``) is read as its state or
    country, with a note: that zone is right unless the region spans several, in
    which case the choice is offered as for the region itself.
    """
    if "," in written:
        splits = [tuple(part.strip() for part in written.rsplit(",", 1))]
    else:
        words = written.split()
        splits = [(" ".join(words[:k]), " ".join(words[k:])) for k in range(len(words) - 1, 0, -1)]
    for city_part, where_part in splits:
        qualifier = _qualifiers().get(fold(where_part))
        if qualifier is None or not city_part or not city_part[0].isupper():
            continue
        if not _CAPITALISED.match(city_part):
            continue
        ends, read = qualifier
        found = city(fold(city_part))
        if found is not None:
            for place, zone in ((found.place, found.zone), *found.others):
                if fold(place.rsplit(", ", 1)[-1]) in ends:
                    return Place(zone)
        if not loose:
            # In running text "Tokyo, India" is a list of two places.
            continue
        region = _lookup(where_part, read)
        if region is None:
            continue
        if region.key is None:
            return region
        note = f"{written} read as {where_part} ({region.key})"
        return Place(region.key, f"{note}; {region.note}" if region.note else note)
    return None


def _lookup(written: str, name: str) -> Place | None:
    zone = _zone_names().get(name)
    if zone:
        return Place(zone)
    if name in _SPECIAL:
        key, note = _SPECIAL[name]
        return Place(key, note)
    if name in _TWO_COUNTRIES:
        return Place(None, choice=_TWO_COUNTRIES[name])
    if name in _regions():
        say, kind, region = _regions()[name]
        return _also_a_city(written, name, _region_place(say, region), kind)
    code = _country_index().get(name)
    if code:
        place = country_place(code)
        if place is not None:
            return _also_a_city(written, name, place, "country")
    found = city(name)
    if found is not None:
        return _city_place(written, found)
    tail = _tails().get(name)
    if tail:
        return Place(tail)
    return None
