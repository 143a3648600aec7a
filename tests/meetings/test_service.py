"""The meetings services on a real database (SQLite, then PostgreSQL), without Slack or HTTP."""

from __future__ import annotations

import base64
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot.clock import FakeClock
from bot.db import Database
from bot.directory import Directory
from bot.errors import NotFound, PermissionDenied, UsageError
from bot.meetings import people, scheduling
from bot.meetings import services as svc
from bot.meetings.grammar import SuggestRequest, parse_schedule, parse_times
from bot.meetings.models import CalendarFeed, MeetingSeries
from bot.meetings.scheduling import Clashes, Scheduled
from bot.meetings.times import convert_time
from bot.models import ChannelMembers, OutboxMessage, SlackUser
from bot.platform import Membership

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
TEAM = "T0001"
OTHER_TEAM = "T0002"
ALICE = "U024BE7LH"  # Europe/Paris
BOB = "U0G9QF9C6"  # America/Los_Angeles
CHIE = "U03KX7TLM"  # Asia/Tokyo
NOZONE = "U05NZ0NE1"  # Slack tells no time zone
ROBOT = "U06B0T0AA"  # a bot user
STRANGER = "U07UNKN0W"  # Slack does not know this one
OPS = "C0123ABCD"  # alice, bob and the bot
WORLD = "C0456EFGH"  # bob, chie and nozone
EMPTY = "C0789IJKL"


