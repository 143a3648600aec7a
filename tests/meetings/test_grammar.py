"""The one-line grammar (pure): the issue's four examples and the ways to get it wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.commands.base import split_args
from bot.errors import UsageError
from bot.meetings.grammar import (
    apply_edit,
    parse_schedule,
    parse_schedule_form,
    parse_skip,
    parse_suggest,
    parse_times,
)
from bot.meetings.services import Draft, plan

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def draft(text: str, tz: str = "Europe/Paris") -> Draft:
    return parse_schedule(split_args(text, ""), channel_id="C1", default_tz=tz, now=NOW)


def test_issue_examples() -> None:
    swg = draft('"SWG" every 2 weeks on tuesday at 16:00 UTC for 1h starting 2026-12-01')
    p = plan(swg, now=NOW)
    assert (swg.name, swg.tz, swg.duration) == ("SWG", "UTC", 60)
    assert p.rrule == "RRULE:FREQ=WEEKLY;BYDAY=TU;INTERVAL=2;WKST=MO"
    assert p.dtstart == datetime(2026, 12, 1, 16, tzinfo=UTC)

    twg = draft('"TWG sync" every first monday at 15:00 Europe/Paris remind 1d,15m')
    p = plan(twg, now=NOW)
    assert twg.reminders == (1440, 15)
    assert p.rrule == "RRULE:FREQ=MONTHLY;BYDAY=1MO"
    assert p.dtstart.astimezone(UTC) == datetime(2026, 12, 7, 14, tzinfo=UTC)

    ops = draft('"Ops weekly" every wednesday at 9am America/Chicago for 90m in <#C2OPS|ops>')
    p = plan(ops, now=NOW)
    assert (ops.channel_id, ops.duration, ops.at) == ("C2OPS", 90, time(9))
    assert p.dtstart.astimezone(UTC) == datetime(2026, 11, 25, 15, tzinfo=UTC)

    planning = draft('"Planning" on 2026-12-03 at 07:00 PT for 1h')
    p = plan(planning, now=NOW)
    assert p.rrule == ""
    assert p.dtstart.astimezone(UTC) == datetime(2026, 12, 3, 15, tzinfo=UTC)


def test_more_forms() -> None:
    d = draft('"Odd" biweekly-odd thursday at 10:00 IST until 2027-06-30 skip 2026-12-31')
    assert d.recurrence.parity == "odd" and d.recurrence.until == date(2027, 6, 30)
    assert d.skips == ((date(2026, 12, 31), ""),)
    assert any("IST is ambiguous" in n for n in d.notes)
    assert draft('"E" every even week on monday at 9am UTC').recurrence.parity == "even"
    assert draft('"W" every weekday at 9am UTC').recurrence.kind == "weekdays"
    assert draft('"D" daily at 9am UTC for 10 times').recurrence.count == 10
    m = draft('"M" every last friday at 17:00 Tokyo').recurrence
    assert (m.kind, m.setpos, m.weekdays) == ("monthly", -1, (4,))
    multi = draft('"X" every monday, wednesday and friday at 12pm UTC+5:45').recurrence
    assert multi.weekdays == (0, 2, 4)
    other = draft('"O" every other tuesday at noon New York chairs <@U1> <@U2|bob>')
    assert other.recurrence.interval == 2 and other.chairs == ("U1", "U2")
    no_zone = draft('"Z" every tuesday at 9am')
    assert no_zone.tz == "Europe/Paris" and "your Slack time zone" in no_zone.notes[0]
    links = draft(
        '"L" on friday at 9am UTC agenda <https://example.org/a> join https://meet.example/x'
    )
    assert links.agenda_url == "https://example.org/a"
    assert links.join_url == "https://meet.example/x"
    assert links.start_date == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"A" every tuesday at 25:00 UTC', "not a time of day"),
        ('"A" every tuesday at 10:00 Mars/Base', "Unknown time zone"),
        ('"A" every tuesday at 10:00 UTC for 0m', "more than zero"),
        ('"A" every tuesday at 10:00 UTC for 25h', "at most 24 hours"),
        ('"A" every tuesday', "what time"),
        ('"A" at 10:00 UTC', "repeats"),
        ('"A" every blursday at 10:00 UTC', "not a day of the week"),
        ("every tuesday at 10:00", "name in quotes"),
        ('"A" every tuesday at 10:00 UTC until 2027-01-01 for 3 times', "not both"),
        ('"A" every tuesday at 10:00 UTC agenda ftp://x', "http"),
    ],
)
def test_bad_input_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        draft(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"A" on 2027-03-14 at 2:30 America/Los_Angeles', "does not exist"),
        ('"A" on 2026-11-01 at 1:30 America/Los_Angeles', "happens twice"),
        ('"A" on 2026-10-04 at 2:30 Australia/Sydney', "does not exist"),
        ('"A" on 2020-01-01 at 10:00 UTC', "past"),
        ('"A" every tuesday at 10:00 UTC starting 2026-01-06', "past"),
        ('"A" every tuesday at 10:00 UTC until 2026-11-01', "no meeting|before the first"),
    ],
)
def test_plan_refuses(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        plan(draft(text), now=NOW)


def test_later_gap_is_a_warning_not_an_error() -> None:
    p = plan(draft('"G" every sunday at 2:30 America/Los_Angeles'), now=NOW)
    assert any("does not exist" in w and "2027-03-14" in w for w in p.warnings)


def test_draft_json_round_trip() -> None:
    d = draft('"R" every first monday at 15:00 Europe/Paris until 2027-05-01 chairs <@U1>')
    assert Draft.from_json(d.to_json()) == d


def test_edit() -> None:
    d = draft('"SWG" every tuesday at 16:00 UTC')
    assert apply_edit(d, "time", ["17:30"], now=NOW).at == time(17, 30)
    assert apply_edit(d, "zone", ["Paris"], now=NOW).tz == "Europe/Paris"
    assert (
        apply_edit(d, "schedule", ["every", "other", "thursday"], now=NOW).recurrence.interval == 2
    )
    assert apply_edit(d, "duration", ["45m"], now=NOW).duration == 45
    assert apply_edit(d, "remind", ["2h"], now=NOW).reminders == (120,)
    with pytest.raises(UsageError, match="not a field"):
        apply_edit(d, "colour", ["blue"], now=NOW)


def test_times() -> None:
    req = parse_times(
        "wednesday 2027-03-10 9am America/Los_Angeles in New York, London, India, Tokyo",
        today_in=date(2026, 11, 23),
    )
    assert req.naive == datetime(2027, 3, 10, 9, 0)
    assert [t.key for t in req.targets] == [
        "America/New_York",
        "Europe/London",
        "Asia/Kolkata",
        "Asia/Tokyo",
    ]
    assert req.warnings == []
    wrong = parse_times("tuesday 2027-03-10 9am PT", today_in=date(2026, 11, 23))
    assert "is a Wednesday, not a Tuesday" in wrong.warnings[0]
    with pytest.raises(UsageError, match="No time of day"):
        parse_times("someday in Paris", today_in=date(2026, 11, 23))


# -- the scheduling form: the same pieces, one field at a time -------------------------

FORM = {
    "name": "Modal WG",
    "when": "every 2 weeks on thursday",
    "time": "9pm",
    "zone": "Asia/Kathmandu",
    "duration": "1h",
    "starting": "2026-12-03",
    "channel": "C0123ABCD",
    "remind": "1d,15m",
    "agenda": "",
    "join": "https://meet.example/wg",
}


def form(**changes: str) -> Draft:
    fields = {**FORM, **changes}
    return parse_schedule_form(**fields, default_tz="Europe/Paris", now=NOW)


def test_form_reads_like_the_one_line_grammar() -> None:
    text = draft(
        '"Modal WG" every 2 weeks on thursday at 9pm Asia/Kathmandu for 1h starting 2026-12-03 '
        "in <#C0123ABCD> remind 1d,15m join https://meet.example/wg"
    )
    assert form() == text
    assert form(when="thursday").recurrence == form(when="every thursday").recurrence
    once = form(when="on 2026-12-03", starting="")
    assert once.recurrence.kind == "once" and once.start_date == date(2026, 12, 3)
    # A name the one-line grammar would take for a keyword is a name in a form.
    assert form(name="Weekly").name == "Weekly"
    assert form(when="every monday for 5 times").recurrence.count == 5
    assert form(zone="").tz == "Europe/Paris" and "your Slack time zone" in form(zone="").notes[0]
    assert form(time="9am", zone="").at == time(9)


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"name": " "}, "name", "Give the series a name"),
        ({"name": "x" * 81}, "name", "too long"),
        ({"when": ""}, "when", "Say when it repeats"),
        ({"when": "every blursday"}, "when", "not a day of the week"),
        ({"when": "every monday at 10:00"}, "when", "field of its own"),
        ({"when": "every monday for 90m"}, "when", "Duration field"),
        ({"when": "every monday for 10 times until 2027-01-01"}, "when", "not both"),
        ({"time": "25:99"}, "time", "not a time of day"),
        ({"time": "9am Tokyo"}, "time", "zone has its own field"),
        ({"zone": "Mars/Base"}, "zone", "Unknown time zone"),
        ({"zone": "UTC+15"}, "zone", "not a valid UTC offset"),
        ({"duration": "soon"}, "duration", "not a duration"),
        ({"duration": "25h"}, "duration", "at most 24 hours"),
        ({"starting": "2026-02-30"}, "starting", "not a real date"),
        ({"starting": "someday"}, "starting", "not a date"),
        ({"channel": "D0123ABCD"}, "channel", "not a channel"),
        ({"remind": "bogus"}, "remind", "not a reminder offset"),
        ({"agenda": "ftp://x"}, "agenda", "http"),
        ({"join": "nope"}, "join", "http"),
    ],
)
def test_form_errors_name_their_field(changes: dict[str, str], field: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem) as caught:
        form(**changes)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"starting": "2026-01-08"}, "starting", "in the past"),
        ({"when": "on 2020-01-01", "starting": ""}, "when", "in the past"),
        (
            {"when": "on 2027-03-14", "time": "2:30", "zone": "America/Los_Angeles"},
            "time",
            "does not exist",
        ),
        ({"when": "every thursday until 2026-11-01", "starting": ""}, "when", "no meeting at all"),
    ],
)
def test_plan_errors_name_their_field(changes: dict[str, str], field: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem) as caught:
        plan(form(**changes), now=NOW)
    assert caught.value.field == field


def test_skip_and_suggest_words() -> None:
    assert parse_skip(["2026-12-24", "holiday", "week"], date(2026, 11, 23)) == (
        date(2026, 12, 24),
        "holiday week",
    )
    with pytest.raises(UsageError, match="not a date"):
        parse_skip(["someday"], date(2026, 11, 23))
    req = parse_suggest(
        ["90m", "for", "<@U024BE7LH|alice>", "<#C0123ABCD|ops>", "within", "5", "days"]
    )
    assert (req.duration, req.days) == (90, 5)
    assert (req.users, req.channels) == (("U024BE7LH",), ("C0123ABCD",))
    with pytest.raises(UsageError, match="within N days"):
        parse_suggest(["1h", "within", "²"])
    with pytest.raises(UsageError, match="1 to 14 days"):
        parse_suggest(["1h", "within", "30"])
