"""/meeting through the signed HTTP path against the fake Slack server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.meetings.models import CalendarFeed, MeetingSeries
from bot.models import Base
from tests.conftest import RunningBot

EXAMPLES = [
    '"SWG" every 2 weeks on tuesday at 16:00 UTC for 1h starting 2026-12-01',
    '"TWG sync" every first monday at 15:00 Europe/Paris remind 1d,15m',
    '"Ops weekly" every wednesday at 9am America/Chicago for 90m in <#C2|ops>',
    '"Planning" on 2026-12-03 at 07:00 PT for 1h',
]


def series_rows(rb: RunningBot, team_id: str = "T1") -> list[MeetingSeries]:
    with rb.bot.rt.db.read() as s:
        rows = list(
            s.scalars(
                select(MeetingSeries)
                .where(MeetingSeries.team_id == team_id)
                .order_by(MeetingSeries.number)
            )
        )
        s.expunge_all()
        return rows


def schedule(rb: RunningBot, text: str, **kw: object) -> str:
    resp = rb.command("/meeting", f"schedule {text}", **kw)  # type: ignore[arg-type]
    assert resp.status == 200
    return resp.reply_text


def test_issue_examples_schedule_and_answer_with_home_utc_and_tokens(running: RunningBot) -> None:
    running.fake.add_channel("C2", "ops", members=["U1", "U2"])
    answers = [schedule(running, t) for t in EXAMPLES]
    for text in answers:
        assert "Scheduled" in text, text
        assert "<!date^" in text
        assert "UTC" in text
    assert "Tue 2026-12-01 16:00 UTC" in answers[0]
    assert "Tue 2026-12-15 16:00 UTC" in answers[0]
    assert "Mon 2026-12-07 15:00 CET · Mon 2026-12-07 14:00 UTC" in answers[1]
    assert "Wed 2026-11-25 09:00 CST · Wed 2026-11-25 15:00 UTC" in answers[2]
    assert "Thu 2026-12-03 07:00 PST · Thu 2026-12-03 15:00 UTC" in answers[3]
    rows = series_rows(running)
    assert [r.name for r in rows] == ["SWG", "TWG sync", "Ops weekly", "Planning"]
    swg, twg, ops, planning = rows
    assert swg.rrule == "RRULE:FREQ=WEEKLY;BYDAY=TU;INTERVAL=2;WKST=MO" and swg.home_tz == "UTC"
    assert twg.home_tz == "Europe/Paris" and twg.reminder_offsets == [1440, 15]
    assert (ops.channel_id, ops.duration_minutes, ops.home_tz) == ("C2", 90, "America/Chicago")
    assert planning.rrule == "" and planning.dtstart == datetime(2026, 12, 3, 15, tzinfo=UTC)
    assert running.fake.violations == []


def test_ambiguous_abbreviation_answer_names_reading(running: RunningBot) -> None:
    text = schedule(running, '"India sync" every thursday at 19:30 IST')
    assert "IST is ambiguous; read as Asia/Kolkata" in text
    text = schedule(running, '"China sync" every friday at 9am CST')
    assert "CST is ambiguous; read as America/Chicago" in text


def test_list_and_next_show_every_member_zone_and_the_feed(running: RunningBot) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 UTC')
    listing = running.command("/meeting", "list", channel_name="general").reply_text
    assert "#1 SWG" in listing and "every Tuesday" in listing
    assert re.search(r"http://wgbot\.test/calendar/[A-Za-z0-9_-]+\.ics", listing)
    nxt = running.command("/meeting", "next SWG").reply_text
    assert "<!date^" in nxt
    assert "Tue 2026-11-24 16:00 UTC" in nxt
    # Members in Paris (17:00), Los Angeles (08:00) and Tokyo (01:00 the next day).
    assert "Paris (UTC+01:00): *17:00*" in nxt
    assert "Los Angeles (UTC-08:00): *08:00*" in nxt
    assert "Tokyo (UTC+09:00): *01:00* Wed 2026-11-25" in nxt
    assert running.command("/meeting", "next").reply_text == nxt
    assert running.fake.violations == []


def test_next_warns_when_dst_moves_the_meeting_for_some_members(running: RunningBot) -> None:
    running.clock.set(datetime(2027, 3, 1, 12, tzinfo=UTC))
    schedule(running, '"SWG" every tuesday at 16:00 UTC')
    running.clock.set(datetime(2027, 3, 10, 12, tzinfo=UTC))
    nxt = running.command("/meeting", "next SWG").reply_text
    # US clocks went forward on 14 March; Paris only on the 28th.
    assert "in America/Los_Angeles it is at 09:00, not 08:00" in nxt
    assert "Europe/Paris" not in nxt.split("Daylight saving")[-1]
    running.clock.set(datetime(2027, 3, 24, 12, tzinfo=UTC))
    assert (
        "in Europe/Paris it is at 18:00, not 17:00"
        in running.command("/meeting", "next SWG").reply_text
    )


def test_times_example_and_weekday_warning(running: RunningBot) -> None:
    text = running.command(
        "/meeting",
        "times wednesday 2027-03-10 9am America/Los_Angeles in New York, London, India, Tokyo",
    ).reply_text
    assert "09:00 Wed 2027-03-10" in text
    assert "New York (America/New_York): *12:00* (UTC-05:00)" in text
    assert "London (Europe/London): *17:00* (UTC)" in text
    assert "Kolkata (Asia/Kolkata): *22:30* (UTC+05:30)" in text
    assert "Tokyo (Asia/Tokyo): *02:00* Thu 2027-03-11" in text
    wrong = running.command("/meeting", "times tuesday 2027-03-10 9am PT in Paris").reply_text
    assert "2027-03-10 is a Wednesday, not a Tuesday" in wrong
    # Past dates convert too (people read old minutes); no zones: the channel's members.
    old = running.command("/meeting", "times 2018-09-27 7am PDT").reply_text
    assert "Paris" in old and "Tokyo" in old and "Los Angeles" in old
    assert "Tokyo (Asia/Tokyo): *23:00*" in old
    summer = running.command("/meeting", "times 2027-07-01 9am PST in UTC").reply_text
    assert "You wrote PST" in summer and "PDT" in summer


def test_bad_input_names_the_problem_and_saves_nothing(running: RunningBot) -> None:
    running.fake.add_channel("C9", "secret", members=["U2"])
    cases = {
        '"A" every tuesday at 25:00 UTC': "not a time of day",
        '"A" every tuesday at 10:00 Mars/Base': "Unknown time zone",
        '"A" on 2027-03-14 at 2:30 America/Los_Angeles': "does not exist",
        '"A" on 2026-11-01 at 1:30 America/Los_Angeles': "happens twice",
        '"A" on 2020-01-01 at 10:00 UTC': "in the past",
        '"A" every tuesday at 10:00 UTC for 0m': "more than zero",
        '"A" every tuesday at 10:00 UTC for 25h': "at most 24 hours",
        '"A" every tuesday at 10:00 UTC in <#C9|secret>': "not a member",
    }
    for text, problem in cases.items():
        resp = running.command("/meeting", f"schedule {text}")
        body = resp.json()
        assert body["response_type"] == "ephemeral"
        assert problem in resp.reply_text, (text, resp.reply_text)
        assert "Usage" in resp.reply_text
    bad_times = running.command("/meeting", "times 2026-11-01 1:30 America/Los_Angeles")
    assert "happens twice" in bad_times.reply_text
    assert series_rows(running) == []


def _confirm_value(reply: dict[str, object]) -> str:
    for block in reply.get("blocks") or []:  # type: ignore[attr-defined]
        if block.get("type") == "actions":
            return str(block["elements"][0]["value"])
    raise AssertionError("no confirm button")


def test_conflicts_need_confirmation_and_nothing_is_saved_before(running: RunningBot) -> None:
    running.fake.add_channel("C2", "ops", members=["U1", "U2"])
    schedule(running, '"SWG" every tuesday at 16:00 UTC')
    resp = running.command("/meeting", 'schedule "Clash" on 2026-12-01 at 16:30 UTC')
    assert "would clash" in resp.reply_text and "#1 SWG" in resp.reply_text
    assert [r.name for r in series_rows(running)] == ["SWG"]
    running.sender.block_action("meeting_confirm", _confirm_value(resp.json()))
    running.deliver()
    assert [r.name for r in series_rows(running)] == ["SWG", "Clash"]
    assert any("Scheduled" in e["text"] for e in running.fake.ephemerals)
    # A chair who already chairs a series at that time, in another channel.
    schedule(running, '"Ops" every wednesday at 9am UTC in <#C2|ops> chairs <@U2>')
    clash = running.command(
        "/meeting", 'schedule "Chair clash" on 2026-11-25 at 9:30 UTC chairs <@U2>'
    )
    assert "would clash" in clash.reply_text and "chaired by <@U2>" in clash.reply_text
    # Edits are checked too.
    edit = running.command("/meeting", "edit Clash time 16:15")
    assert "would clash" in edit.reply_text
    running.sender.block_action("meeting_confirm", _confirm_value(edit.json()))
    running.deliver()
    clash_row = next(r for r in series_rows(running) if r.name == "Clash")
    assert clash_row.dtstart == datetime(2026, 12, 1, 16, 15, tzinfo=UTC)
    assert running.fake.violations == []


def test_skip_edit_cancel(running: RunningBot) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 Europe/Paris')
    bad = running.command("/meeting", "skip SWG 2026-12-02 holiday").reply_text
    assert "does not meet on Wed 2026-12-02" in bad and "Tue 2026-11-24" in bad
    ok = running.command("/meeting", "skip SWG 2026-12-01 SC26 week").reply_text
    assert "Skipping *SWG* on Tue 2026-12-01" in ok and "SC26 week" in ok
    listing = running.command("/meeting", "list").reply_text
    assert "2026-11-24" in listing
    running.clock.set(datetime(2026, 11, 25, tzinfo=UTC))
    assert "Tue 2026-12-08 16:00 CET" in running.command("/meeting", "next SWG").reply_text
    edited = running.command("/meeting", "edit 1 duration 45m").reply_text
    assert "Updated" in edited and "45 min" in edited
    assert running.command("/meeting", "edit SWG colour blue").reply_text.count("not a field") == 1
    denied = running.command("/meeting", "cancel SWG", user_id="U2").reply_text
    assert "Only the person who scheduled" in denied
    assert "Cancelled" in running.command("/meeting", "cancel SWG").reply_text
    assert "No meetings are scheduled here" in running.command("/meeting", "list").reply_text
    assert "no meeting series named" in running.command("/meeting", "next SWG").reply_text


def test_workspace_isolation(running: RunningBot) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 UTC')
    other = running.command("/meeting", "list all", team_id="T2").reply_text
    assert "#1 SWG" not in other and "No meetings are scheduled" in other
    assert "no meeting series #1" in running.command("/meeting", "next 1", team_id="T2").reply_text
    assert series_rows(running, "T2") == []


def test_modal_opens_and_submission_schedules(running: RunningBot) -> None:
    resp = running.command("/meeting", "schedule")
    assert resp.status == 200
    call = running.fake.wait_for_call("views.open")[0]
    view = call.params["view"]
    if isinstance(view, str):
        view = json.loads(view)
    assert view["callback_id"] == "meeting_schedule"
    assert view["private_metadata"] == "C1"

    def values(time_text: str) -> dict[str, object]:
        def text(v: str) -> dict[str, object]:
            return {"v": {"type": "plain_text_input", "value": v}}

        return {
            "name": text("Modal WG"),
            "when": text("every 2 weeks on thursday"),
            "time": text(time_text),
            "zone": text("Asia/Kathmandu"),
            "duration": text("1h"),
            "starting": {"v": {"type": "datepicker", "selected_date": "2026-12-03"}},
            "channel": {"v": {"type": "conversations_select", "selected_conversation": "C1"}},
            "remind": text("1d,15m"),
            "agenda": text(""),
            "join": text("https://meet.example/wg"),
        }

    bad = running.sender.view_submission("meeting_schedule", values("25:99"), private_metadata="C1")
    assert bad.json()["response_action"] == "errors"
    assert "time" in bad.json()["errors"]
    assert series_rows(running) == []
    ok = running.sender.view_submission("meeting_schedule", values("9pm"), private_metadata="C1")
    assert ok.status == 200
    running.deliver()
    rows = series_rows(running)
    assert [r.name for r in rows] == ["Modal WG"]
    assert rows[0].dtstart == datetime(2026, 12, 3, 15, 15, tzinfo=UTC)  # 21:00 at +05:45
    assert rows[0].join_url == "https://meet.example/wg"
    assert any("Scheduled *Modal WG*" in e["text"] for e in running.fake.ephemerals)
    assert running.fake.violations == []


def test_hours_and_suggest_for_six_zones(running: RunningBot) -> None:
    zones = {
        "UA": "America/Los_Angeles",
        "UB": "America/New_York",
        "UC": "Europe/London",
        "UD": "Asia/Kolkata",
        "UE": "Asia/Kathmandu",
        "UF": "Australia/Sydney",
        "UG": "Asia/Tokyo",
    }
    for uid, tz in zones.items():
        running.fake.add_user(uid, tz=tz, name=uid.lower())
    running.fake.add_channel("C7", "world", members=list(zones))
    assert "08:00–18:00" in running.command("/meeting", "hours", user_id="UA").reply_text
    assert "07:00–15:00" in running.command("/meeting", "hours 7-15", user_id="UA").reply_text
    text = running.command("/meeting", "suggest 1h for <#C7|world> within 5 days").reply_text
    assert "Slots for 7 people, 1 h" in text
    for label in ("Los Angeles", "New York", "London", "Kolkata", "Kathmandu", "Sydney", "Tokyo"):
        assert label in text
    assert "No slot has everyone inside" in text
    assert "Alternate" in text
    two = running.command("/meeting", "suggest 30m for <@U1|alice> <@UC>").reply_text
    assert "Slots for 2 people" in two and "Alternate" not in two
    bad = running.command("/meeting", "suggest soon").reply_text
    assert "not a duration" in bad
    assert running.fake.violations == []


def test_user_text_is_escaped(running: RunningBot) -> None:
    text = schedule(running, '"<!channel> & co" every tuesday at 16:00 UTC')
    assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text
    bad = running.command("/meeting", 'schedule "A" every tuesday at 10:00 <b>zone</b>').reply_text
    assert "<b>" not in bad and "&lt;b&gt;" in bad
    running.run_jobs(at=datetime(2026, 11, 23, 16, 0, 30, tzinfo=UTC))
    posted = [m for m in running.fake.messages("C1") if "Reminder" in m["text"]]
    assert posted and all("<!channel>" not in m["text"] for m in posted)
    assert running.fake.violations == []


# -- the form's errors beside their fields; read commands that write nothing ---------------

MARIA, PEDRO = "U024BE7LH", "U0G9QF9C6"
WG, SECRET, WORLD = "C0123ABCD", "C0456EFGH", "C0789IJKL"


def form_values(**changes: str) -> dict[str, object]:
    """A submission's state.values, as Slack sends it, from the form's texts."""
    fields = {
        "name": "Modal WG",
        "when": "every 2 weeks on thursday",
        "time": "9pm",
        "zone": "Asia/Kathmandu",
        "duration": "1h",
        "starting": "2026-12-03",
        "channel": WG,
        "remind": "1d,15m",
        "agenda": "",
        "join": "",
        **changes,
    }
    values: dict[str, object] = {
        block: {"v": {"type": "plain_text_input", "value": value}}
        for block, value in fields.items()
        if block not in ("starting", "channel")
    }
    values["starting"] = {"v": {"type": "datepicker", "selected_date": fields["starting"] or None}}
    values["channel"] = {
        "v": {"type": "conversations_select", "selected_conversation": fields["channel"]}
    }
    return values


def test_modal_errors_are_shown_beside_their_field(running: RunningBot) -> None:
    running.fake.add_user(MARIA, tz="Europe/Madrid", name="maria")
    running.fake.add_channel(WG, "wg", members=[MARIA])
    running.fake.add_channel(SECRET, "secret", members=["U2"])
    cases = [
        ({"time": "25:99"}, "time", "is not a time of day"),
        ({"zone": "Mars/Base"}, "zone", "Unknown time zone `Mars/Base`"),
        ({"duration": "25h"}, "duration", "at most 24 hours"),
        ({"duration": "soon"}, "duration", "not a duration"),
        ({"starting": "2026-01-08"}, "starting", "would start in the past"),
        ({"starting": "2026-02-30"}, "starting", "not a real date"),
        ({"when": "every blursday"}, "when", "not a day of the week"),
        ({"when": "on 2020-01-01", "starting": ""}, "when", "would start in the past"),
        (
            {"when": "on 2027-03-14", "time": "2:30", "zone": "America/Los_Angeles"},
            "time",
            "does not exist",
        ),
        ({"channel": SECRET}, "channel", "not a member"),
        ({"remind": "bogus"}, "remind", "not a reminder offset"),
        ({"join": "nope"}, "join", "http(s) link"),
        ({"name": ""}, "name", "Give the series a name"),
    ]
    for changes, block, problem in cases:
        resp = running.sender.view_submission(
            "meeting_schedule",
            form_values(**changes),
            private_metadata=WG,
            user_id=MARIA,
            team_id="T0001",
        )
        assert resp.status == 200
        body = resp.json()
        assert body["response_action"] == "errors", (changes, body)
        assert list(body["errors"]) == [block], (changes, body)
        assert problem in body["errors"][block], (changes, body)
    assert series_rows(running, "T0001") == []
    ok = running.sender.view_submission(
        "meeting_schedule", form_values(), private_metadata=WG, user_id=MARIA, team_id="T0001"
    )
    assert ok.status == 200
    running.deliver()
    [row] = series_rows(running, "T0001")
    assert (row.name, row.channel_id, row.created_by) == ("Modal WG", WG, MARIA)
    assert row.dtstart == datetime(2026, 12, 3, 15, 15, tzinfo=UTC)


# What Slack told the directory, which it stores in short transactions of its own
# (never in the request's): not a write of the read.
DIRECTORY_CACHES = frozenset({"slack_users", "channel_members"})


def table_rows(rb: RunningBot) -> dict[str, int]:
    """How many rows every table of the bot holds (but the directory's caches)."""
    with rb.bot.rt.db.read() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in DIRECTORY_CACHES
        }


