"""Several workspaces: the OAuth installation store, its bot tokens, and its tables.

The tables belong to slack_sdk's SQLAlchemy stores, on their own metadata; our
migrations create them so that one `wgbot migrate` prepares everything and the
schema test covers them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from bot.config import Settings
from bot.db import Database

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


INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
STATES = "slack_oauth_states"


@cache
def oauth_metadata() -> MetaData:
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS)
    SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES)
    return metadata


class InstalledBots:
    """Bot tokens of the workspaces that installed the app, cached for a minute.

    Bolt's default authorize calls auth.test on every request; the installation
    store already knows the bot, so a Slack round trip per command is avoided.
    """

    TTL = 60.0

    def __init__(self, settings: Settings, db: Database) -> None:
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


def team_of_token(settings: Settings) -> str | None:
    """The workspace SLACK_BOT_TOKEN belongs to (auth.test), or None (no token, no answer)."""
    if not settings.slack_bot_token:
        return None
    from slack_sdk import WebClient

    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[],
    )
    try:
        answer = client.auth_test()
    except Exception as exc:
        log.warning("auth.test failed: %s", exc)
        return None
    team = answer.get("team_id")
    return str(team) if team else None
