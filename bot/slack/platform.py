"""The bot's membership of channels, made sure of with Slack before a transaction opens."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.platform import Membership
from bot.slack.metered import MeteredWebClient
from bot.slack.oauth import TokenLookup

log = logging.getLogger(__name__)

# A membership Slack confirmed is trusted this long (the bot rarely leaves channels;
# when it is removed, the next post answers not_in_channel or channel_not_found and
# the transport drops the entry: bot.app wires SlackTransport.on_lost_channel here).
MEMBER_TTL_S = 600.0
# No Slack call gets less than this, nor more than the request has left.
MIN_CALL_S = 0.2
# Slack's errors about a channel, in the words of `Membership.problem`. Slack hides a
# private channel the bot is not in ("not found" to us) and joins only public ones.
PROBLEMS = {
    "channel_not_found": "private",
    "method_not_supported_for_channel_type": "private",
    "is_archived": "archived",
}


def _problem(channel_id: str, method: str, error: str) -> str:
    """A Slack error as a Membership problem; anything else is "unavailable" (try again)."""
    problem = PROBLEMS.get(error)
    if problem is None:
        log.warning("%s %s answered %s", method, channel_id, error or "nothing")
        return "unavailable"
    return problem


class SlackPlatform:
    def __init__(self, settings: Settings, token_for: TokenLookup) -> None:
        self._settings = settings
        self._token_for = token_for
        self._known: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def _client(self, team_id: str, deadline: float | None) -> WebClient | None:
        token = self._token_for(team_id)
        if not token:
            return None
        left = 5.0 if deadline is None else deadline - time.monotonic()
        return MeteredWebClient(
            token=token,
            base_url=self._settings.slack_api_url,
            timeout=max(1, int(max(left, MIN_CALL_S) + 0.999)),
            retry_handlers=[],
        )

    def forget(self, team_id: str, channel_id: str) -> None:
        with self._lock:
            self._known.pop((team_id, channel_id), None)

    def ensure_member(self, team_id: str, channel_id: str, *, deadline: float | None) -> Membership:
        """Join a public channel the bot is not in; say so for a private one."""
        key = (team_id, channel_id)
        with self._lock:
            until = self._known.get(key)
        if until is not None and until > time.monotonic():
            return Membership(channel_id=channel_id, is_member=True)
        if channel_id[:1] == "D":
            # A direct message: Slack delivers its events to the bot anyway.
            return Membership(channel_id=channel_id, is_member=True)
        client = self._client(team_id, deadline)
        if client is None:
            return Membership(channel_id=channel_id, is_member=False, problem="unavailable")
        try:
            info: dict[str, Any] = client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            problem = _problem(channel_id, "conversations.info", error)
            return Membership(channel_id=channel_id, is_member=False, problem=problem)
        except Exception:
            log.warning("conversations.info %s failed", channel_id, exc_info=True)
            return Membership(channel_id=channel_id, is_member=False, problem="unavailable")
        private = bool(info.get("is_private"))
        if info.get("is_archived"):
            return Membership(channel_id, is_member=False, private=private, problem="archived")
        if info.get("is_member"):
            self._remember(key)
            return Membership(channel_id=channel_id, is_member=True, private=private)
        if private:
            return Membership(channel_id, is_member=False, private=True, problem="private")
        try:
            client.conversations_join(channel=channel_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            problem = _problem(channel_id, "conversations.join", error)
            return Membership(channel_id=channel_id, is_member=False, problem=problem)
        except Exception:
            log.warning("conversations.join %s failed", channel_id, exc_info=True)
            return Membership(channel_id=channel_id, is_member=False, problem="unavailable")
        self._remember(key)
        return Membership(channel_id=channel_id, is_member=True, joined_now=True)

    def _remember(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._known[key] = time.monotonic() + MEMBER_TTL_S
