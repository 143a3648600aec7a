"""A workspace's settings and bot admins at the service level: a real session, no HTTP.

Anyone may read them; only admins change them, a refusal writes nothing, and a
workspace never seen before works the first time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.db import Database
from bot.errors import PermissionDenied, UsageError
from bot.models import BotAdmin, Workspace
from bot.services import workspace
from bot.services.common import ensure_workspace
from tests.conftest import T0

TEAM = "T0001"
OTHER_TEAM = "T0002"
ADMIN = "U024BE7LH"
MEMBER = "U0G9QF9C6"
GRID_MEMBER = "W012A3CDE"
GENERAL = "C0123ABCD"
DIGEST = "C0456EFGH"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


def _never() -> bool:
    raise AssertionError("is_admin was asked although nothing needed it")


def test_settings_start_unset_and_only_admins_change_them(db: Database) -> None:
    with db.read() as s:
        # Not seen yet: nothing set, and reading creates nothing.
        assert workspace.workspace_settings(s, team_id=TEAM) == workspace.WorkspaceSettings()
        assert s.get(Workspace, TEAM) is None
    with db.write() as s:
        with pytest.raises(PermissionDenied, match="only workspace admins and bot admins can"):
            workspace.set_channel(
                s,
                team_id=TEAM,
                setting="default_channel",
                channel_id=GENERAL,
                is_admin=lambda: False,
                now=T0,
            )
        assert s.get(Workspace, TEAM) is None  # a refusal writes nothing
        saved = workspace.set_channel(
            s, team_id=TEAM, setting="default_channel", channel_id=GENERAL, is_admin=True, now=T0
        )
        assert saved == workspace.WorkspaceSettings(default_channel=GENERAL)
        workspace.set_channel(
            s, team_id=TEAM, setting="digest_channel", channel_id=DIGEST, is_admin=True, now=T0
        )
    with db.read() as s:
        assert workspace.workspace_settings(s, team_id=TEAM) == workspace.WorkspaceSettings(
            GENERAL, DIGEST
        )
        # Each workspace has its own.
        assert workspace.workspace_settings(s, team_id=OTHER_TEAM) == workspace.WorkspaceSettings()


def test_settings_are_named_as_people_type_them(db: Database) -> None:
    assert workspace.CHANNEL_SETTINGS == {
        "default-channel": "default_channel",
        "digest-channel": "digest_channel",
    }
    with db.write() as s:
        ensure_workspace(s, team_id=TEAM, now=T0)
        with pytest.raises(UsageError, match="no channel setting"):
            workspace.set_channel(
                s,
                team_id=TEAM,
                setting="name",  # type: ignore[arg-type]
                channel_id=GENERAL,
                is_admin=_never,
                now=T0,
            )
        assert s.get(Workspace, TEAM).name == ""  # type: ignore[union-attr]


def test_only_admins_grant_and_revoke_bot_admins(db: Database) -> None:
    configured = frozenset({"U0CONFIG1"})
    with db.write() as s:
        changes: list[Callable[[], bool]] = [
            lambda: workspace.grant_bot_admin(
                s, team_id=TEAM, user_id=MEMBER, is_admin=False, now=T0
            ),
            lambda: workspace.revoke_bot_admin(s, team_id=TEAM, user_id=MEMBER, is_admin=False),
        ]
        for change in changes:
            with pytest.raises(PermissionDenied, match="can change the bot admins"):
                change()
        assert s.query(BotAdmin).count() == 0
        # An admin makes the member one, in a workspace not seen before.
        assert workspace.grant_bot_admin(s, team_id=TEAM, user_id=MEMBER, is_admin=True, now=T0)
        assert not workspace.grant_bot_admin(s, team_id=TEAM, user_id=MEMBER, is_admin=True, now=T0)
        assert workspace.grant_bot_admin(
            s, team_id=TEAM, user_id=GRID_MEMBER, is_admin=lambda: True, now=T0
        )
    with db.read() as s:
        assert workspace.bot_admins(s, team_id=TEAM, configured=configured) == [
            MEMBER,
            GRID_MEMBER,
            "U0CONFIG1",
        ]
        assert workspace.bot_admins(s, team_id=OTHER_TEAM, configured=frozenset()) == []
    with db.write() as s:
        assert workspace.revoke_bot_admin(s, team_id=TEAM, user_id=GRID_MEMBER, is_admin=True)
        assert not workspace.revoke_bot_admin(s, team_id=TEAM, user_id=GRID_MEMBER, is_admin=True)
    with db.read() as s:
        assert workspace.bot_admins(s, team_id=TEAM, configured=()) == [MEMBER]
