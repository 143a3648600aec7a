"""Who may administer the bot: Slack admins and owners, WGBOT_ADMINS, and bot admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.directory import Directory
from bot.errors import PermissionDenied
from bot.models import BotAdmin

# Whether the caller is an admin: a flag, or a function that finds out (services call
# it only when the answer matters, since it may ask Slack about the user).
IsAdmin: TypeAlias = bool | Callable[[], bool]


def admin_now(is_admin: IsAdmin) -> bool:
    """The flag, asking the function if that is what was given."""
    return is_admin() if callable(is_admin) else bool(is_admin)


def check_admin(is_admin: IsAdmin, *, doing: str) -> None:
    """Refuse politely, naming who may, unless the caller is an admin."""
    if not admin_now(is_admin):
        raise PermissionDenied(
            f"Sorry, only workspace admins and bot admins can {doing}. "
            "Ask one of them, or ask them to make you a bot admin with `/wg admins add @you`."
        )


def is_bot_admin(
    session: Session,
    *,
    directory: Directory,
    configured: frozenset[str],
    team_id: str,
    user_id: str,
) -> bool:
    if user_id in configured:
        return True
    if session.get(BotAdmin, (team_id, user_id)) is not None:
        return True
    info = directory.user(session, team_id, user_id)
    return bool(info and info.is_admin)


def list_admins(session: Session, *, team_id: str) -> list[str]:
    return list(
        session.scalars(
            select(BotAdmin.user_id).where(BotAdmin.team_id == team_id).order_by(BotAdmin.user_id)
        )
    )


def add_admin(session: Session, *, team_id: str, user_id: str) -> bool:
    if session.get(BotAdmin, (team_id, user_id)) is not None:
        return False
    session.add(BotAdmin(team_id=team_id, user_id=user_id))
    session.flush()
    return True


def remove_admin(session: Session, *, team_id: str, user_id: str) -> bool:
    row = session.get(BotAdmin, (team_id, user_id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
