"""Send correctly signed Slack requests (commands, interactions, events) to a Bolt app.

Usage::

    sender = SlackSender("http://127.0.0.1:3000", signing_secret="s3cr3t")
    resp = sender.command("/wg", "help")
    assert resp.status == 200 and "help" in resp.reply_text

Only the standard library (urllib) is used.  HTTP error statuses do not raise; they are
returned as a :class:`Response`.

Given the fake Slack (``fake=``), the sender sends message events only as Slack would:
from channels the bot is in (and DMs).  A message said in a channel the bot is not in
reaches nobody: ``message()``/``event()`` then post nothing and return a Response with
``delivered`` false (status 0).  What it sends also exists in the fake as in Slack: the
trigger_id of every payload is handed out (``FakeSlack.issue_trigger``, so views.open
takes it once, within its 3 s), and the messages of message events and message
shortcuts are in the channel's history (``FakeSlack.apply_event``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

__all__ = ["Response", "SlackSender", "sign"]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = itertools.count(1)

Json = dict[str, Any]


class Hearing(Protocol):
    """What the sender asks and tells the fake Slack (tests.harness.fakeslack.FakeSlack)."""

    def hears(self, channel_id: str) -> bool: ...

    def issue_trigger(self, trigger_id: str, *, at: float | None = None) -> None: ...

    def apply_event(self, event: dict[str, Any]) -> None: ...


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """Slack v0 signature: "v0=" + hex HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


_sign = sign  # ``post_raw`` has a ``sign`` flag that shadows the function


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):06d}{uuid.uuid4().hex[:8].upper()}"