def test_list_next_times_and_suggest_write_nothing(running: RunningBot) -> None:
    running.fake.add_user(MARIA, tz="Europe/Madrid", name="maria")
    running.fake.add_user(PEDRO, tz="America/Mexico_City", name="pedro")
    running.fake.add_channel(WG, "wg", members=[MARIA, PEDRO])

    def ask(text: str) -> str:
        resp = running.command(
            "/meeting", text, team_id="T0001", user_id=MARIA, channel_id=WG, channel_name="wg"
        )
        assert resp.status == 200
        return resp.reply_text

    before = table_rows(running)
    assert "No meetings are scheduled here yet" in ask("list")
    assert "No meetings are scheduled" in ask("list all")
    assert "No meetings are scheduled in this channel" in ask("next")
    times = ask("times 2026-12-01 9am")
    assert "read in your Slack time zone, Europe/Madrid" in times
    assert "Madrid" in times and "Mexico City" in times
    assert "Slots for 2 people" in ask("suggest 1h")
    assert "Slots for 1 people" in ask(f"suggest 30m for <@{PEDRO}>")
    assert table_rows(running) == before
    # With a series (its scheduling stored the channel's feed), reads of new people still
    # store nothing.
    assert "Scheduled" in ask('schedule "WG sync" every tuesday at 16:00 UTC')
    running.fake.add_user("U0A1B2C3D", tz="Asia/Tokyo", name="chie")
    running.fake.add_channel(WORLD, "world", members=[MARIA, "U0A1B2C3D"])
    before = table_rows(running)
    listing = ask("list")
    assert "#1 WG sync" in listing
    assert re.search(r"http://wgbot\.test/calendar/[A-Za-z0-9_-]+\.ics", listing)
    assert "Tue 2026-11-24 16:00 UTC" in ask("next WG sync")
    assert "Tokyo" in ask(f"suggest 1h for <#{WORLD}>")
    assert table_rows(running) == before
    assert running.fake.violations == []


def test_list_without_a_feed_says_how_to_create_it(running: RunningBot) -> None:
    schedule(running, '"SWG" every tuesday at 16:00 UTC')
    with running.bot.rt.db.write() as s:
        s.execute(CalendarFeed.__table__.delete())  # a series from before feeds existed
    listing = running.command("/meeting", "list").reply_text
    assert "#1 SWG" in listing and "/calendar/" not in listing
    assert "no calendar feed yet" in listing and "/meeting ics" in listing
    shared = running.command("/meeting", "ics SWG").reply_text
    url = re.search(r"http://wgbot\.test/calendar/[A-Za-z0-9_-]+\.ics", shared)
    assert url
    assert url.group(0) in running.command("/meeting", "list").reply_text
