"""Slack wiring for the composition root: the Bolt app, the Web API transport, lookups."""

from __future__ import annotations

import logging
import threading
import time
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


class InstalledBots:
    """Bot tokens of the workspaces that installed the app, cached for a minute.

    Bolt's default authorize calls auth.test on every request; the installation
    store already knows the bot, so a Slack round trip per command is avoided.
    """

    TTL = 60.0

    def __init__(self, settings: Settings, db: Database) -> None:
        from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

        self.settings = settings
        self.store = SQLAlchemyInstallationStore(
            client_id=settings.slack_client_id or "", engine=db.engine, logger=log
        )
        self._cache: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def bot(self, team_id: str | None, enterprise_id: str | None = None) -> Any:
        key = f"{enterprise_id}:{team_id}"
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self.TTL:
                return hit[1]
        bot = self.store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        with self._lock:
            self._cache[key] = (now, bot)
        return bot

    def token(self, team_id: str) -> str | None:
        bot = self.bot(team_id)
        return bot.bot_token if bot else self.settings.slack_bot_token

    def forget(self, team_id: str | None, enterprise_id: str | None = None) -> None:
        self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        with self._lock:
            self._cache.clear()

    def authorizer(self) -> Any:
        """A Bolt Authorize answering from the installation store, without auth.test."""
        from slack_bolt.authorization import AuthorizeResult
        from slack_bolt.authorization.authorize import Authorize

        bots = self

        class StoreAuthorize(Authorize):
            def __call__(
                self,
                *,
                context: Any,
                enterprise_id: str | None,
                team_id: str | None,
                user_id: str | None,
                actor_enterprise_id: str | None = None,
                actor_team_id: str | None = None,
                actor_user_id: str | None = None,
            ) -> AuthorizeResult | None:
                bot = bots.bot(team_id, enterprise_id)
                if bot is None:
                    return None
                return AuthorizeResult(
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    bot_token=bot.bot_token,
                    bot_id=bot.bot_id,
                    bot_user_id=bot.bot_user_id,
                )

        return StoreAuthorize()  # type: ignore[no-untyped-call]


def single_token_lookup(settings: Settings) -> TokenLookup:
    """Every workspace is answered with SLACK_BOT_TOKEN (a single-workspace install)."""
    token = settings.slack_bot_token

    def lookup(_team_id: str) -> str | None:
        return token

    return lookup


def build_bolt_app(rt: Runtime, bots: InstalledBots | None = None) -> App:
    """The Bolt app: signature verification, then our listeners (process_before_response).

    With OAuth, `bots` is the installation store the outbox's token lookup also reads,
    so both share one cache.
    """
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
        # We use neither Slack's workflow function tokens nor Bolt's assistant and
        # conversation kwargs: two middleware passes per request saved.
        "attaching_function_token_enabled": False,
        "attaching_conversation_kwargs_enabled": False,
        "ignoring_self_assistant_message_events_enabled": False,
    }
    if bots is not None:
        from slack_bolt.oauth.oauth_settings import OAuthSettings
        from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

        state_store = SQLAlchemyOAuthStateStore(
            expiration_seconds=600, engine=rt.db.engine, logger=log
        )
        kwargs["oauth_settings"] = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=BOT_SCOPES,
            installation_store=bots.store,
            state_store=state_store,
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            install_page_rendering_enabled=False,
        )
        kwargs["authorize"] = bots.authorizer()
    app = App(**kwargs)
    register_all(app, rt)

    if bots is not None:
        installed = bots

        def on_uninstall(body: dict[str, Any]) -> None:
            installed.forget(body.get("team_id"), body.get("enterprise_id"))

        app.event("app_uninstalled")(on_uninstall)
        app.event("tokens_revoked")(on_uninstall)

    @app.error
    def on_error(error: Exception) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            log.debug("no listener for this request")
        else:
            log.error("listener failed", exc_info=error)

    return app
