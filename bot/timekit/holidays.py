"""Countries' public holidays (the `holidays` package) and the country of a time zone (pure)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import date
from functools import cache, lru_cache

import holidays as holidays_lib

from bot.timekit.tzdb import country_names, zone_country

# Short names for the sentences "… is Thanksgiving Day in the US"; other countries go by
# tzdata's iso3166.tab name ("Japan", "France").
_SPOKEN = {
    "US": "the US",
    "GB": "the UK",
    "AE": "the UAE",
    "NL": "the Netherlands",
    "PH": "the Philippines",
    "CZ": "Czechia",
    "KR": "South Korea",
    "RU": "Russia",
}


@cache
def supported_countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes the holidays package knows public holidays of."""
    return frozenset(c for c in holidays_lib.list_supported_countries() if len(c) == 2)


def is_country(code: str) -> bool:
    return code.upper() in supported_countries()


@cache
def alpha2(code: str) -> str | None:
    """A supported country's two-letter code from its two- or three-letter one ("FRA" → "FR")."""
    code = code.upper()
    if is_country(code):
        return code
    if len(code) != 3 or code not in holidays_lib.list_supported_countries():
        return None
    return str(holidays_lib.country_holidays(code).country)


@lru_cache(maxsize=4096)
def _year(country: str, year: int) -> dict[date, str]:
    # The package warns (UserWarning) about years past its tables for lunar calendars;
    # it still answers with estimates, which is the best there is.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = holidays_lib.country_holidays(country, years=year)
    return {d: str(name) for d, name in found.items()}


def holiday_name(country: str, day: date) -> str | None:
    """The public holiday `day` is in `country` ("Thanksgiving Day"), or None."""
    if not is_country(country):
        return None
    return _year(country.upper(), day.year).get(day)


def holiday_dates(countries: Iterable[str], first_year: int, last_year: int) -> frozenset[date]:
    """Every public holiday of the countries in the years first_year..last_year."""
    out: set[date] = set()
    for code in countries:
        if not is_country(code):
            continue
        for year in range(first_year, last_year + 1):
            out.update(_year(code.upper(), year))
    return frozenset(out)


def country_of_zone(key: str) -> str | None:
    """The ISO code of the country an IANA zone is in ("America/Chicago" → "US"), or None."""
    return zone_country(key)


def country_name(code: str) -> str:
    """How a sentence names a country: "the US", "France", "Japan" (the code when unknown)."""
    code = code.upper()
    return _SPOKEN.get(code) or country_names().get(code) or code
