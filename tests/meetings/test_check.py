"""/meeting check and "Check these times": the time claims of a pasted text, checked."""

from __future__ import annotations

from datetime import date

import pytest

from bot.meetings.check import Report, check_text, words_of
from tests.conftest import RunningBot

# The coalition's minutes (2016): the date's weekday and the Eastern time are wrong.
MINUTES = (
    "Next general session: Thursday 9/27 7-9 AM PDT which is 11AM ET, 4PM Paris,"
    "7:30 PM India, 11PM Japan"
)
TODAY = date(2026, 11, 23)


def verdicts(report: Report) -> list[tuple[str, bool, str, str | None, int]]:
    """(claim, ok, expected start, expected end, days after the anchor's) of each claim."""
    out = []
    for s in report.sentences:
        assert s.start is not None
        for v in s.verdicts:
            end = v.expected_end
            shift = ((end or v.expected_start).date() - s.start.date()).days
            out.append(
                (
                    v.claim.written,
                    v.ok,
                    f"{v.expected_start:%H:%M}",
                    f"{end:%H:%M}" if end else None,
                    shift,
                )
            )
    return out


# -- the checker ------------------------------------------------------------------------


def test_the_minutes_line_with_its_year_elsewhere_in_the_text() -> None:
    report = check_text(f"Minutes of 2016-09-20.\n{MINUTES}", today=TODAY)
    [day] = [d for d in report.dates if d.weekday_written is not None]
    assert day.written == "Thursday 9/27" and day.value == date(2016, 9, 27)
    assert not day.ok and "2016-09-27 was a *Tuesday*" in (day.problem or "")
    assert "2016" in (day.assumption or "")
    [sentence] = report.sentences
    assert sentence.anchor is not None and sentence.anchor.written == "7-9 AM PDT"
    assert sentence.start is not None and sentence.end is not None
    assert (f"{sentence.start:%H:%M %z}", f"{sentence.end:%H:%M}") == ("07:00 -0700", "09:00")
    assert verdicts(report) == [
        ("11AM ET", False, "10:00", "12:00", 0),
        ("4PM Paris", True, "16:00", "18:00", 0),
        ("7:30 PM India", True, "19:30", "21:30", 0),
        ("11PM Japan", True, "23:00", "01:00", 1),
    ]
    assert (report.checked, report.wrong) == (5, 2)


def test_without_a_year_the_nearest_date_is_used_and_said() -> None:
    report = check_text(MINUTES, today=TODAY)
    [day] = report.dates
    assert day.value == date(2026, 9, 27)
    assert "no year given: read as 2026-09-27 (a Sunday)" in (day.assumption or "")
    assert "was last a Thursday in 2018" in (day.problem or "")
    assert "next be one in 2029" in (day.problem or "")