class SlackAnswers:
    """What users.info and conversations.members would answer, and how often they were asked."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {
            ALICE: {"name": "alice", "tz": "Europe/Paris"},
            BOB: {"name": "bob", "tz": "America/Los_Angeles"},
            CHIE: {"name": "chie", "tz": "Asia/Tokyo"},
            NOZONE: {"name": "nozone"},
            ROBOT: {"name": "robot", "tz": "UTC", "is_bot": True},
        }
        self.channels: dict[str, list[str]] = {
            OPS: [ALICE, BOB, ROBOT],
            WORLD: [BOB, CHIE, NOZONE],
            EMPTY: [],
        }
        self.calls: list[str] = []

    def user(self, _team: str, user_id: str) -> dict[str, Any] | None:
        self.calls.append(f"users.info {user_id}")
        return self.users.get(user_id)

    def members(self, _team: str, channel_id: str) -> list[str] | None:
        self.calls.append(f"conversations.members {channel_id}")
        return self.channels.get(channel_id)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def slack() -> SlackAnswers:
    return SlackAnswers()


@pytest.fixture
def directory(slack: SlackAnswers) -> Directory:
    # Asked before the transactions, as the Dispatcher does: the directory never asks
    # Slack inside one (there, who it does not know yet is answered as unknown).
    found = Directory(FakeClock(NOW), slack.user, slack.members)
    found.prefetch(TEAM, [*slack.users, STRANGER], deadline=None, channels=slack.channels)
    slack.calls.clear()
    return found


@contextmanager
def read_only(db: Database) -> Iterator[Session]:
    """A read transaction in which the database itself refuses every write."""
    # A Database of its own, disposed after: the connection setting cannot leak.
    guarded = Database(db.url)
    try:
        with guarded.read() as session:
            session.execute(
                text("PRAGMA query_only = ON" if guarded.sqlite else "SET TRANSACTION READ ONLY")
            )
            yield session
            session.flush()  # anything pending would be written now, and refused
    finally:
        guarded.dispose()


def draft(words: str, *, channel_id: str = OPS, default_tz: str = "UTC") -> svc.Draft:
    return parse_schedule(shlex.split(words), channel_id=channel_id, default_tz=default_tz, now=NOW)


def schedule(
    db: Database,
    directory: Directory,
    words: str,
    *,
    user_id: str = ALICE,
    here: str = OPS,
    confirmed: bool = False,
) -> Scheduled | Clashes:
    planned = draft(words, channel_id=here)
    with db.write() as s:
        return scheduling.schedule_series(
            s,
            directory=directory,
            team_id=TEAM,
            user_id=user_id,
            here=here,
            draft=planned,
            now=NOW,
            hearing=Membership(planned.channel_id, is_member=True),
            confirmed=confirmed,
        )


def saved(db: Database, directory: Directory, words: str, **kw: Any) -> MeetingSeries:
    outcome = schedule(db, directory, words, **kw)
    assert isinstance(outcome, Scheduled), outcome
    return outcome.series


def count(db: Database, model: type[Any]) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def series_named(db: Database, name: str) -> MeetingSeries:
    with db.read() as s:
        return s.scalars(select(MeetingSeries).where(MeetingSeries.name == name)).one()


# -- who may change a series, and where it may live --------------------------------------


def test_creator_and_chairs_may_change_a_series_and_admins_are_asked_last(
    db: Database, directory: Directory
) -> None:
    series = saved(db, directory, f'"SWG" every tuesday at 16:00 UTC chairs <@{BOB}>')
    asked: list[str] = []

    def admin(answer: bool) -> scheduling.AdminCheck:
        def check() -> bool:
            asked.append("admin?")
            return answer

        return check

    scheduling.may_change(series, user_id=ALICE, admin_check=admin(False))
    scheduling.may_change(series, user_id=BOB, admin_check=admin(False))
    assert asked == []  # the scheduler and the chairs need no users.info call
    scheduling.may_change(series, user_id=CHIE, admin_check=admin(True))
    scheduling.may_change(series, user_id=CHIE, admin_check=True)
    with pytest.raises(PermissionDenied, match="Only the person who scheduled “SWG”"):
        scheduling.may_change(series, user_id=CHIE, admin_check=admin(False))
    assert asked == ["admin?", "admin?"]


def test_the_scheduler_must_be_in_the_target_channel(db: Database, directory: Directory) -> None:
    with db.write() as s:
        scheduling.check_channel(
            s, directory=directory, team_id=TEAM, user_id=ALICE, channel_id=OPS
        )
        with pytest.raises(UsageError, match=f"not a member of <#{WORLD}>") as caught:
            scheduling.check_channel(
                s, directory=directory, team_id=TEAM, user_id=ALICE, channel_id=WORLD
            )
    assert caught.value.field == "channel"
    elsewhere = f'"Far" every tuesday at 16:00 UTC in <#{WORLD}>'
    with pytest.raises(UsageError, match="not a member") as refused:
        schedule(db, directory, elsewhere)
    assert refused.value.field == "channel"
    assert count(db, MeetingSeries) == 0
    # Asked from that channel, or where membership is not known (the console), it is fine.
    with db.write() as s:
        console = scheduling.schedule_series(
            s,
            directory=directory,
            team_id=TEAM,
            user_id=ALICE,
            here=OPS,
            draft=draft(elsewhere),
            now=NOW,
            hearing=Membership(WORLD, is_member=True),
            check_membership=False,
        )
    assert isinstance(console, Scheduled) and console.series.channel_id == WORLD
    assert isinstance(schedule(db, directory, elsewhere, user_id=BOB, here=WORLD), Clashes)


# -- plan, clashes, save -------------------------------------------------------------------


def test_schedule_saves_the_series_and_its_channel_feed(db: Database, directory: Directory) -> None:
    outcome = schedule(db, directory, '"SWG" every 2 weeks on tuesday at 16:00 Europe/Paris')
    assert isinstance(outcome, Scheduled)
    series = outcome.series
    assert (series.team_id, series.channel_id, series.created_by) == (TEAM, OPS, ALICE)
    assert series.dtstart == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert outcome.plan.rrule == "RRULE:FREQ=WEEKLY;BYDAY=TU;INTERVAL=2;WKST=MO"
    with db.read() as s:
        feed = s.get(CalendarFeed, (TEAM, OPS))
        assert feed is not None and feed.token == outcome.feed_token
    # The next series in the channel keeps the feed it has.
    again = schedule(db, directory, '"TWG" every wednesday at 9:00 UTC')
    assert isinstance(again, Scheduled) and again.feed_token == outcome.feed_token
    assert count(db, CalendarFeed) == 1


def test_a_clash_saves_nothing_until_confirmed(db: Database, directory: Directory) -> None:
    saved(db, directory, '"SWG" every tuesday at 16:00 UTC')
    clashing = '"Clash" on 2026-12-01 at 16:30 UTC'
    outcome = schedule(db, directory, clashing)
    assert isinstance(outcome, Clashes) and outcome.series_id is None
    assert [(c.number, c.name, c.why) for c in outcome.clashes] == [(1, "SWG", "channel")]
    assert outcome.clashes[0].start == datetime(2026, 12, 1, 16, tzinfo=UTC)
    assert count(db, MeetingSeries) == 1
    assert isinstance(schedule(db, directory, clashing, confirmed=True), Scheduled)
    assert count(db, MeetingSeries) == 2
    # A shared chair clashes across channels too.
    saved(db, directory, f'"Ops" every wednesday at 9:00 UTC chairs <@{BOB}>')
    chaired = schedule(
        db,
        directory,
        f'"Chair clash" on 2026-11-25 at 9:30 UTC chairs <@{BOB}>',
        user_id=BOB,
        here=WORLD,
    )
    assert isinstance(chaired, Clashes) and chaired.clashes[0].why == BOB


def test_plan_errors_are_refused_before_anything_is_saved(
    db: Database, directory: Directory
) -> None:
    cases = {
        '"A" on 2020-01-01 at 10:00 UTC': ("in the past", "when"),
        '"A" every tuesday at 10:00 UTC starting 2026-01-06': ("in the past", "starting"),
        '"A" on 2027-03-14 at 2:30 America/Los_Angeles': ("does not exist", "time"),
    }
    for words, (problem, field) in cases.items():
        with pytest.raises(UsageError, match=problem) as caught:
            schedule(db, directory, words)
        assert caught.value.field == field
    assert count(db, MeetingSeries) == 0 and count(db, CalendarFeed) == 0


def test_edit_checks_who_asks_and_clashes_with_others_only(
    db: Database, directory: Directory
) -> None:
    swg = saved(db, directory, '"SWG" every tuesday at 16:00 UTC')
    saved(db, directory, '"Late" every tuesday at 18:00 UTC')

    def edit(
        change: Any, *, user_id: str = ALICE, confirmed: bool = False, **target: Any
    ) -> Scheduled | Clashes:
        with db.write() as s:
            return scheduling.edit_series(
                s,
                directory=directory,
                team_id=TEAM,
                user_id=user_id,
                here=OPS,
                change=change,
                now=NOW,
                admin_check=False,
                confirmed=confirmed,
                **({"ref": "SWG"} | target),
            )

    # Longer, but overlapping only itself: saved.
    done = edit(lambda d: svc.with_changes(d, duration=90))
    assert isinstance(done, Scheduled) and done.series.duration_minutes == 90
    with pytest.raises(PermissionDenied):
        edit(lambda d: svc.with_changes(d, duration=30), user_id=BOB)
    assert series_named(db, "SWG").duration_minutes == 90
    # Into the other series: a clash naming the edited series for the confirm button.
    later = edit(lambda d: svc.with_changes(d, duration=150))
    assert isinstance(later, Clashes) and later.series_id == swg.id
    assert [c.name for c in later.clashes] == ["Late"]
    assert series_named(db, "SWG").duration_minutes == 90
    confirmed = edit(lambda _d: later.plan.draft, series_id=swg.id, ref=None, confirmed=True)
    assert isinstance(confirmed, Scheduled)
    assert series_named(db, "SWG").duration_minutes == 150
    # Moving a series to a channel its editor is not in is refused.
    with pytest.raises(UsageError, match="not a member") as caught:
        edit(lambda d: svc.with_changes(d, channel_id=WORLD))
    assert caught.value.field == "channel"
    # A button's series id from another workspace, or of a series cancelled since.
    with db.write() as s:
        foreign = svc.save_new(
            s,
            team_id=OTHER_TEAM,
            plan_=svc.plan(draft('"Theirs" every friday at 9:00 UTC'), now=NOW),
            user_id=ALICE,
            now=NOW,
        )
    with pytest.raises(UsageError, match="no longer exists"):
        edit(lambda d: d, series_id=foreign.id, ref=None)
    with db.write() as s:
        scheduling.cancel_series(
            s, team_id=TEAM, user_id=ALICE, here=OPS, ref="SWG", now=NOW, admin_check=False
        )
    with pytest.raises(NotFound, match="no meeting series #1"):
        edit(lambda d: d, series_id=swg.id, ref=None)


def test_cancel_and_skip_ask_the_same_rule(db: Database, directory: Directory) -> None:
    saved(db, directory, '"SWG" every tuesday at 16:00 Europe/Paris')
    with db.write() as s:
        with pytest.raises(PermissionDenied):
            scheduling.cancel_series(
                s, team_id=TEAM, user_id=BOB, here=OPS, ref="SWG", now=NOW, admin_check=False
            )
        with pytest.raises(PermissionDenied):
            scheduling.skip_meeting(
                s,
                team_id=TEAM,
                user_id=BOB,
                here=OPS,
                ref="1",
                words=["2026-12-01"],
                now=NOW,
                admin_check=lambda: False,
            )
        with pytest.raises(UsageError, match="does not meet on Wed 2026-12-02"):
            scheduling.skip_meeting(
                s,
                team_id=TEAM,
                user_id=ALICE,
                here=OPS,
                ref="SWG",
                words=["2026-12-02"],
                now=NOW,
                admin_check=False,
            )
        with pytest.raises(UsageError, match="not a date"):
            scheduling.skip_meeting(
                s,
                team_id=TEAM,
                user_id=ALICE,
                here=OPS,
                ref="SWG",
                words=["soon"],
                now=NOW,
                admin_check=False,
            )
        skipped = scheduling.skip_meeting(
            s,
            team_id=TEAM,
            user_id=BOB,
            here=OPS,
            ref="SWG",
            words=["2026-11-24", "SC26", "week"],
            now=NOW,
            admin_check=True,
        )
    assert skipped.reason == "SC26 week"
    assert skipped.occurrence.start == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert skipped.next is not None and skipped.next.start == datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert series_named(db, "SWG").exdates == [{"date": "2026-11-24", "reason": "SC26 week"}]
    with db.write() as s:
        cancelled = scheduling.cancel_series(
            s, team_id=TEAM, user_id=CHIE, here=OPS, ref="SWG", now=NOW, admin_check=lambda: True
        )
    assert cancelled.cancelled_at == NOW
    assert series_named(db, "SWG").cancelled_at == NOW


# -- people: participants for suggestions, working hours ---------------------------------


def test_participants_from_people_and_channels_in_a_read_only_transaction(
    db: Database, directory: Directory, slack: SlackAnswers
) -> None:
    with db.write() as s:
        people.set_working_hours(
            s, directory=directory, team_id=TEAM, user_id=BOB, start=420, end=900
        )
    with read_only(db) as s:
        found = people.participants(
            s, directory=directory, team_id=TEAM, user_ids=[CHIE, BOB], channel_ids=[OPS, WORLD]
        )
    assert [(p.id, p.tz, p.work_start, p.work_end) for p in found.people] == [
        (CHIE, "Asia/Tokyo", 480, 1080),
        (BOB, "America/Los_Angeles", 420, 900),
        (ALICE, "Europe/Paris", 480, 1080),
        (NOZONE, "UTC", 480, 1080),
    ]
    assert found.unknown == [NOZONE]  # and the bot is left out
    # Nothing was stored but the hours Bob set himself.
    with db.read() as s:
        assert [u.user_id for u in s.scalars(select(SlackUser))] == [BOB]
    assert count(db, ChannelMembers) == 0
    with read_only(db) as s:
        capped = people.participants(
            s, directory=directory, team_id=TEAM, user_ids=[], channel_ids=[WORLD], limit=2
        )
    assert [p.id for p in capped.people] == [BOB, CHIE]


def test_suggest_slots_for_this_channel_by_default(db: Database, directory: Directory) -> None:
    with read_only(db) as s:
        result = people.suggest_slots(
            s,
            directory=directory,
            team_id=TEAM,
            here=OPS,
            request=SuggestRequest(duration=60, days=5, users=(), channels=()),
            now=NOW,
        )
        assert result.total == 2 and result.slots  # Alice and Bob; not the bot
        named = people.suggest_slots(
            s,
            directory=directory,
            team_id=TEAM,
            here=OPS,
            request=SuggestRequest(duration=30, days=3, users=(CHIE,), channels=()),
            now=NOW,
        )
        assert named.total == 1
        with pytest.raises(UsageError, match="found nobody"):
            people.suggest_slots(
                s,
                directory=directory,
                team_id=TEAM,
                here=OPS,
                request=SuggestRequest(duration=60, days=5, users=(), channels=(EMPTY,)),
                now=NOW,
            )


def test_working_hours_default_then_stored_and_seen_at_once(
    db: Database, directory: Directory
) -> None:
    with db.write() as s:
        shown = people.working_hours(s, directory=directory, team_id=TEAM, user_id=ALICE)
        assert (shown.start, shown.end, shown.tz) == (480, 1080, "Europe/Paris")
        # The directory keeps a copy of Alice now; setting her hours must not leave it stale.
        before = directory.user(s, TEAM, ALICE)
        assert before is not None and before.work_start is None
        saved_hours = people.set_working_hours(
            s, directory=directory, team_id=TEAM, user_id=ALICE, start=540, end=1020
        )
        assert (saved_hours.start, saved_hours.end, saved_hours.tz) == (540, 1020, "Europe/Paris")
        after = directory.user(s, TEAM, ALICE)
        assert after is not None and (after.work_start, after.work_end) == (540, 1020)
        # Someone Slack does not know still gets a row for their hours.
        stranger = people.set_working_hours(
            s, directory=directory, team_id=TEAM, user_id=STRANGER, start=600, end=960
        )
        assert stranger.tz == "UTC"
    with db.read() as s:
        row = s.get(SlackUser, (TEAM, STRANGER))
        assert row is not None and (row.name, row.work_start, row.work_end) == (STRANGER, 600, 960)
        shown = people.working_hours(s, directory=directory, team_id=TEAM, user_id=ALICE)
        assert (shown.start, shown.end) == (540, 1020)


# -- read paths: list, next, times, and the directory they use ---------------------------


def test_listing_reads_the_feed_but_never_creates_it(db: Database, directory: Directory) -> None:
    with read_only(db) as s:
        empty = svc.listing(s, team_id=TEAM, channel_id=OPS, now=NOW)
    assert empty.series == [] and empty.feed_token is None
    outcome = schedule(db, directory, '"SWG" every tuesday at 16:00 UTC')
    assert isinstance(outcome, Scheduled)
    with read_only(db) as s:
        here = svc.listing(s, team_id=TEAM, channel_id=OPS, now=NOW)
        everywhere = svc.listing(s, team_id=TEAM, channel_id=None, now=NOW)
        elsewhere = svc.listing(s, team_id=TEAM, channel_id=WORLD, now=NOW)
    assert here.feed_token == outcome.feed_token
    [(series, occ)] = here.series
    assert series.name == "SWG" and occ is not None
    assert occ.start == datetime(2026, 11, 24, 16, tzinfo=UTC)
    assert everywhere.feed_token is None and len(everywhere.series) == 1
    assert elsewhere.series == [] and elsewhere.feed_token is None
    assert count(db, CalendarFeed) == 1


def test_soonest_meeting_with_member_zones_in_a_read_only_transaction(
    db: Database, directory: Directory
) -> None:
    with read_only(db) as s:
        nothing = svc.soonest_meeting(
            s, directory=directory, team_id=TEAM, channel_id=OPS, ref="", now=NOW
        )
    assert nothing.series is None
    saved(db, directory, '"SWG" every tuesday at 16:00 UTC')
    saved(db, directory, '"Sooner" on 2026-11-24 at 9:00 UTC')
    with read_only(db) as s:
        soonest = svc.soonest_meeting(
            s, directory=directory, team_id=TEAM, channel_id=OPS, ref="", now=NOW
        )
        named = svc.soonest_meeting(
            s, directory=directory, team_id=TEAM, channel_id=OPS, ref="SWG", now=NOW
        )
        with pytest.raises(NotFound):
            svc.soonest_meeting(
                s, directory=directory, team_id=TEAM, channel_id=OPS, ref="Nope", now=NOW
            )
    assert soonest.series is not None and soonest.series.name == "Sooner"
    assert named.occurrence is not None
    assert named.occurrence.start == datetime(2026, 11, 24, 16, tzinfo=UTC)
    assert named.zones == {"Europe/Paris": [ALICE], "America/Los_Angeles": [BOB]}
    later = NOW + timedelta(days=2)
    with read_only(db) as s:
        over = svc.soonest_meeting(
            s, directory=directory, team_id=TEAM, channel_id=OPS, ref="Sooner", now=later
        )
    assert over.series is not None and over.occurrence is None
    assert count(db, ChannelMembers) == 0


def test_convert_time_to_the_channels_zones_in_a_read_only_transaction(
    db: Database, directory: Directory
) -> None:
    today = date(2026, 11, 23)
    with read_only(db) as s:
        members = convert_time(
            s,
            directory=directory,
            team_id=TEAM,
            channel_id=WORLD,
            request=parse_times("wednesday 9am", today_in=today),
            own_tz="Europe/Paris",
        )
        named = convert_time(
            s,
            directory=directory,
            team_id=TEAM,
            channel_id=WORLD,
            request=parse_times("2027-03-10 9am PT in London, IST", today_in=today),
            own_tz="Europe/Paris",
        )
        nobody = convert_time(
            s,
            directory=directory,
            team_id=TEAM,
            channel_id=EMPTY,
            request=parse_times("10:00 UTC", today_in=today),
            own_tz="Europe/Paris",
        )
    assert members.aware == datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert members.notes == ["No zone given: read in your Slack time zone, Europe/Paris."]
    assert members.zones == {"America/Los_Angeles": [BOB], "Asia/Tokyo": [CHIE]}
    assert list(named.zones) == ["Europe/London", "Asia/Kolkata"]
    assert named.source.key == "America/Los_Angeles"
    assert any("IST is ambiguous" in n for n in named.notes)
    assert nobody.zones == {"UTC": []}


def test_the_directory_answers_from_what_it_knows_and_asks_slack_outside_transactions(
    db: Database, directory: Directory, slack: SlackAnswers
) -> None:
    with read_only(db) as s:
        alice = directory.user(s, TEAM, ALICE, store=False)
        assert alice is not None and alice.tz == "Europe/Paris"
        assert directory.user(s, TEAM, STRANGER, store=False) is None
        assert directory.user_tz(s, TEAM, NOZONE, store=False) == "UTC"
        assert directory.channel_members(s, TEAM, OPS, store=False) == [ALICE, BOB, ROBOT]
    # All of it from what was asked before: no Slack call, nothing written.
    assert slack.calls == []
    assert count(db, SlackUser) == 0 and count(db, ChannelMembers) == 0
    # Not asked before: inside the transaction it answers with what it knows (nobody
    # yet) and asks Slack in the background; then it knows.
    fresh = Directory(FakeClock(NOW), slack.user, slack.members)
    try:
        with read_only(db) as s:
            first = fresh.user(s, TEAM, ALICE)
            assert first is not None and not first.known and first.tz is None
            assert fresh.channel_members(s, TEAM, OPS) == []
        assert fresh.wait_idle(5)
        with read_only(db) as s:
            assert fresh.user(s, TEAM, ALICE) == alice
            assert fresh.channel_members(s, TEAM, OPS) == [ALICE, BOB, ROBOT]
    finally:
        fresh.close()
    assert sorted(slack.calls) == [f"conversations.members {OPS}", f"users.info {ALICE}"]


def test_share_calendar_queues_the_file_and_creates_the_feed(
    db: Database, directory: Directory
) -> None:
    with db.write() as s:
        series = scheduling.schedule_series(
            s,
            directory=directory,
            team_id=TEAM,
            user_id=ALICE,
            here=WORLD,
            draft=draft(f'"Ops & Co" every friday at 9:00 UTC in <#{WORLD}>'),
            now=NOW,
            hearing=Membership(WORLD, is_member=True),
            check_membership=False,
        )
        assert isinstance(series, Scheduled)
        s.execute(CalendarFeed.__table__.delete())  # a series from before feeds existed
    with db.write() as s:
        shared = svc.share_calendar(
            s, team_id=TEAM, ref="Ops & Co", channel_id=OPS, public_url="http://wgbot.test", now=NOW
        )
    assert shared.filename == "ops-co.ics" and shared.series.channel_id == WORLD
    with db.read() as s:
        feed = s.get(CalendarFeed, (TEAM, WORLD))
        assert feed is not None and feed.token == shared.feed_token
        upload = s.scalars(select(OutboxMessage)).one()
    payload = upload.payload
    assert (payload["channel"], payload["filename"]) == (OPS, "ops-co.ics")
    assert "SUMMARY:Ops & Co" in base64.b64decode(payload["content_b64"]).decode()
