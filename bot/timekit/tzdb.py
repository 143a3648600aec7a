"""Facts from the tz database as shipped in the ``tzdata`` package: links, countries.

``tzdata.zi`` lists every link (``L target alias``): ``Asia/Calcutta`` is ``Asia/Kolkata``.
``zone.tab`` names one country per zone and the zones of each country, in the order
the tz maintainers chose (the most populous region first for most countries);
``iso3166.tab`` names the countries.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzdata  # type: ignore[import-untyped]

_ETC_GMT = re.compile(r"^Etc/GMT(?P<sign>[+-])(?P<h>\d{1,2})$")


def _read(name: str) -> list[str]:
    # tzdata is a plain directory package; a Path is faster than importlib.resources.
    text = (Path(tzdata.__file__).parent / "zoneinfo" / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _links() -> dict[str, str]:
    """alias -> zone, chains followed."""
    links: dict[str, str] = {}
    for line in _read("tzdata.zi"):
        if line.startswith("L "):
            _l, target, alias = line.split()[:3]
            links[alias] = target
    for alias in list(links):
        seen = {alias}
        target = links[alias]
        while target in links and target not in seen:
            seen.add(target)
            target = links[target]
        links[alias] = target
    return links


@cache
def _tab() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """zone -> its country, and country -> its zones (zone.tab, then zone1970.tab)."""
    country_of: dict[str, str] = {}
    zones: dict[str, list[str]] = {}
    for line in _read("zone.tab"):
        code, _coords, zone = line.split("\t")[:3]
        country_of.setdefault(zone, code)
        zones.setdefault(code, []).append(zone)
    for line in _read("zone1970.tab"):
        codes, _coords, zone = line.split("\t")[:3]
        country_of.setdefault(zone, codes.split(",")[0])
    return country_of, {code: tuple(found) for code, found in zones.items()}


@cache
def country_names() -> dict[str, str]:
    """ISO 3166 code -> the English name tzdata uses (``US`` -> ``United States``)."""
    names: dict[str, str] = {}
    for line in _read("iso3166.tab"):
        code, name = line.split("\t")[:2]
        names[code] = name
    return names


@cache
def canonical_zone(key: str) -> str:
    """The canonical name of a zone: links and legacy names followed, case as tzdata spells it.

    A link whose name is itself a country's zone in zone.tab stays as written:
    tzdata merges ``Europe/Amsterdam`` into ``Europe/Brussels`` because their clocks agree
    since 1970, but a Dutch user expects to read Amsterdam. Every UTC spelling is ``UTC``,
    ``Etc/GMT+5`` is the offset key ``UTC-05:00``; unknown names come back unchanged.
    """
    proper = _proper_case().get(key.lower(), key)
    country_of, _zones = _tab()
    if proper in country_of:
        return proper
    target = _links().get(proper, proper)
    if target in ("Etc/UTC", "Etc/GMT"):
        return "UTC"
    m = _ETC_GMT.match(target)
    if m:
        # POSIX sign: Etc/GMT+5 is five hours *behind* UTC.
        sign = "-" if m["sign"] == "+" else "+"
        return f"UTC{sign}{int(m['h']):02d}:00"
    return target


@cache
def _proper_case() -> dict[str, str]:
    names: dict[str, str] = {}
    for alias, target in _links().items():
        names[alias.lower()] = alias
        names[target.lower()] = target
    for line in _read("tzdata.zi"):
        if line.startswith("Z "):
            zone = line.split()[1]
            names[zone.lower()] = zone
    return names


def all_names() -> dict[str, str]:
    """Every zone and link name, lower-cased -> as spelled."""
    return _proper_case()


def zone_country(key: str) -> str | None:
    """The ISO 3166 code of a zone's country (Asia/Tokyo -> JP); None for UTC and offsets."""
    country_of, _zones = _tab()
    code = country_of.get(key) or country_of.get(canonical_zone(key))
    return code


def country_zones(code: str) -> tuple[str, ...]:
    """A country's zones as zone.tab lists them (canonical names)."""
    _country_of, zones = _tab()
    return zones.get(code.upper(), ())


def offsets_over_a_year(key: str, year: int | None = None) -> tuple[int, ...]:
    """UTC offsets (minutes) on the 1st and 15th of every month: zones that agree keep time alike."""
    year = year or datetime.now(UTC).year
    try:
        zone = ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return ()
    found: list[int] = []
    for month in range(1, 13):
        for day in (1, 15):
            off = datetime(year, month, day, 12, tzinfo=UTC).astimezone(zone).utcoffset()
            found.append(int(off.total_seconds() // 60) if off is not None else 0)
    return tuple(found)