# (text, [(claim, ok, expected start, expected end, end's day shift)])
CLAIMS = [
    (
        "Thursday 9/27/2018 7-9 AM PDT (10AM-12PM EDT), 16:00 Paris",
        [("10AM-12PM EDT", True, "10:00", "12:00", 0), ("16:00 Paris", True, "16:00", "18:00", 0)],
    ),
    (
        "On 2026-12-03: 10pm-2am UTC = 11pm-3am CET = 23:00-02:00 Tokyo",
        [
            ("11pm-3am CET", True, "23:00", "03:00", 1),
            ("23:00-02:00 Tokyo", False, "07:00", "11:00", 1),
        ],
    ),
    (
        "2026-12-03 sync: 9 AM UTC = 10 AM Paris. Then 3 PM Tokyo = 7 AM London!",
        [("10 AM Paris", True, "10:00", None, 0), ("7 AM London", False, "06:00", None, 0)],
    ),
    (
        "7 AM PDT = 10 AM EDT on Thursday 2018-09-27",
        [("10 AM EDT", True, "10:00", None, 0)],
    ),
    (
        "Sep 27, 2018: noon UTC (1 PM London; 8 AM New York)",
        [("1 PM London", True, "13:00", None, 0), ("8 AM New York", True, "08:00", None, 0)],
    ),
    (
        "2018-09-27 9AM PDT/12PM EDT/5PM Paris",
        [("12PM EDT", True, "12:00", None, 0), ("5PM Paris", False, "18:00", None, 0)],
    ),
    (
        "2018-09-27 9 AM PDT = 12-1 PM EDT",  # the anchor has no end: only starts compare
        [("12-1 PM EDT", True, "12:00", None, 0)],
    ),
    (
        "2018-09-27 9 AM PDT / 5 PM in Paris / 1 AM Japan",
        [("5 PM in Paris", False, "18:00", None, 0), ("1 AM Japan", True, "01:00", None, 1)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CLAIMS)
def test_a_table_of_claims(
    text: str, expected: list[tuple[str, bool, str, str | None, int]]
) -> None:
    assert verdicts(check_text(text, today=TODAY)) == expected


def test_a_claim_with_its_own_date_is_checked_on_that_day() -> None:
    good = check_text("Thu 2018-09-27 9 AM PDT = Fri 2018-09-28 1 AM Tokyo", today=TODAY)
    bad = check_text("Thu 2018-09-27 9 AM PDT = Thu 2018-09-27 1 AM Tokyo", today=TODAY)
    assert [v.ok for v in good.sentences[0].verdicts] == [True]
    assert [v.ok for v in bad.sentences[0].verdicts] == [False]


def test_glued_punctuation_is_cut_away() -> None:
    assert words_of("7-9 AM (PDT) which is 11AM ET, 4PM Paris,7:30 PM India.") == [
        "7-9",
        "AM",
        "(",
        "PDT",
        ")",
        "which",
        "is",
        "11AM",
        "ET",
        ",",
        "4PM",
        "Paris",
        ",",
        "7:30",
        "PM",
        "India",
        ".",
        "¶",
    ]


def test_no_date_means_today_and_a_zone_it_cannot_read_is_named() -> None:
    report = check_text("Call at 7 AM PDT = 10 AM Narnia, and at 9 am", today=TODAY)
    assert report.assumed_today == TODAY
    assert [(u.written, u.unknown_zone) for u in report.unread] == [("10 AM Narnia", "Narnia")]
    assert report.zoneless == ["9 am"]
    # PDT named on a winter day: the zone's real offset is used, and that is said.
    assert any("PST" in w for w in report.sentences[0].warnings)


def test_prose_without_claims_finds_nothing() -> None:
    report = check_text(
        "We met for 2 hours and agreed on 3 things. Lustre 2.15 Release notes. Thanks!",
        today=TODAY,
    )
    assert report.found == 0 and report.zoneless == []


# -- through Slack ----------------------------------------------------------------------


def lines_with(text: str, *needles: str) -> list[str]:
    return [line for line in text.splitlines() if all(n in line for n in needles)]


def test_meeting_check_over_signed_http_for_two_people_in_two_zones(running: RunningBot) -> None:
    text = f"Minutes 2016. {MINUTES}"
    answers = {}
    for user in ("U1", "U2"):  # Paris and Los Angeles
        resp = running.command("/meeting", f"check {text}", user_id=user)
        assert resp.status == 200
        body = resp.json()
        assert body.get("response_type", "ephemeral") == "ephemeral"
        answers[user] = resp.reply_text
    paris, la = answers["U1"], answers["U2"]
    assert paris == la  # the same facts; Slack shows the date token in each reader's zone
    assert lines_with(paris, ":x:", "Thursday 9/27", "2016-09-27 was a *Tuesday*")
    assert lines_with(paris, ":x:", "11AM ET", "07:00 PDT = *10:00* ET, not 11:00", "12:00 ET")
    assert lines_with(paris, ":white_check_mark:", "4PM Paris", "= 16:00 Paris", "= 18:00 Paris")
    assert lines_with(paris, ":white_check_mark:", "7:30 PM India", "19:30 India", "21:30 India")
    assert lines_with(paris, ":white_check_mark:", "11PM Japan", "23:00", "01:00 Japan (next day)")
    assert lines_with(paris, "7-9 AM PDT", "Tue 2016-09-27", "<!date^1474984800^")
    assert "*2 wrong*" in paris
    # Nothing is posted for everyone.
    assert running.fake.calls_to("chat.postMessage") == []
    assert running.fake.violations == []


def test_no_claims_answer_with_usage_and_an_example(running: RunningBot) -> None:
    reply = running.command("/meeting", "check we met & talked for a while at 10 am").reply_text
    assert "no time claims" in reply and "“10 am”" in reply
    assert "/meeting check Thursday 9/27/2018 7-9 AM PDT" in reply
    assert "/meeting check" in running.command("/meeting", "check").reply_text


def test_an_unreadable_zone_is_named_and_user_text_is_escaped(running: RunningBot) -> None:
    reply = running.command(
        "/meeting", "check 2018-09-27 7 AM PDT = 10 AM Mordor<!channel> = 4 PM Paris"
    ).reply_text
    assert lines_with(reply, ":warning:", "10 AM Mordor&lt;!channel&gt;", "cannot read")
    assert "<!channel>" not in reply
    assert lines_with(reply, ":white_check_mark:", "4 PM Paris")
    texas = running.command("/meeting", "check 2018-09-27 7 AM PDT = 9 AM Texas").reply_text
    assert lines_with(texas, ":warning:", "9 AM Texas", "Texas spans several zones")


def test_the_shortcut_answers_only_the_person_who_used_it(running: RunningBot) -> None:
    message = {"ts": "1700000000.000100", "user": "U2", "text": f"2016 plans: {MINUTES}"}
    resp = running.sender.message_shortcut("check_times", message, channel_id="C1", user_id="U3")
    assert resp.status == 200
    running.deliver()
    [answer] = [e for e in running.fake.ephemerals if e["user"] == "U3"]
    assert answer["channel"] == "C1"
    shown = answer["text"] + "\n".join(str(b) for b in answer.get("blocks", []))
    assert "2016-09-27 was a *Tuesday*" in shown and "*10:00* ET, not 11:00" in shown
    assert [e for e in running.fake.ephemerals if e["user"] != "U3"] == []
    assert running.fake.calls_to("chat.postMessage") == []


def test_the_shortcut_in_a_dm_among_people_answers_in_the_bots_dm(running: RunningBot) -> None:
    message = {"ts": "1700000000.000200", "user": "U2", "text": "9 AM UTC = 11 AM Paris"}
    running.sender.message_shortcut(
        "check_times", message, channel_id="D0PEOPLE1", user_id="U1", channel_name="directmessage"
    )
    running.deliver()
    [dm] = running.fake.messages("DU1")
    assert ":x:" in dm["text"] or any(":x:" in str(b) for b in dm.get("blocks", []))
    assert running.fake.ephemerals == []


def test_a_day_first_workspace_reads_4_9_as_the_4th_of_september(running: RunningBot) -> None:
    text = "check Tue 4/9/2018 9 AM UTC = 11 AM Paris"
    before = running.command("/meeting", text).reply_text
    assert lines_with(before, ":x:", "Tue 4/9/2018", "2018-04-09 was a *Monday*")
    said = running.command("/wg", "settings dates day-first", user_id="UADMIN").reply_text
    assert "day first" in said
    after = running.command("/meeting", text, user_id="U3").reply_text
    assert lines_with(after, ":white_check_mark:", "Tue 4/9/2018", "Tue 2018-09-04 is a Tuesday")
    assert lines_with(after, ":white_check_mark:", "11 AM Paris", "= 11:00 Paris")
