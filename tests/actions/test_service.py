"""The action-item rules at the service level: a real database session, no HTTP, no Slack.

Who may change an item (owners, its creator, the chairs of its channel's meetings,
admins), that owners are people Slack knows, and that a typed due date is read in the
zone of the person who typed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.actions import service as actions
from bot.actions.models import ActionItem
from bot.app import registry
from bot.clock import FakeClock
from bot.db import Database
from bot.directory import Directory
from bot.errors import Conflict, NotFound, PermissionDenied
from bot.minutes import service as minutes
from bot.platform import Membership
from bot.services.hooks import FeatureHooks, MeetingSlot
from tests.conftest import T0

TEAM = "T0001"
CHANNEL = "C0123ABCD"
CREATOR = "U024BE7LH"  # in Paris
OWNER = "U0G9QF9C6"  # in Los Angeles
STRANGER = "U061F7AUR"  # neither owner, creator, chair nor admin
CHAIR = "W012A3CDE"  # an Enterprise Grid user who chairs the channel's meetings
ADMIN = "U0ADMIN01"

PEOPLE: dict[str, dict[str, Any]] = {
    CREATOR: {"name": "maria", "tz": "Europe/Paris"},
    OWNER: {"name": "bob", "tz": "America/Los_Angeles"},
    STRANGER: {"name": "chie", "tz": "Asia/Tokyo"},
    CHAIR: {"name": "dana", "tz": "UTC"},
    ADMIN: {"name": "root", "tz": "UTC", "is_admin": True},
}


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def directory() -> Directory:
    """The real directory, its Slack lookups answered from PEOPLE (as the console does)."""
    # Asked before the transactions, as the Dispatcher does: the directory never asks
    # Slack inside one (there, who it does not know yet is answered as unknown).
    found = Directory(FakeClock(T0), lambda _team, uid: PEOPLE.get(uid), lambda _t, _c: [])
    found.prefetch(TEAM, [*PEOPLE, "U404NOBODY"], deadline=None)
    return found


def _never() -> bool:
    raise AssertionError("is_admin was asked although the answer was already known")


def _add(session: Session, directory: Directory, **kw: Any) -> ActionItem:
    values: dict[str, Any] = {
        "team_id": TEAM,
        "user_id": CREATOR,
        "text": "send the draft to the list",
        "owners": (OWNER,),
        "due_text": None,
        "now": T0,
        "channel_id": CHANNEL,
    }
    values.update(kw)
    return actions.record_item(session, directory=directory, **values).row


def _due(row: ActionItem) -> tuple[date | None, str | None, str | None]:
    """The due date as typed, its zone, and when it is over (UTC)."""
    return row.due_date, row.due_tz, row.due_at.isoformat() if row.due_at else None


def _close(session: Session, hooks: FeatureHooks, user: str, is_admin: Any = False) -> ActionItem:
    return actions.close_item(
        session, hooks=hooks, team_id=TEAM, number=1, user_id=user, is_admin=is_admin, now=T0
    )


# -- who may edit -------------------------------------------------------------------


def test_owner_creator_and_admin_may_close_and_reopen_a_stranger_may_not(
    db: Database, directory: Directory
) -> None:
    hooks = FeatureHooks()
    with db.write() as s:
        _add(s, directory)
    with db.write() as s:
        with pytest.raises(PermissionDenied, match=r"only an owner of action item #1"):
            _close(s, hooks, STRANGER)
        with pytest.raises(PermissionDenied, match="can reopen it"):
            actions.reopen_item(
                s, hooks=hooks, team_id=TEAM, number=1, user_id=STRANGER, is_admin=False, now=T0
            )
        # The owner may, and nobody asks whether they are an admin.
        row = _close(s, hooks, OWNER, is_admin=_never)
        assert (row.status, row.done_by, row.done_at) == ("done", OWNER, T0)
        with pytest.raises(Conflict, match="already done"):
            _close(s, hooks, CREATOR)
        # The creator may reopen it.
        row = actions.reopen_item(
            s, hooks=hooks, team_id=TEAM, number=1, user_id=CREATOR, is_admin=_never, now=T0
        )
        assert (row.status, row.done_by, row.done_at) == ("open", None, None)
        # An admin may: the function that finds out is asked only now.
        asked: list[str] = []

        def is_admin() -> bool:
            asked.append(ADMIN)
            return True

        _close(s, hooks, ADMIN, is_admin=is_admin)
        assert asked == [ADMIN]
    with db.read() as s:
        assert actions.get_item(s, team_id=TEAM, number=1).status == "done"


def test_refused_changes_write_nothing(db: Database, directory: Directory) -> None:
    hooks = FeatureHooks()
    with db.write() as s:
        _add(s, directory, due_text="friday")
    with db.write() as s:
        changes: list[Callable[[], object]] = [
            lambda: _close(s, hooks, STRANGER),
            lambda: actions.reassign_item(
                s,
                hooks=hooks,
                directory=directory,
                team_id=TEAM,
                number=1,
                user_id=STRANGER,
                is_admin=False,
                owners=[STRANGER],
                now=T0,
            ),
            lambda: actions.redate_item(
                s,
                hooks=hooks,
                directory=directory,
                team_id=TEAM,
                number=1,
                user_id=STRANGER,
                is_admin=False,
                due_text=None,
                now=T0,
            ),
        ]
        for change in changes:
            with pytest.raises(PermissionDenied):
                change()
    with db.read() as s:
        row = actions.get_item(s, team_id=TEAM, number=1)
        assert (row.status, row.owners, row.due_date) == ("open", [OWNER], date(2026, 11, 27))


def test_chairs_of_the_live_meeting_and_of_the_series_may_edit(
    db: Database, directory: Directory
) -> None:
    hooks = FeatureHooks()
    with db.write() as s:
        _add(s, directory)
        assert (
            actions.meeting_chairs(s, hooks=hooks, team_id=TEAM, channel_id=CHANNEL, now=T0) == ()
        )
        with pytest.raises(PermissionDenied):
            _close(s, hooks, CHAIR)

        # A feature that runs meetings live says who chairs the one in the channel.
        hooks.live_chairs.append(
            lambda _s, team, channel, _now: [CHAIR] if (team, channel) == (TEAM, CHANNEL) else []
        )
        assert actions.meeting_chairs(s, hooks=hooks, team_id=TEAM, channel_id=CHANNEL, now=T0) == (
            CHAIR,
        )
        assert actions.meeting_chairs(s, hooks=hooks, team_id=TEAM, channel_id=None, now=T0) == ()
        assert _close(s, hooks, CHAIR, is_admin=_never).status == "done"

    # The chairs of the series: of the occurrence under way, and of the next one.
    def slot(chairs: tuple[str, ...], days: int) -> MeetingSlot:
        start = T0 + timedelta(days=days)
        return MeetingSlot(1, "Weekly", CHANNEL, start, start + timedelta(hours=1), "UTC", chairs)

    series = FeatureHooks()
    series.current_meeting.append(lambda *_: slot((STRANGER,), 0))
    series.next_meeting.append(lambda *_: slot((CHAIR, STRANGER), 7))
    with db.write() as s:
        assert actions.meeting_chairs(
            s, hooks=series, team_id=TEAM, channel_id=CHANNEL, now=T0
        ) == (STRANGER, CHAIR)
        row = actions.reopen_item(
            s, hooks=series, team_id=TEAM, number=1, user_id=STRANGER, is_admin=_never, now=T0
        )
        assert row.status == "open"


def test_the_chair_of_a_live_minutes_meeting_may_edit_through_the_installed_hooks(
    db: Database, directory: Directory
) -> None:
    """The composed bot: the minutes feature tells action items who chairs its meeting."""
    hooks = registry().hooks
    with db.write() as s:
        _add(s, directory)
        with pytest.raises(PermissionDenied):
            _close(s, hooks, CHAIR)
        minutes.start_meeting(
            s,
            team_id=TEAM,
            channel_id=CHANNEL,
            user_id=CHAIR,
            name="Sync",
            now=T0,
            tz="UTC",
            hearing=Membership(CHANNEL, is_member=True),
        )
        assert CHAIR in actions.meeting_chairs(
            s, hooks=hooks, team_id=TEAM, channel_id=CHANNEL, now=T0
        )
        assert _close(s, hooks, CHAIR, is_admin=_never).status == "done"
        # The meeting is in another channel: its chair is nobody special here.
        row = _add(s, directory, channel_id="C0456EFGH")
        with pytest.raises(PermissionDenied):
            actions.close_item(
                s,
                hooks=hooks,
                team_id=TEAM,
                number=row.number,
                user_id=CHAIR,
                is_admin=False,
                now=T0,
            )


def test_may_edit_is_the_rule_in_plain_values() -> None:
    row = ActionItem(number=3, owners=[OWNER], created_by=CREATOR)
    assert actions.may_edit(row, OWNER, chairs=(), is_admin=False)
    assert actions.may_edit(row, CREATOR, chairs=(), is_admin=False)
    assert actions.may_edit(row, CHAIR, chairs=(CHAIR,), is_admin=False)
    assert actions.may_edit(row, ADMIN, chairs=(), is_admin=True)
    assert actions.may_edit(row, ADMIN, chairs=(), is_admin=lambda: True)
    assert not actions.may_edit(row, STRANGER, chairs=(CHAIR,), is_admin=lambda: False)


# -- owners and due dates ---------------------------------------------------------


def test_owners_must_be_people_slack_knows(db: Database, directory: Directory) -> None:
    hooks = FeatureHooks()
    with db.write() as s:
        with pytest.raises(NotFound, match=r"Slack does not know the user <@U404NOBODY>"):
            _add(s, directory, owners=(OWNER, "U404NOBODY"))
        assert s.query(ActionItem).count() == 0
        row = _add(s, directory, owners=(OWNER, CHAIR, OWNER))
        assert row.owners == [OWNER, CHAIR]
        with pytest.raises(NotFound, match="U404NOBODY"):
            actions.reassign_item(
                s,
                hooks=hooks,
                directory=directory,
                team_id=TEAM,
                number=1,
                user_id=OWNER,
                is_admin=_never,
                owners=["U404NOBODY"],
                now=T0,
            )
        assert row.owners == [OWNER, CHAIR]
        # Nobody is a fine answer: the item waits for an owner.
        actions.reassign_item(
            s,
            hooks=hooks,
            directory=directory,
            team_id=TEAM,
            number=1,
            user_id=CREATOR,
            is_admin=_never,
            owners=[],
            now=T0,
        )
        assert row.owners == []


def test_a_due_date_is_read_in_its_owners_calendar(db: Database, directory: Directory) -> None:
    # Monday 23 Nov 2026, 01:00 UTC: already Monday 02:00 in Paris (the writer), still
    # Sunday 17:00 in Los Angeles (the owner), Monday 10:00 in Tokyo.
    early = T0 - timedelta(hours=11)
    hooks = FeatureHooks()
    with db.write() as s:
        row = _add(s, directory, due_text="tomorrow", now=early)
        # The owner's tomorrow (Monday), over at their midnight.
        assert _due(row) == (date(2026, 11, 23), "America/Los_Angeles", "2026-11-24T08:00:00+00:00")
        # Nobody owns it: the writer's own calendar.
        alone = _add(s, directory, due_text="tomorrow", owners=(), now=early)
        assert _due(alone) == (date(2026, 11, 24), "Europe/Paris", "2026-11-24T23:00:00+00:00")
        # Several owners: the first one's calendar (Tokyo's tomorrow is Tuesday).
        both = _add(s, directory, due_text="tomorrow", owners=(STRANGER, OWNER), now=early)
        assert _due(both) == (date(2026, 11, 24), "Asia/Tokyo", "2026-11-24T15:00:00+00:00")
        # Whoever moves it, the date is the owner's: the writer in Paris types "tomorrow"
        # at 13:00 Paris, 04:00 Monday in Los Angeles.
        actions.redate_item(
            s,
            hooks=hooks,
            directory=directory,
            team_id=TEAM,
            number=1,
            user_id=CREATOR,
            is_admin=_never,
            due_text="tomorrow",
            now=T0,
        )
        assert _due(row) == (date(2026, 11, 24), "America/Los_Angeles", "2026-11-25T08:00:00+00:00")
        actions.redate_item(
            s,
            hooks=hooks,
            directory=directory,
            team_id=TEAM,
            number=1,
            user_id=CREATOR,
            is_admin=_never,
            due_text=None,
            now=T0,
        )
        assert _due(row) == (None, None, None)
        # Someone Slack does not know (or who has no zone) has a UTC calendar.
        due = actions.due_from_text(
            s, directory=directory, team_id=TEAM, user_id="U404NOBODY", text="today", now=T0
        )
        assert due == actions.Due(date(2026, 11, 23), "UTC")


def test_a_due_date_that_cannot_be_used_leaves_the_item_recorded_without_one(
    db: Database, directory: Directory
) -> None:
    def record(due_text: str, words: str) -> actions.Recorded:
        return actions.record_item(
            s,
            directory=directory,
            team_id=TEAM,
            user_id=CREATOR,
            text="send the draft",
            owners=(OWNER,),
            due_text=due_text,
            due_words=words,
            now=T0,
            channel_id=CHANNEL,
        )

    with db.write() as s:
        past = record("2026-01-01", "by 2026-01-01")
        assert past.row.due_date is None and past.row.text == "send the draft by 2026-01-01"
        assert past.note is not None
        assert past.note.startswith("I recorded #1 without a due date: `2026-01-01` is in the past")
        # Sunday 22 Nov is already past for the owner too, although it is "yesterday".
        assert "today is 2026-11-23 in America/Los_Angeles" in past.note
        impossible = record("2026-02-30", "due 2026-02-30")
        assert impossible.note is not None and "#2" in impossible.note
        assert "not a real date" in impossible.note
        # What the person typed comes back escaped for Slack.
        odd = record("<someday>", "due <someday>")
        assert odd.note is not None and "&lt;someday&gt;" in odd.note
        assert odd.row.text == "send the draft due <someday>"
        assert s.query(ActionItem).filter(ActionItem.due_date.is_not(None)).count() == 0
        assert s.query(ActionItem).count() == 3
