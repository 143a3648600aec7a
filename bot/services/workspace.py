"""A workspace's own settings and its bot admins: anyone may read them, admins change them.

Each change checks the caller first (a refusal writes nothing) and makes sure the
workspace's row exists, so it works the first time a workspace is seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.models import Workspace
from bot.services import permissions
from bot.services.common import ensure_workspace
from bot.services.permissions import IsAdmin, check_admin

ChannelSetting = Literal["default_channel", "digest_channel"]
# The settings as people name them, e.g. `/wg settings digest-channel #wg-digest`.
CHANNEL_SETTINGS: dict[str, ChannelSetting] = {
    "default-channel": "default_channel",
    "digest-channel": "digest_channel",
}


@dataclass(frozen=True)
class WorkspaceSettings:
    """Where the bot posts when nothing says otherwise (None: not set)."""

    # New issues whose provider has no triage channel go here.
    default_channel: str | None = None
    # The weekly support digest goes here.
    digest_channel: str | None = None
    # Dates like 9/10 are read day first (9 October) instead of month first.
    day_first: bool = False


def workspace_settings(session: Session, *, team_id: str) -> WorkspaceSettings:
    """The workspace's settings; all unset for a workspace not seen yet."""
    ws = session.get(Workspace, team_id)
    if ws is None:
        return WorkspaceSettings()
    return WorkspaceSettings(ws.default_channel, ws.digest_channel, bool(ws.day_first))


def day_first(session: Session, team_id: str) -> bool:
    """Whether this workspace reads ``9/10`` as 9 October (month first when not set)."""
    ws = session.get(Workspace, team_id)
    return bool(ws.day_first) if ws is not None else False


def set_day_first(
    session: Session, *, team_id: str, day_first: bool, is_admin: IsAdmin, now: datetime
) -> WorkspaceSettings:
    """Read numeric dates day first (or month first) from now on (admins)."""
    check_admin(is_admin, doing="change the bot's settings")
    ws = ensure_workspace(session, team_id=team_id, now=now)
    ws.day_first = day_first
    session.flush()
    return WorkspaceSettings(ws.default_channel, ws.digest_channel, ws.day_first)


def set_channel(
    session: Session,
    *,
    team_id: str,
    setting: ChannelSetting,
    channel_id: str,
    is_admin: IsAdmin,
    now: datetime,
) -> WorkspaceSettings:
    """Point a channel setting at `channel_id` (admins); the settings as they now are."""
    if setting not in CHANNEL_SETTINGS.values():
        raise UsageError(f"There is no channel setting `{setting[:40]}`.")
    check_admin(is_admin, doing="change the bot's settings")
    ws = ensure_workspace(session, team_id=team_id, now=now)
    setattr(ws, setting, channel_id)
    session.flush()
    return WorkspaceSettings(ws.default_channel, ws.digest_channel, bool(ws.day_first))


def bot_admins(session: Session, *, team_id: str, configured: Iterable[str]) -> list[str]:
    """The bot admins: those added in the workspace, then WGBOT_ADMINS (`configured`)."""
    return [*permissions.list_admins(session, team_id=team_id), *sorted(configured)]


def grant_bot_admin(
    session: Session, *, team_id: str, user_id: str, is_admin: IsAdmin, now: datetime
) -> bool:
    """Make `user_id` a bot admin (admins only); False when they already were."""
    check_admin(is_admin, doing="change the bot admins")
    # Bot admins belong to their workspace's row (a foreign key).
    ensure_workspace(session, team_id=team_id, now=now)
    return permissions.add_admin(session, team_id=team_id, user_id=user_id)


def revoke_bot_admin(session: Session, *, team_id: str, user_id: str, is_admin: IsAdmin) -> bool:
    """Make `user_id` no longer a bot admin (admins only); False when they were not one."""
    check_admin(is_admin, doing="change the bot admins")
    return permissions.remove_admin(session, team_id=team_id, user_id=user_id)
