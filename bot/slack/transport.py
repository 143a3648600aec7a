"""Performs outbox rows against the Slack Web API (slack_sdk)."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.outbox.delivery import CallResult, LookupFailed
from bot.slack.channels import find_channel_ids, is_channel_id
from bot.slack.metered import MeteredWebClient
from bot.slack.oauth import TokenLookup

log = logging.getLogger(__name__)

# Errors Slack itself documents as temporary.
TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}

# Calls about an existing message: `message_not_found` means it was deleted meanwhile.
MESSAGE_GONE_METHODS = frozenset(
    {"reactions.add", "reactions.remove", "chat.update", "chat.delete"}
)


class SlackTransport:
    """One WebClient per bot token, no client-side retries: the outbox retries."""

    def __init__(
        self, token_for: Callable[[str], str | None], base_url: str, *, timeout: float = 10.0
    ) -> None:
        self._token_for = token_for
        self._base_url = base_url
        self._timeout = timeout
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()
        # Told when Slack says the bot is not (or no longer) in a channel, so that the
        # membership it remembered is asked again (see bot/slack/platform.py).
        self.on_lost_channel: Callable[[str, str], None] = lambda _team, _channel: None

    def client(self, team_id: str) -> WebClient | None:
        token = self._token_for(team_id)
        if not token:
            return None
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = MeteredWebClient(
                    token=token,
                    base_url=self._base_url,
                    timeout=int(self._timeout),
                    retry_handlers=[],
                )
                self._clients[token] = client
            return client

    def call(self, team_id: str, method: str, payload: dict[str, Any]) -> CallResult:
        client = self.client(team_id)
        if client is None:
            return CallResult(ok=False, error=f"no bot token for workspace {team_id}", retry=True)
        try:
            data = self._invoke(client, method, payload)
        except SlackApiError as exc:
            return self._api_error(client, method, payload, exc, team_id)
        except Exception as exc:  # connection refused, reset, timeout
            return CallResult(
                ok=False, error=f"{type(exc).__name__}: {exc}", retry=True, ambiguous=True
            )
        channel = data.get("channel")
        return CallResult(
            ok=True,
            channel=channel if isinstance(channel, str) else payload.get("channel"),
            ts=data.get("ts") or data.get("message_ts"),
        )

    def _invoke(self, client: WebClient, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method == "files.upload":
            args: dict[str, Any] = {
                "channel": payload["channel"],
                "content": base64.b64decode(payload["content_b64"]),
                "filename": payload["filename"],
                "title": payload.get("title"),
            }
            if payload.get("initial_comment"):
                args["initial_comment"] = payload["initial_comment"]
            if payload.get("thread_ts"):
                args["thread_ts"] = payload["thread_ts"]
            if payload.get("alt_txt"):
                args["alt_txt"] = payload["alt_txt"]
            resp = client.files_upload_v2(**args)
        else:
            resp = client.api_call(method, json=payload)
        return dict(resp.data) if isinstance(resp.data, dict) else {}

    def _api_error(
        self,
        client: WebClient,
        method: str,
        payload: dict[str, Any],
        exc: SlackApiError,
        team_id: str = "",
    ) -> CallResult:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            retry_after = _float(
                exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            )
            return CallResult(
                ok=False, error="ratelimited", retry=True, retry_after=retry_after or 1.0
            )
        if status >= 500:
            return CallResult(ok=False, error=error, retry=True, ambiguous=True)
        if error in TRANSIENT_ERRORS:
            return CallResult(ok=False, error=error, retry=True)
        if method == "reactions.add" and error == "already_reacted":
            return CallResult(ok=True, channel=payload.get("channel"))
        if error == "message_not_found" and method in MESSAGE_GONE_METHODS:
            # Someone deleted the message before its reaction or edit went out.
            return CallResult(ok=False, error=f"{error}: the message was deleted", moot=True)
        if error in ("not_in_channel", "channel_not_found") and payload.get("channel"):
            self.on_lost_channel(team_id, str(payload["channel"]))
        if error == "not_in_channel" and str(payload.get("channel", "")).startswith("C"):
            # Public channel the bot was not invited to: join it and try again.
            try:
                client.conversations_join(channel=payload["channel"])
                return CallResult(ok=False, error=error, retry=True, retry_after=0.0)
            except SlackApiError:
                pass
        return CallResult(ok=False, error=error)

    def find_posted(
        self, team_id: str, channel: str, outbox_id: int, since: datetime
    ) -> tuple[str, str] | None:
        client = self.client(team_id)
        if client is None:
            raise LookupFailed(f"no bot token for workspace {team_id}")
        try:
            if channel.startswith(("U", "W")):
                opened = client.conversations_open(users=channel)
                channel = opened["channel"]["id"]
            elif not is_channel_id(channel):
                # Posted to a name (a row stored before names became ids): Slack reads
                # a channel's history by id only.
                found = find_channel_ids(client, [channel])
                if not found:
                    return None  # no such channel: the post cannot have gone anywhere
                channel = next(iter(found.values()))
            try:
                return _find_in_history(client, channel, outbox_id)
            except SlackApiError as exc:
                if exc.response.get("error") != "not_in_channel":
                    raise
                # Posted through chat:write.public into a public channel the bot is not
                # in: only members read its history, so join it and look again.
                client.conversations_join(channel=channel)
                return _find_in_history(client, channel, outbox_id)
        except Exception as exc:
            raise LookupFailed(f"history of {channel} unreadable: {exc}") from exc


def _find_in_history(client: WebClient, channel: str, outbox_id: int) -> tuple[str, str] | None:
    """(channel, ts) of the message this outbox row posted, among the channel's latest."""
    cursor = None
    # Newest first: an unconfirmed post is at most minutes old, so it is near the
    # top. `since` is not sent as `oldest`: clocks of hosts may disagree.
    for _ in range(5):
        resp = client.conversations_history(
            channel=channel, limit=200, include_all_metadata=True, cursor=cursor
        )
        messages: list[dict[str, Any]] = resp.get("messages") or []
        for message in messages:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == "wgbot_outbox"
                and (meta.get("event_payload") or {}).get("outbox_id") == outbox_id
            ):
                return channel, str(message["ts"])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def slack_transport(settings: Settings, token_for: TokenLookup) -> SlackTransport:
    return SlackTransport(token_for, settings.slack_api_url)
