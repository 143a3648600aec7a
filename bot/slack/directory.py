"""The member directory's Slack side: users.info, users.list and conversations.members.

These calls run in the directory's worker threads, never inside a transaction: a
request waits for them only a short budget (bot/directory.py), so the client's own
timeout can be generous enough for a slow Slack to still answer for the next time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.directory import FILL_PAGE_SIZE, Directory, RateLimited
from bot.slack.metered import MeteredWebClient
from bot.slack.oauth import BOTS, TokenLookup, oauth_metadata, team_of_token
from bot.timekit.zones import canonical_zone

CALL_TIMEOUT_S = 10
# users.info errors that say "not for you" rather than "try again".
REFUSED = frozenset({"user_not_found", "account_inactive", "missing_scope", "user_not_visible"})


def profile_of(user: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack user object (users.info, users.list, user_change, team_join) -> what
    the directory keeps."""
    profile = user.get("profile") or {}
    return {
        "id": user.get("id"),
        "name": user.get("name") or profile.get("display_name"),
        "real_name": user.get("real_name") or profile.get("real_name"),
        # Canonical, so one zone is one group: Asia/Calcutta profiles meet Asia/Kolkata ones.
        "tz": canonical_zone(str(user["tz"])) if user.get("tz") else user.get("tz"),
        "is_admin": bool(user.get("is_admin") or user.get("is_owner")),
        "is_bot": bool(user.get("is_bot")),
    }


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asks to wait (a 429), else None."""
    if getattr(exc.response, "status_code", None) != 429:
        return None
    for key, value in (getattr(exc.response, "headers", None) or {}).items():
        if str(key).lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(1.0, float(first))
            except (TypeError, ValueError):
                break
    return 30.0


def _workspaces(settings: Settings, db: Database | None) -> Callable[[], list[str]]:
    """The workspaces to read at start: the installed ones, or SLACK_BOT_TOKEN's."""

    def installed() -> list[str]:
        assert db is not None
        table = oauth_metadata().tables[BOTS]
        with db.read() as session:
            found = session.scalars(select(table.c.team_id).where(table.c.team_id.is_not(None)))
            return sorted({str(t) for t in found})

    def single() -> list[str]:
        team = team_of_token(settings)
        return [team] if team else []

    return installed if settings.oauth_enabled and db is not None else single


def slack_directory(
    settings: Settings, token_for: TokenLookup, clock: Clock, *, db: Database | None = None
) -> Directory:
    clients: dict[str, WebClient] = {}

    def client(team_id: str) -> WebClient | None:
        token = token_for(team_id)
        if not token:
            return None
        if token not in clients:
            clients[token] = MeteredWebClient(
                token=token,
                base_url=settings.slack_api_url,
                timeout=CALL_TIMEOUT_S,
                retry_handlers=[],
            )
        return clients[token]

    def fetch_user(team_id: str, user_id: str) -> dict[str, Any] | None:
        c = client(team_id)
        if c is None:
            return None
        try:
            data = c.users_info(user=user_id)
        except SlackApiError as exc:
            # Refused: unknown, gone, or (Slack Connect) another organisation's member
            # we may not look up; the directory decides whether a channel lists them.
            if exc.response.get("error") in REFUSED:
                return None
            raise
        return profile_of(data.get("user") or {})

    def list_users(team_id: str, cursor: str | None) -> tuple[list[Mapping[str, Any]], str | None]:
        c = client(team_id)
        if c is None:
            return [], None
        try:
            data = c.users_list(limit=FILL_PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            wait = _retry_after(exc)
            if wait is not None:
                raise RateLimited(wait) from exc
            raise
        users: list[Mapping[str, Any]] = [
            profile_of(u) for u in data.get("members") or [] if isinstance(u, dict)
        ]
        next_cursor = (data.get("response_metadata") or {}).get("next_cursor")
        return users, str(next_cursor) if next_cursor else None

    def fetch_members(team_id: str, channel_id: str) -> list[str] | None:
        c = client(team_id)
        if c is None:
            return None
        members: list[str] = []
        cursor = None
        for _ in range(20):
            data = c.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
            members.extend(data.get("members") or [])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return members

    directory = Directory(
        clock,
        fetch_user,
        fetch_members,
        list_users=list_users,
        teams=_workspaces(settings, db),
    )
    if db is not None:
        directory.attach(db)
    return directory
