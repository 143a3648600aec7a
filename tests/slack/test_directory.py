"""The member directory against a slow, failing and eventful Slack, through the real bot.

No Slack Web API call runs while a transaction is open: the caller and a few named
people are asked before it within a short budget, a whole channel's members in the
background (in bulk with users.list), failures are remembered for a while, and
user_change / team_join events keep the rows current.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import directory as directory_module
from bot.meetings.models import MeetingSeries
from bot.models import SlackUser
from tests.conftest import T0, RunningBot, check_fake_slack, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.rooms import Room

TEAM = "T0001"
CHANNEL = "C0123ABCD"
BIG = "C0456EFGH"
MARIA = "U024BE7LH"  # Europe/Paris, the one who is always known
BOB = "U0G9QF9C6"  # America/Los_Angeles
PRIYA = "W012A3CDE"  # Asia/Kolkata, an Enterprise Grid user
# People in several zones, for the directory to learn.
PEOPLE = {
    MARIA: ("maria", "Europe/Paris"),
    BOB: ("bob", "America/Los_Angeles"),
    "U03KX7TLM": ("chie", "Asia/Tokyo"),
    "U05SAOPLO": ("joao", "America/Sao_Paulo"),
    "U06KIRITI": ("teuea", "Pacific/Kiritimati"),  # UTC+14: already tomorrow at T0
}
STRANGER_ZONES = ["Asia/Kolkata", "America/Sao_Paulo", "Africa/Nairobi", "Australia/Sydney"]


@pytest.fixture
def slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=TEAM)
    fake.start()
    for uid, (name, tz) in PEOPLE.items():
        fake.add_user(uid, name=name, tz=tz)
    fake.add_channel(CHANNEL, "wg-general", members=list(PEOPLE))
    try:
        yield fake
    finally:
        fake.stop()
    check_fake_slack(request, fake)


def _running(url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    rb = start_bot(url, slack)
    rb.sender.team_id = TEAM
    try:
        yield rb
    finally:
        rb.stop()


@pytest.fixture
def bot(sqlite_url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    """The bot on SQLite, where one writer at a time makes a slow transaction hurt most."""
    yield from _running(sqlite_url, slack)


@pytest.fixture
def any_bot(db_url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    """The bot on each database (SQLite, then PostgreSQL): how rows are stored."""
    yield from _running(db_url, slack)


def command(rb: RunningBot, command: str, text: str, user: str, **kw: str) -> tuple[float, str]:
    """(seconds until the acknowledgement, its text)."""
    t0 = time.monotonic()
    resp = rb.command(command, text, user_id=user, channel_id=kw.pop("channel_id", CHANNEL), **kw)
    took = time.monotonic() - t0
    assert resp.status == 200
    return took, resp.reply_text


def users_info_calls(fake: FakeSlack, user: str | None = None) -> int:
    return len([c for c in fake.calls_to("users.info") if user in (None, c.params.get("user"))])


def test_a_first_time_users_zone_is_known_for_their_first_command_when_slack_is_quick(
    bot: RunningBot,
) -> None:
    # Monday 12:00 UTC is Tuesday 02:00 in Kiritimati: "tomorrow" is Wednesday there.
    _, text = command(bot, "/action", "add renew the domain by tomorrow", "U06KIRITI")
    assert "Action item #1" in text and "2026-11-25" in text
    assert users_info_calls(bot.fake, "U06KIRITI") == 1
    # Asked once: the next command is answered from what was learned (and stored); the
    # channel's four other members, a handful, are asked about before it.
    _, text = command(bot, "/meeting", "times 9:00", "U06KIRITI")
    assert "read in your Slack time zone, Pacific/Kiritimati" in text
    assert "Tokyo" in text and "Sao Paulo" in text
    assert users_info_calls(bot.fake, "U06KIRITI") == 1
    assert users_info_calls(bot.fake) == len(PEOPLE)
    assert bot.bot.rt.directory.wait_idle(5)
    with bot.bot.rt.db.read() as s:
        row = s.get(SlackUser, (TEAM, "U06KIRITI"))
        assert row is not None and (row.name, row.tz) == ("teuea", "Pacific/Kiritimati")


def test_first_time_users_are_answered_in_time_while_users_info_hangs(bot: RunningBot) -> None:
    # Maria is known already; four people the bot has never seen come next.
    _, text = command(bot, "/action", "add set up the agenda by friday", MARIA)
    assert "Action item #1" in text
    newcomers = {
        "U07NEW0001": "Asia/Kolkata",
        "U07NEW0002": "America/Sao_Paulo",
        "W07NEW0003": "Africa/Nairobi",
        "U07NEW0004": "Australia/Sydney",
    }
    for uid, tz in newcomers.items():
        bot.fake.add_user(uid, tz=tz)
    bot.fake.hang("users.info", seconds=2.5)

    took: dict[str, float] = {}
    answers: dict[str, str] = {}

    def add(uid: str, text: str) -> None:
        took[uid], answers[uid] = command(bot, "/action", text, uid)

    threads = [
        threading.Thread(target=add, args=(uid, f"add write the report of {uid} by friday"))
        for uid in newcomers
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # the newcomers' lookups are under way: an unrelated write now
    add(MARIA, f"add <@{MARIA}> book the room")
    for thread in threads:
        thread.join(10)

    assert took[MARIA] < 1.0, took
    for uid in newcomers:
        assert took[uid] < 2.9, took
        assert "Action item #" in answers[uid], answers[uid]
    # Slack was asked once about each of them (and answered in the background later).
    assert all(users_info_calls(bot.fake, uid) == 1 for uid in newcomers)
    bot.fake.clear_failures()
    assert bot.bot.rt.directory.wait_idle(10)
    _, text = command(bot, "/meeting", "times 9:00", "U07NEW0001")
    assert "read in your Slack time zone, Asia/Kolkata" in text
    assert users_info_calls(bot.fake, "U07NEW0001") == 1


def test_a_failed_lookup_is_not_repeated_within_the_negative_cache_time(
    any_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    any_bot.fake.add_user("U08FAIL001", tz="Asia/Tokyo")
    any_bot.fake.fail("users.info", status=500)
    _, first = command(any_bot, "/action", "add call the venue by friday", "U08FAIL001")
    assert "Action item #1" in first  # answered, the date read in UTC meanwhile
    assert users_info_calls(any_bot.fake, "U08FAIL001") == 1
    any_bot.fake.clear_failures()
    for text in ("add confirm the catering by friday", "list mine"):
        command(any_bot, "/action", text, "U08FAIL001")
    command(any_bot, "/action", "add <@U08FAIL001> send the slides", MARIA)
    assert users_info_calls(any_bot.fake, "U08FAIL001") == 1  # not asked again

    # Someone Slack does not know is refused, and not asked about twice either.
    for _ in range(2):
        _, text = command(any_bot, "/action", "add <@U404NOBODY> do it", MARIA)
        assert "Slack does not know the user <@U404NOBODY>" in text
    assert users_info_calls(any_bot.fake, "U404NOBODY") == 1

    # The memory of a failure is for a while only: then Slack is asked again.
    monkeypatch.setattr(directory_module, "NEGATIVE_TTL_S", 0.3)
    any_bot.fake.add_user("U08FAIL002", tz="Europe/Paris")
    any_bot.fake.fail("users.info", status=500, times=1)
    _, text = command(any_bot, "/meeting", "times 9:00", "U08FAIL002")  # the failed lookup
    assert "read in your Slack time zone, UTC" in text
    _, text = command(any_bot, "/meeting", "times 9:00", "U08FAIL002")
    assert "read in your Slack time zone, UTC" in text
    assert users_info_calls(any_bot.fake, "U08FAIL002") == 1
    time.sleep(0.4)
    _, text = command(any_bot, "/meeting", "times 9:00", "U08FAIL002")
    assert "read in your Slack time zone, Europe/Paris" in text
    assert users_info_calls(any_bot.fake, "U08FAIL002") == 2


def _series_in(rb: RunningBot, channel: str, name: str) -> None:
    """A weekly series in `channel` (stored directly: scheduling it would ask about the
    channel's members, and this test is about a channel the bot has never seen)."""
    now = rb.clock.now()
    with rb.bot.rt.db.write() as s:
        s.add(
            MeetingSeries(
                team_id=TEAM,
                number=1,
                name=name,
                channel_id=channel,
                home_tz="Europe/Paris",
                dtstart=datetime(2026, 11, 24, 15, tzinfo=UTC),
                rrule="RRULE:FREQ=WEEKLY;BYDAY=TU",
                exdates=[],
                duration_minutes=60,
                chairs=[MARIA],
                reminder_offsets=[],
                created_by=MARIA,
                created_at=now,
                reminders_from=now,
            )
        )


def test_meeting_next_in_a_big_channel_of_strangers_answers_at_once_then_learns(
    bot: RunningBot,
) -> None:
    strangers = [f"U{i:08d}" if i % 3 else f"W{i:08d}" for i in range(1000)]
    for i, uid in enumerate(strangers):
        bot.fake.add_user(uid, tz=STRANGER_ZONES[i % len(STRANGER_ZONES)])
    bot.fake.add_channel(BIG, "wg-everyone", members=strangers)
    _series_in(bot, BIG, "All hands")
    bot.fake.hang(None, seconds=0.2)  # every Web API call takes 200 ms

    took, first = command(bot, "/meeting", "next", MARIA, channel_id=BIG)
    assert took < 3.0, took
    assert "All hands" in first and "<!date^" in first and "Home zone (Europe/Paris)" in first
    # The members were learned in the background, in bulk, for the next answer.
    assert bot.bot.rt.directory.wait_idle(30)
    _, second = command(bot, "/meeting", "next", MARIA, channel_id=BIG)
    for city in ("Kolkata", "Sao Paulo", "Nairobi", "Sydney"):
        assert city in second, second
    assert "Kolkata" not in first
    assert users_info_calls(bot.fake) == 0
    assert len(bot.fake.calls_to("conversations.members")) == 1
    assert 1 <= len(bot.fake.calls_to("users.list")) <= 2  # 1,005 people: two pages
    with bot.bot.rt.db.read() as s:
        stored = s.scalars(select(SlackUser.user_id).where(SlackUser.team_id == TEAM)).all()
    assert set(strangers) <= set(stored)


def test_user_change_and_team_join_keep_the_directory_current(any_bot: RunningBot) -> None:
    # Priya joins the workspace; users.info would not even know her (the fake lacks her).
    joined = {
        "id": PRIYA,
        "team_id": TEAM,
        "name": "priya",
        "real_name": "Priya Raman",
        "tz": "Asia/Kolkata",
        "is_admin": False,
        "is_bot": False,
        "profile": {"display_name": "priya", "real_name": "Priya Raman"},
    }
    assert any_bot.sender.event({"type": "team_join", "user": joined}).status == 200
    _, text = command(any_bot, "/meeting", "times 9:00", PRIYA)
    assert "read in your Slack time zone, Asia/Kolkata" in text

    # Maria is known (asked once); then she moves to Sao Paulo and changes her name.
    _, text = command(any_bot, "/meeting", "times 9:00", MARIA)
    assert "read in your Slack time zone, Europe/Paris" in text
    moved = {
        "id": MARIA,
        "team_id": TEAM,
        "name": "maria.s",
        "real_name": "Maria Silva",
        "tz": "America/Sao_Paulo",
        "profile": {"display_name": "maria.s"},
    }
    assert any_bot.sender.event({"type": "user_change", "user": moved}).status == 200
    _, text = command(any_bot, "/meeting", "times 9:00", MARIA)
    assert "read in your Slack time zone, America/Sao_Paulo" in text
    assert users_info_calls(any_bot.fake, PRIYA) == 0
    assert users_info_calls(any_bot.fake, MARIA) == 1

    # Their names, as the published minutes show them.
    room = Room(any_bot, channel=CHANNEL, team=TEAM)
    assert "has started" in room.cmd("start Sync", user=MARIA)
    room.cmd("here Acme", user=PRIYA)
    room.cmd("here Initech", user=MARIA)
    assert "has ended" in room.cmd("end", user=MARIA)
    published = room.publish(MARIA)
    markdown = any_bot.sender.get(f"/minutes/{published.public_id}.md").text
    assert "| Acme | priya |" in markdown and "| Initech | maria.s |" in markdown
    assert users_info_calls(any_bot.fake, PRIYA) == 0


def test_the_bulk_fill_at_start_is_used(any_bot: RunningBot) -> None:
    for i in range(40):
        any_bot.fake.add_user(f"U09FILL{i:03d}", tz=STRANGER_ZONES[i % len(STRANGER_ZONES)])
    any_bot.fake.add_user(PRIYA, name="priya", tz="Asia/Kolkata")
    any_bot.bot.start_background(delivery=False, scheduler=False)
    assert any_bot.bot.rt.directory.wait_idle(10)
    assert len(any_bot.fake.calls_to("users.list")) == 1

    # Everyone's zone and name is known, without a users.info.
    _, text = command(any_bot, "/action", "add renew the domain by tomorrow", "U06KIRITI")
    assert "2026-11-25" in text
    _, text = command(any_bot, "/meeting", "times 9:00", PRIYA)
    assert "read in your Slack time zone, Asia/Kolkata" in text
    _, text = command(any_bot, "/action", f"add <@{PRIYA}> <@U09FILL007> <@{BOB}> plan it", MARIA)
    assert "Action item #2" in text
    _, text = command(any_bot, "/meeting", "times 9:00", MARIA)
    for city in ("Paris", "Los Angeles", "Tokyo", "Sao Paulo", "Kiritimati"):
        assert city in text, text
    assert users_info_calls(any_bot.fake) == 0

    # A second start (another process, a restart) does not read the workspace again.
    any_bot.bot.rt.directory.start_fill()
    assert any_bot.bot.rt.directory.wait_idle(10)
    assert len(any_bot.fake.calls_to("users.list")) == 1
    # Unless the last reading is old.
    any_bot.advance(timedelta(hours=13))
    any_bot.bot.rt.directory.start_fill()
    assert any_bot.bot.rt.directory.wait_idle(10)
    assert len(any_bot.fake.calls_to("users.list")) == 2
    assert T0 < any_bot.clock.now()


@pytest.fixture
def oauth_bot(db_url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    """Several workspaces (OAuth): each installation has a token of its own."""
    rb = start_bot(
        db_url,
        slack,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    )
    try:
        yield rb
    finally:
        rb.stop()


def test_a_new_installation_reads_its_workspace_in_the_background(oauth_bot: RunningBot) -> None:
    from tests.slack.test_oauth import install

    directory = oauth_bot.bot.rt.directory
    for team_id, token in (("T0002", "xoxb-team-two"), ("T0003", "xoxb-team-three")):
        install(oauth_bot, team_id, token)
        assert directory.wait_idle(10)
        assert [c.token for c in oauth_bot.fake.calls_to("users.list")][-1] == token
        with oauth_bot.bot.rt.db.read() as s:
            row = s.get(SlackUser, (team_id, BOB))
            assert row is not None and row.tz == "America/Los_Angeles"
    assert len(oauth_bot.fake.calls_to("users.list")) == 2
    # At start every installed workspace is read again, once its last reading is old.
    oauth_bot.bot.start_background(delivery=False, scheduler=False)
    assert directory.wait_idle(10)
    assert len(oauth_bot.fake.calls_to("users.list")) == 2
    oauth_bot.advance(timedelta(hours=13))
    directory.start_fill()
    assert directory.wait_idle(10)
    assert sorted(c.token for c in oauth_bot.fake.calls_to("users.list")[2:]) == [
        "xoxb-team-three",
        "xoxb-team-two",
    ]
