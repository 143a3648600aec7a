"""Due dates belong to their owner's calendar, and nudges come in the owner's morning.

A Tokyo chair gives a Los Angeles owner "due friday": that is the owner's Friday,
nudged at the start of the owner's working hours (or 09:00) on Thursday ("due
tomorrow") and on Saturday ("overdue"), never at Tokyo's midnight. The instants are
computed here with zoneinfo, independently of the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.actions.models import ActionItem
from bot.actions.parsing import split_action
from bot.models.core import JobMark
from tests.conftest import T0, RunningBot
from tests.harness.rooms import Room, deliver_all, dm_texts

CHAIR = "U0TOKYO01"  # chairs from Tokyo
OWNER = "U0LAOWN01"  # works in Los Angeles
VAL = "U0VALSP01"  # in São Paulo
SYD = "U0SYDNY01"  # in Sydney
BERLIN = "U0BERLN01"  # writes from Berlin


def _people(running: RunningBot) -> None:
    running.fake.add_user(CHAIR, tz="Asia/Tokyo", name="kenji")
    running.fake.add_user(OWNER, tz="America/Los_Angeles", name="lena")
    running.fake.add_user(VAL, tz="America/Sao_Paulo", name="val")
    running.fake.add_user(SYD, tz="Australia/Sydney", name="mia")
    running.fake.add_user(BERLIN, tz="Europe/Berlin", name="jonas")


def _at(day: date, hour: int, tz: str, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(UTC)


def _act(running: RunningBot, text: str, user: str, channel: str = "C1") -> str:
    resp = running.command("/action", text, user_id=user, channel_id=channel)
    assert resp.status == 200
    return resp.reply_text


def _item(running: RunningBot, number: int) -> ActionItem:
    with running.bot.rt.db.read() as s:
        row = s.query(ActionItem).filter_by(team_id="T1", number=number).one()
        s.expunge(row)
        return row


def _told(running: RunningBot, user: str) -> list[str]:
    running.deliver()
    return [e["text"] for e in running.fake.ephemerals if e["user"] == user]


def _token(day: date, tz: str) -> str:
    """The Slack date token of `day` for a reader in `tz`: midday there."""
    epoch = int(_at(day, 12, tz).timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}}|{day.isoformat()}>"


@pytest.mark.parametrize("hours", [None, "7-15"], ids=["no-hours", "hours-7-15"])
def test_a_tokyo_chairs_friday_is_the_la_owners_friday_nudged_in_their_morning(
    running: RunningBot, hours: str | None
) -> None:
    _people(running)
    if hours:
        answer = running.command("/meeting", f"hours {hours}", user_id=OWNER).reply_text
        assert "07:00" in answer, answer
    start = 7 if hours else 9
    la = "America/Los_Angeles"
    # Tuesday 1 Dec 2026, 12:00 in Tokyo: still Monday 19:00 in Los Angeles.
    running.clock.set(_at(date(2026, 12, 1), 12, "Asia/Tokyo"))
    answer = _act(running, f"add <@{OWNER}> send the budget due friday", user=CHAIR)
    assert "Action item #1" in answer and "send the budget" in answer, answer
    assert "due friday" not in answer
    row = _item(running, 1)
    assert (row.due_date, row.due_tz, row.text) == (date(2026, 12, 4), la, "send the budget")
    # The answer in the channel shows the date as a Slack date token.
    assert "^{date_short_pretty}|2026-12-04>" in answer

    thursday, saturday = date(2026, 12, 3), date(2026, 12, 5)
    # Tokyo's Thursday begins (Wednesday 07:01 in LA): not the owner's day before.
    running.run_jobs(at=_at(thursday, 0, "Asia/Tokyo", 1))
    assert dm_texts(running, OWNER) == []
    running.run_jobs(at=_at(thursday, start, la) - timedelta(minutes=1))
    assert dm_texts(running, OWNER) == []
    running.run_jobs(at=_at(thursday, start, la) + timedelta(minutes=1))
    dms = dm_texts(running, OWNER)
    assert len(dms) == 1 and "due tomorrow" in dms[0] and "#1" in dms[0], dms
    # In the owner's DM, the date token is midday of Friday in their zone.
    assert _token(date(2026, 12, 4), la) in dms[0]
    # Tokyo's Friday is over (Friday 07:01 in LA): the owner's is not.
    running.run_jobs(at=_at(saturday, 0, "Asia/Tokyo", 1))
    assert len(dm_texts(running, OWNER)) == 1
    running.run_jobs(at=_at(saturday, start, la) - timedelta(minutes=1))
    assert len(dm_texts(running, OWNER)) == 1
    running.run_jobs(at=_at(saturday, start, la) + timedelta(minutes=1))
    running.run_jobs(at=_at(saturday, start, la) + timedelta(days=2))
    dms = dm_texts(running, OWNER)
    assert len(dms) == 2 and "is overdue" in dms[1], dms
    # The chair owns nothing and hears nothing.
    assert dm_texts(running, CHAIR) == []
    assert running.fake.violations == []


def test_several_owners_each_get_their_own_morning(running_sqlite: RunningBot) -> None:
    running = running_sqlite
    _people(running)
    running.clock.set(_at(date(2026, 12, 1), 12, "Europe/Berlin"))
    _act(running, f"add <@{OWNER}> <@{SYD}> <@{VAL}> align the roadmaps by dec 10", BERLIN)
    row = _item(running, 1)
    assert row.due_date == date(2026, 12, 10)
    day_before = date(2026, 12, 9)
    # The first moment, each owner alone gets theirs, at 09:00 in their zone.
    mornings = sorted(
        (_at(day_before, 9, tz), user)
        for user, tz in (
            (OWNER, "America/Los_Angeles"),
            (SYD, "Australia/Sydney"),
            (VAL, "America/Sao_Paulo"),
        )
    )
    for when, user in mornings:
        running.run_jobs(at=when - timedelta(minutes=1))
        assert dm_texts(running, user) == [], user
        running.run_jobs(at=when + timedelta(minutes=1))
        assert len(dm_texts(running, user)) == 1, user
    assert dm_texts(running, BERLIN) == []


DST_CASES = [
    # (owner, zone, due date, hours, why): the due date is the day of the change.
    (OWNER, "America/Los_Angeles", date(2026, 11, 1), None, "US fall back (25-hour day)"),
    (OWNER, "America/Los_Angeles", date(2027, 3, 14), "7-15", "US spring forward, 07:00"),
    (SYD, "Australia/Sydney", date(2027, 4, 4), None, "Sydney fall back in April"),
    (SYD, "Australia/Sydney", date(2027, 10, 3), "8-16", "Sydney spring forward, 08:00"),
]


@pytest.mark.parametrize(
    ("owner", "tz", "due", "hours", "why"), DST_CASES, ids=[f"{c[1]}-{c[2]}" for c in DST_CASES]
)
def test_owner_morning_nudges_keep_local_time_across_a_dst_change(
    running_sqlite: RunningBot, owner: str, tz: str, due: date, hours: str | None, why: str
) -> None:
    running = running_sqlite
    _people(running)
    if hours:
        assert (
            "Your working hours"
            in running.command("/meeting", f"hours {hours}", user_id=owner).reply_text
        )
    start = int(hours.split("-")[0]) if hours else 9
    # The writer is in Berlin, a week ahead; the date is typed as Berlin reads it.
    running.clock.set(_at(due - timedelta(days=7), 12, "Europe/Berlin"))
    _act(running, f"add <@{owner}> file the report by {due.isoformat()}", BERLIN)
    before, after = _at(due - timedelta(days=1), start, tz), _at(due + timedelta(days=1), start, tz)
    # The two mornings are on either side of the change: their UTC hours differ.
    assert (before.hour - after.hour) % 24 in (1, 23), why
    for when, kind, count in ((before, "due tomorrow", 1), (after, "is overdue", 2)):
        running.run_jobs(at=when - timedelta(minutes=1))
        assert len(dm_texts(running, owner)) == count - 1, why
        running.run_jobs(at=when + timedelta(minutes=1))
        dms = dm_texts(running, owner)
        assert len(dms) == count and kind in dms[-1], why
        assert _token(due, tz) in dms[-1], why


def test_a_past_due_date_in_a_live_meeting_is_answered_in_the_thread(
    running_sqlite: RunningBot,
) -> None:
    running = running_sqlite
    _people(running)
    room = Room(running)
    # Wednesday 2 Dec 2026, 10:00 in Tokyo (Tuesday 23:00 in São Paulo).
    running.clock.set(_at(date(2026, 12, 2), 10, "Asia/Tokyo"))
    room.cmd("start Charter review", user=CHAIR)
    assert room.meeting().status == "live"
    ts = room.say(f"#action <@{VAL}> review the charter due yesterday", user=CHAIR)
    good = room.say(f"#action <@{VAL}> draft the agenda due friday", user=CHAIR)
    plain = room.say(f"#action <@{OWNER}> review by the chair", user=BERLIN)
    deliver_all(running)

    charter, agenda, review = _item(running, 1), _item(running, 2), _item(running, 3)
    # Recorded without a date; the words that could not be used stay in the task.
    assert charter.due_date is None and charter.text == "review the charter due yesterday"
    assert charter.owners == [VAL]
    # Val's Friday, read in São Paulo where it is still Tuesday.
    assert (agenda.due_date, agenda.due_tz) == (date(2026, 12, 4), "America/Sao_Paulo")
    assert agenda.text == "draft the agenda"
    # "by the chair" is no date: text, and not a word to anyone about it.
    assert review.due_date is None and review.text == "review by the chair"

    replies = [m for m in running.fake.messages("C1") if m.get("bot_id") and m.get("thread_ts")]
    assert [m["thread_ts"] for m in replies] == [ts], replies
    text = replies[0]["text"]
    assert "I recorded #1 without a due date" in text and "`yesterday` is in the past" in text
    # Yesterday for val (São Paulo): Monday 30 Nov; their today is Tuesday 1 Dec.
    assert f"in the past for <@{VAL}>" in text
    assert "2026-11-30" in text and "America/Sao_Paulo" in text
    assert f"<@{CHAIR}>" in text
    assert not any(m.get("thread_ts") in (good, plain) for m in replies)
    assert running.fake.ephemerals == []


def test_action_add_reads_by_and_due_only_when_they_are_dates(running_sqlite: RunningBot) -> None:
    running = running_sqlite
    _people(running)
    # Thursday 3 Dec 2026, 20:00 in Los Angeles: already Friday 13:00 in Tokyo.
    running.clock.set(_at(date(2026, 12, 3), 20, "America/Los_Angeles"))
    _act(running, f"add <@{OWNER}> send the minutes by tomorrow", CHAIR)
    _act(running, f"add <@{OWNER}> review by the chair", CHAIR)
    # `due` in a phrase is text: nobody is told anything; a trailing `due someday`
    # meant a date that cannot be read, and is answered.
    _act(running, f"add <@{VAL}> do the due diligence", BERLIN)
    _act(running, f"add <@{VAL}> renew the domain due someday", BERLIN)
    _act(running, f"add <@{VAL}> renew the domain due next sprint", BERLIN)
    minutes, review, diligence, someday, domain = (_item(running, n) for n in range(1, 6))
    # The owner's tomorrow is Friday; Tokyo's would have been Saturday.
    assert (minutes.due_date, minutes.text) == (date(2026, 12, 4), "send the minutes")
    assert (review.due_date, review.text) == (None, "review by the chair")
    assert (diligence.due_date, diligence.text) == (None, "do the due diligence")
    assert (someday.due_date, someday.text) == (None, "renew the domain due someday")
    assert (domain.due_date, domain.text) == (None, "renew the domain due next sprint")
    # Only the `due`s that could not be read are answered, to their writer alone.
    assert _told(running, CHAIR) == []
    told = _told(running, BERLIN)
    assert len(told) == 2, told
    assert "I recorded #4 without a due date" in told[0]
    assert "`someday` is not a date I understand" in told[0]
    assert "I recorded #5 without a due date" in told[1]
    assert "`next sprint` is not a date I understand" in told[1]


def test_action_list_and_app_home_show_date_tokens_in_the_readers_zone(
    running_sqlite: RunningBot,
) -> None:
    running = running_sqlite
    _people(running)
    running.clock.set(_at(date(2026, 12, 1), 12, "Asia/Tokyo"))
    _act(running, f"add <@{OWNER}> send the budget due dec 4", CHAIR)
    _act(running, f"add <@{SYD}> book the venue due 2026-12-07", CHAIR)
    listed = _act(running, "list", OWNER)
    assert _token(date(2026, 12, 4), "America/Los_Angeles") in listed
    assert _token(date(2026, 12, 7), "America/Los_Angeles") in listed
    from_tokyo = _act(running, "list", CHAIR)
    assert _token(date(2026, 12, 4), "Asia/Tokyo") in from_tokyo
    running.sender.event({"type": "app_home_opened", "user": SYD, "tab": "home"})
    running.deliver()
    home = str(running.fake.home_tabs[SYD]["blocks"])
    assert _token(date(2026, 12, 7), "Australia/Sydney") in home


def test_a_nudge_sent_before_nudges_were_per_owner_is_not_sent_again(
    running_sqlite: RunningBot,
) -> None:
    running = running_sqlite
    _people(running)
    la = "America/Los_Angeles"
    running.clock.set(_at(date(2026, 12, 1), 12, la))
    _act(running, f"add <@{OWNER}> <@{SYD}> send the budget due dec 4", CHAIR)
    row = _item(running, 1)
    with running.bot.rt.db.write() as s:
        # What the previous release stored once it had nudged all owners of #1.
        s.add(JobMark(team_id="T1", key=f"action:{row.id}:due-soon:2026-12-04", created_at=T0))
    running.run_jobs(at=_at(date(2026, 12, 3), 12, la))
    assert dm_texts(running, OWNER) == [] and dm_texts(running, SYD) == []
    running.run_jobs(at=_at(date(2026, 12, 5), 12, la))
    assert ["overdue" in t for t in dm_texts(running, OWNER)] == [True]
    assert ["overdue" in t for t in dm_texts(running, SYD)] == [True]


CLAUSES = [
    # (typed, task kept, due words read or None)
    ("review the charter due friday", "review the charter", "friday"),
    ("review the charter due on friday", "review the charter", "friday"),
    ("send it by 2026-12-04", "send it", "2026-12-04"),
    ("send it by yesterday", "send it", "yesterday"),  # a date, if a past one: answered
    ("send it by feb 30", "send it", "feb 30"),  # impossible, yet meant as a date
    ("review by the chair", "review by the chair", None),
    ("clean up by hand", "clean up by hand", None),
    ("write the by-laws due friday", "write the by-laws", "friday"),
    ("review by the chair due friday", "review by the chair", "friday"),
    ("finish the due diligence", "finish the due diligence", None),
    ("late due to the outage", "late due to the outage", None),
    ("renew it due next sprint", "renew it", "next sprint"),  # `due` + date-like: answered
    ("review the charter due someday", "review the charter", "someday"),  # no date: answered
    ("pay the amount due", "pay the amount due", None),  # nothing after `due`
    ("the invoice is due for review", "the invoice is due for review", None),
    ("renew it by next sprint", "renew it by next sprint", None),  # `by` + no date: text
    ("due friday", "due friday", None),  # nothing left to do
]


@pytest.mark.parametrize(("typed", "task", "due"), CLAUSES, ids=[c[0] for c in CLAUSES])
def test_which_trailing_due_and_by_are_due_dates(typed: str, task: str, due: str | None) -> None:
    split = split_action(f"<@{OWNER}> {typed}")
    assert (split.owners, split.task, split.due_text) == ((OWNER,), task, due)
    # Nothing typed is lost: put back, the clause gives the words as written.
    assert split.task_as_written == typed
