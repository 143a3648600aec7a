"""The member directory's Slack side: users.info and conversations.members."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import Settings
from bot.directory import Directory
from bot.slack.oauth import TokenLookup


def slack_directory(settings: Settings, token_for: TokenLookup, clock: Clock) -> Directory:
    clients: dict[str, WebClient] = {}

    def client(team_id: str) -> WebClient | None:
        token = token_for(team_id)
        if not token:
            return None
        if token not in clients:
            # Short timeout: these run while a user waits for an answer.
            clients[token] = WebClient(
                token=token, base_url=settings.slack_api_url, timeout=2, retry_handlers=[]
            )
        return clients[token]

    def fetch_user(team_id: str, user_id: str) -> dict[str, Any] | None:
        c = client(team_id)
        if c is None:
            return None
        try:
            data = c.users_info(user=user_id)
        except Exception as exc:
            if "user_not_found" in str(exc):
                return None
            raise
        user = data.get("user") or {}
        return {
            "name": user.get("name") or (user.get("profile") or {}).get("display_name"),
            "real_name": user.get("real_name"),
            "tz": user.get("tz"),
            "is_admin": user.get("is_admin") or user.get("is_owner"),
            "is_bot": user.get("is_bot"),
        }

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

    return Directory(clock, fetch_user, fetch_members)