def _collect_text(value: Any, out: list[str]) -> None:
    """All "text" strings in a Block Kit structure, in document order."""
    if isinstance(value, Mapping):
        text = value.get("text")
        if isinstance(text, str):
            out.append(text)
        for key, child in value.items():
            if key == "text" and isinstance(child, str):
                continue
            _collect_text(child, out)
    elif isinstance(value, list | tuple):
        for child in value:
            _collect_text(child, out)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # False when Slack would not have sent the event at all (status 0, nothing posted).
    delivered: bool = True

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """Decoded JSON body, or None when the body is empty / not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None

    def header(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def reply_text(self) -> str:
        """Best-effort visible text of a slash command / ack answer.

        JSON answers: "text" plus every text inside "blocks" (and attachments), joined by
        newlines.  Non-JSON answers: the raw body.
        """
        data = self.json()
        if not isinstance(data, dict):
            return self.text
        parts: list[str] = []
        if isinstance(data.get("text"), str):
            parts.append(data["text"])
        _collect_text(data.get("blocks"), parts)
        _collect_text(data.get("attachments"), parts)
        return "\n".join(p for p in parts if p)


class SlackSender:
    """Posts signed Slack payloads to ``base_url + path`` of a running Bolt app."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = "T1",
        path: str = "/slack/events",
        team_domain: str = "fake-team",
        api_app_id: str = "A1",
        bot_user_id: str = "UBOT",
        verification_token: str = "legacy-verification-token",
        timeout: float = 10.0,
        fake: Hearing | None = None,
        response_base: str = "https://hooks.slack.com",
    ) -> None:
        """fake: the fake Slack, to send message events only from channels the bot is in.

        response_base: where the payloads' response_url point (the tests' fake Slack
        records what is posted to its ``/hooks/``, see FakeSlack.hooks_url).
        """
        self.base_url = base_url.rstrip("/")
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.path = path
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.verification_token = verification_token
        self.timeout = timeout
        self.fake = fake
        self.response_base = response_base.rstrip("/")

    # ------------------------------------------------------------------ transport

    def _url(self, path: str | None) -> str:
        path = self.path if path is None else path
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float | None,
    ) -> Response:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as resp:
                return Response(resp.status, resp.read(), dict(resp.headers.items()))
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(exc.code, exc.read(), dict(exc.headers.items()))

    def post_raw(
        self,
        body: bytes | str,
        content_type: str = FORM,
        *,
        sign: bool = True,
        secret: str | None = None,
        timestamp: int | str | None = None,
        signature: str | None = None,
        tamper: Callable[[bytes], bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        path: str | None = None,
        timeout: float | None = None,
    ) -> Response:
        """POST ``body`` with full control over signing (for security tests).

        * ``sign=False``: no X-Slack-* headers at all
        * ``secret``: sign with another secret; ``timestamp``: e.g. ``int(time.time()) - 600``
          (the signature is computed with that timestamp)
        * ``signature``: send this exact X-Slack-Signature
        * ``tamper``: sign the original body, then send ``tamper(body)`` instead
        """
        raw = body.encode("utf-8") if isinstance(body, str) else body
        all_headers: dict[str, str] = {"Content-Type": content_type}
        if sign:
            ts = str(int(time.time()) if timestamp is None else timestamp)
            all_headers["X-Slack-Request-Timestamp"] = ts
            all_headers["X-Slack-Signature"] = signature or _sign(
                secret if secret is not None else self.signing_secret, ts, raw
            )
        elif timestamp is not None or signature is not None:
            if timestamp is not None:
                all_headers["X-Slack-Request-Timestamp"] = str(timestamp)
            if signature is not None:
                all_headers["X-Slack-Signature"] = signature
        if headers:
            all_headers.update(headers)
        if tamper is not None:
            raw = tamper(raw)
        return self._send("POST", self._url(path), raw, all_headers, timeout)

    def get(
        self, path: str, *, headers: Mapping[str, str] | None = None, timeout: float | None = None
    ) -> Response:
        """Plain unsigned GET (e.g. ``/healthz``)."""
        return self._send("GET", self._url(path), None, headers or {}, timeout)

    def post_form(
        self, fields: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Response:
        body = urlencode({k: "" if v is None else str(v) for k, v in fields.items()})
        return self.post_raw(body.encode("utf-8"), FORM, headers=headers)

    def post_json(
        self, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Response:
        return self.post_raw(json.dumps(payload).encode("utf-8"), JSON, headers=headers)

    # ------------------------------------------------------------------ common shapes

    def _team(self, team_id: str | None) -> dict[str, str]:
        return {"id": team_id or self.team_id, "domain": self.team_domain}

    def _user(self, user_id: str, team_id: str | None, user_name: str | None = None) -> Json:
        name = user_name or user_id.lower()
        return {
            "id": user_id,
            "username": name,
            "name": name,
            "team_id": team_id or self.team_id,
        }

    def response_url(self, kind: str = "commands") -> str:
        return (
            f"{self.response_base}/{kind}/{self.team_id}/{next(_counter)}/{uuid.uuid4().hex[:24]}"
        )

    @staticmethod
    def trigger_id() -> str:
        return f"{next(_counter)}.{int(time.time())}.{uuid.uuid4().hex}"

    def _hand_out(self, trigger_id: str | None) -> str:
        """The payload's trigger_id (a new one unless given), handed out by the fake now."""
        trigger = trigger_id or self.trigger_id()
        if self.fake is not None:
            self.fake.issue_trigger(trigger, at=time.monotonic())
        return trigger

    # ------------------------------------------------------------------ slash commands

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U1",
        channel_id: str = "C1",
        channel_name: str = "general",
        team_id: str | None = None,
        trigger_id: str | None = None,
        user_name: str | None = None,
        response_url: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """A slash command invocation (form-encoded, like Slack sends it)."""
        team = team_id or self.team_id
        fields = {
            "token": self.verification_token,
            "team_id": team,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command if command.startswith("/") else f"/{command}",
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url("commands"),
            "trigger_id": self._hand_out(trigger_id),
        }
        return self.post_form(fields, headers=headers)

    # ------------------------------------------------------------------ interactivity

    def interactive(
        self, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Response:
        """Any interactive payload, sent form-encoded as ``payload=<json>``."""
        return self.post_form({"payload": json.dumps(payload)}, headers=headers)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str = "U1",
        channel_id: str = "C1",
        team_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        block_id: str = "b",
        trigger_id: str | None = None,
        action_type: str = "button",
        action: Mapping[str, Any] | None = None,
        state_values: Mapping[str, Any] | None = None,
        response_url: str | None = None,
    ) -> Response:
        """A ``block_actions`` payload from a message (default) or from ``view``.

        ``action`` is merged into the action dict (e.g. ``{"selected_option": {...}}``
        with ``action_type="static_select"``).
        """
        now = f"{time.time():.6f}"
        act: Json = {
            "type": action_type,
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": now,
        }
        if value is not None:
            act["value"] = value
        if action_type == "button":
            act.setdefault("text", {"type": "plain_text", "text": action_id, "emoji": True})
        if action:
            act.update(action)
        payload: Json = {
            "type": "block_actions",
            "user": self._user(user_id, team_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._hand_out(trigger_id),
            "team": self._team(team_id),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [act],
        }
        if view is not None:
            full_view = {"id": "V0000000001", "type": "modal", "state": {"values": {}}, **view}
            if state_values is not None:
                full_view["state"] = {"values": dict(state_values)}
            payload["container"] = {"type": "view", "view_id": full_view["id"]}
            payload["view"] = full_view
            payload["state"] = full_view["state"]
        else:
            msg = dict(message) if message is not None else {}
            msg.setdefault("type", "message")
            msg.setdefault("ts", now)
            msg.setdefault("user", self.bot_user_id)
            msg.setdefault("text", "")
            payload["container"] = {
                "type": "message",
                "message_ts": msg["ts"],
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel_id, "name": "general"}
            payload["message"] = msg
            payload["state"] = {"values": dict(state_values or {})}
            payload["response_url"] = response_url or self.response_url("actions")
        return self.interactive(payload)

    def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Any],
        *,
        private_metadata: str = "",
        user_id: str = "U1",
        team_id: str | None = None,
        view_id: str | None = None,
        blocks: list[Any] | None = None,
        trigger_id: str | None = None,
    ) -> Response:
        """A ``view_submission``; ``values`` is the ``state.values`` structure
        (``{block_id: {action_id: {"type": ..., "value": ...}}}``)."""
        team = team_id or self.team_id
        vid = view_id or _unique("V")
        payload: Json = {
            "type": "view_submission",
            "team": self._team(team_id),
            "user": self._user(user_id, team_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self._hand_out(trigger_id),
            "view": {
                "id": vid,
                "team_id": team,
                "type": "modal",
                "blocks": list(blocks or []),
                "private_metadata": private_metadata,
                "callback_id": callback_id,
                "state": {"values": dict(values)},
                "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
                "title": {"type": "plain_text", "text": "Modal", "emoji": True},
                "clear_on_close": False,
                "notify_on_close": False,
                "close": None,
                "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
                "previous_view_id": None,
                "root_view_id": vid,
                "app_id": self.api_app_id,
                "external_id": "",
                "app_installed_team_id": team,
                "bot_id": "BBOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.interactive(payload)

    def message_shortcut(
        self,
        callback_id: str,
        message: Mapping[str, Any],
        *,
        channel_id: str = "C1",
        user_id: str = "U1",
        team_id: str | None = None,
        trigger_id: str | None = None,
        channel_name: str = "general",
    ) -> Response:
        """A message shortcut (``message_action``) on ``message`` (needs at least "ts")."""
        msg = dict(message)
        msg.setdefault("type", "message")
        msg.setdefault("ts", f"{time.time():.6f}")
        msg.setdefault("text", "")
        if self.fake is not None:
            # The shortcut is on a message that is in the channel.
            self.fake.apply_event({**msg, "channel": channel_id})
        payload: Json = {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(team_id),
            "user": self._user(user_id, team_id),
            "channel": {"id": channel_id, "name": channel_name},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self._hand_out(trigger_id),
            "response_url": self.response_url("app"),
            "message_ts": msg["ts"],
            "message": msg,
        }
        return self.interactive(payload)

    def global_shortcut(
        self,
        callback_id: str,
        *,
        user_id: str = "U1",
        team_id: str | None = None,
        trigger_id: str | None = None,
    ) -> Response:
        """A global shortcut (``shortcut``)."""
        payload: Json = {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(team_id),
            "user": self._user(user_id, team_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self._hand_out(trigger_id),
        }
        return self.interactive(payload)

    # ------------------------------------------------------------------ Events API

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        team_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        event_time: int | None = None,
    ) -> Response:
        """An ``event_callback`` envelope around ``event`` (JSON).

        A message event from a channel the bot is not in is not sent (see the module
        docstring): the Response says ``delivered=False``.
        """
        if not self.slack_would_send(event):
            return Response(0, b"", delivered=False)
        if self.fake is not None:
            self.fake.apply_event(dict(event))
        team = team_id or self.team_id
        envelope: Json = {
            "token": self.verification_token,
            "team_id": team,
            "api_app_id": self.api_app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or _unique("Ev"),
            "event_time": event_time if event_time is not None else int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": _unique("4-"),
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return self.post_json(envelope, headers=headers)

    def slack_would_send(self, event: Mapping[str, Any]) -> bool:
        """Whether Slack sends this event to the bot: message events only from channels
        it is in (and DMs); without a fake Slack to ask, every event."""
        if self.fake is None or event.get("type") != "message":
            return True
        channel = str(event.get("channel") or "")
        return not channel or self.fake.hears(channel)

    def message(
        self,
        text: str,
        *,
        user_id: str = "U1",
        channel_id: str = "C1",
        ts: str | None = None,
        thread_ts: str | None = None,
        team_id: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        **kw: Any,
    ) -> Response:
        """A ``message`` event (extra keyword arguments are merged into the event).

        Not delivered (``delivered=False``, status 0) from a channel the bot is not in.
        """
        ts = ts or f"{time.time():.6f}"
        event: Json = {
            "type": "message",
            "channel": channel_id,
            "user": user_id,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "team": team_id or self.team_id,
            "channel_type": "im" if channel_id.startswith("D") else "channel",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        event.update(kw)
        return self.event(event, event_id=event_id, team_id=team_id, retry_num=retry_num)

    def url_verification(self, challenge: str) -> Response:
        return self.post_json(
            {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        )
