"""What `wgbot doctor` asks Slack: the token, its scopes, Slack's clock, channel membership.

Plain values out (the port `bot.doctor.SlackChecks`): the doctor judges them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import SlackUnavailable
from bot.platform import Membership
from bot.slack.channels import channel_name, find_channel_ids, is_channel_id
from bot.slack.oauth import BOT_SCOPES

log = logging.getLogger(__name__)


class SlackProbe:
    """Asks Slack with one bot token; what auth.test's answer carried is kept."""

    def __init__(self, token: str, base_url: str, *, timeout: int = 10) -> None:
        self._client = WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])
        self._headers: dict[str, Any] = {}
        self._names: dict[str, str] = {}

    def auth(self) -> dict[str, str]:
        """auth.test: team_id, team, user_id; SlackUnavailable saying why not."""
        try:
            answer = self._client.auth_test()
        except SlackApiError as exc:
            raise SlackUnavailable(str(exc.response.get("error") or "refused")) from None
        except Exception as exc:  # connection refused, timeout, DNS
            raise SlackUnavailable(f"Slack did not answer ({type(exc).__name__})") from None
        self._headers = {str(k).lower(): v for k, v in (answer.headers or {}).items()}
        return {key: str(answer.get(key) or "") for key in ("team_id", "team", "user_id", "bot_id")}

    def _header(self, name: str) -> str | None:
        value = self._headers.get(name)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        return None if value is None else str(value)

    def granted_scopes(self) -> frozenset[str] | None:
        """The scopes Slack says the token holds (X-OAuth-Scopes), None if it did not say."""
        raw = self._header("x-oauth-scopes")
        if raw is None:
            return None
        return frozenset(s.strip() for s in raw.split(",") if s.strip())

    def required_scopes(self) -> frozenset[str]:
        """The bot scopes the app's manifest asks for."""
        return frozenset(BOT_SCOPES)

    def slack_time(self) -> datetime | None:
        """Slack's clock, from the Date header of its last answer."""
        raw = self._header("date")
        if not raw:
            return None
        try:
            return parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None

    def membership(self, channel: str) -> Membership:
        """Whether the bot is in `channel` (an id, or a "#name" from a catalog file)."""
        channel_id = channel
        if not is_channel_id(channel):
            resolved = self._resolve(channel)
            if resolved is None:
                return Membership(channel_id=channel, is_member=False, problem="not_found")
            channel_id = resolved
        try:
            info: dict[str, Any] = self._client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            # Slack hides a private channel the bot is not in.
            problem = "not_found" if error == "channel_not_found" else error or "unavailable"
            return Membership(channel_id=channel_id, is_member=False, problem=problem)
        except Exception:
            return Membership(channel_id=channel_id, is_member=False, problem="unavailable")
        private = bool(info.get("is_private"))
        if info.get("is_archived"):
            return Membership(channel_id, is_member=False, private=private, problem="archived")
        member = bool(info.get("is_member"))
        return Membership(
            channel_id,
            is_member=member,
            private=private,
            problem=None if member else ("private" if private else None),
        )

    def _resolve(self, name: str) -> str | None:
        bare = channel_name(name)
        if bare not in self._names:
            try:
                self._names.update(find_channel_ids(self._client, [bare]))
            except Exception:
                log.debug("conversations.list failed", exc_info=True)
        return self._names.get(bare)
