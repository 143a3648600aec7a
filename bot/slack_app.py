"""Slack wiring for the composition root: the Bolt app, the Web API transport, lookups."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.directory import Directory
from bot.outbox.slack_transport import SlackTransport
from bot.runtime import Runtime

log = logging.getLogger(__name__)

TokenLookup = Callable[[str], str | None]

BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "channels:join",
    "im:write",
    "im:history",
    "reactions:write",
    "users:read",
    "files:write",
    "app_mentions:read",
]


def slack_transport(settings: Settings, token_for: TokenLookup) -> SlackTransport:
    return SlackTransport(token_for, settings.slack_api_url)


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


def installation_token_lookup(settings: Settings, db: Database) -> TokenLookup:
    """Bot tokens of the workspaces that installed the app through OAuth."""
    store = installation_store(settings, db)

    def lookup(team_id: str) -> str | None:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot else settings.slack_bot_token

    return lookup


def installation_store(settings: Settings, db: Database) -> Any:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    store = SQLAlchemyInstallationStore(client_id=settings.slack_client_id or "", engine=db.engine)
    return store


def build_bolt_app(rt: Runtime) -> App:
    """The Bolt app: signature verification, then our listeners (process_before_response)."""
    from commands.slack import register_all

    settings = rt.settings
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=5,
        retry_handlers=[],
    )
    kwargs: dict[str, Any] = {
        "signing_secret": settings.slack_signing_secret,
        "client": client,
        # The listener runs before the HTTP response, so the ack carries the answer
        # without Bolt's 10 ms ack-polling floor; slow Slack calls go to the outbox.
        "process_before_response": True,
        "token_verification_enabled": False,
        # Raising (to our error handler) skips Bolt's own logging of unmatched
        # requests, which fails on some malformed payloads.
        "raise_error_for_unhandled_request": True,
        "ignoring_self_events_enabled": True,
    }
    if settings.oauth_enabled:
        from slack_bolt.oauth.oauth_settings import OAuthSettings
        from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

        store = installation_store(settings, rt.db)
        state_store = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=rt.db.engine)
        kwargs["oauth_settings"] = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=BOT_SCOPES,
            installation_store=store,
            state_store=state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
        kwargs["installation_store"] = store
    app = App(**kwargs)
    register_all(app, rt)

    @app.error
    def on_error(error: Exception) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            log.debug("no listener for this request")
        else:
            log.error("listener failed", exc_info=error)

    return app
