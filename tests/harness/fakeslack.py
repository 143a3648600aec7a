"""A fake Slack Web API server for tests: real HTTP on 127.0.0.1, recorded calls.

Usage::

    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Berlin")
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.calls_to("chat.postMessage")[0].params["text"] == "hi"
        assert fake.violations == []

The server is a stdlib ``ThreadingHTTPServer`` in a daemon thread, so slow (``hang``)
requests never block others, and ``stop()`` wakes every hung request before shutting
down.  Every request to ``/api/<method>`` is recorded as a :class:`Call` (including
failed, injected and hung ones).

Channel membership works as in Slack: the bot is in a channel registered with
``add_channel(..., is_member=True)`` (the default: "invited"), after ``invite_bot`` or
after it calls ``conversations.join`` (public channels only); ``remove_bot`` takes it
out. About a channel it is not in, Slack answers ``not_in_channel``
(``conversations.history``/``replies``, ``reactions.*``, and ``chat.postMessage``
unless the app holds ``chat:write.public``), and a private channel it is not in does
not exist for it (``channel_not_found``).  The granted scopes default to the
manifest's; ``revoke_scope`` takes one away.  ``hears(channel)`` says whether Slack
would send the bot the channel's message events.

What Slack refuses, the fake refuses (each rule is on by default; a constructor flag
turns it off for a test about something else):

* ``strict_channels``: a channel id the fake does not know answers
  ``channel_not_found``, and a channel *name* (``#name`` or ``name``) is taken only
  where Slack takes one, by the posting methods (``chat.postMessage``,
  ``chat.postEphemeral``, ``chat.scheduleMessage``); every other method needs the id.
* ``strict_users``: an unknown user id answers ``user_not_found`` (``users.info``,
  ``conversations.open``, a post to ``channel=<user id>``).
* ``strict_dms``: a DM belongs to its members.  The bot's own DM with a user ``U``
  of the workspace is ``DU`` (``conversations.open`` answers it, and a post to
  ``channel=<user id>`` lands there); group DMs exist once the bot opened them; any
  other ``D…`` id (a DM among people) answers ``channel_not_found``.
* ``strict_messages``: ``reactions.*`` and ``chat.getPermalink`` need an existing
  message in that channel (``message_not_found``).  A ``thread_ts`` naming no message
  is not refused by Slack: the reply is posted as a new top-level message (the answer
  carries no ``thread_ts``), which the fake records in ``violations``, since a bot
  replying in a thread never means that.
* ``strict_triggers``: a ``trigger_id`` is single-use and lives 3 s
  (``trigger_ttl``): ``views.open``/``views.push`` with one the fake did not hand out
  in a payload answer ``invalid_trigger_id``, a used one ``exchanged_trigger_id``, an
  older one ``expired_trigger_id``.  ``SlackSender(fake=...)`` registers the triggers
  of the payloads it sends (``issue_trigger``).

``latency(method, seconds | (low, high))`` delays every answer of a method (``"*"``:
all), ``hang``/``fail`` inject one-off delays and failures, and
``rate_limit(tiers=True)`` (off by default) answers HTTP 429 with ``Retry-After`` past
Slack's per-method tiers (``chat.postMessage``: about one message a second per
channel, with a small burst).  Methods slack_sdk sends as GET (``users.info``,
``conversations.history`` …) are answered like POSTed ones.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import math
import random
import re
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from tests.harness.blockkit import validate_message, validate_message_text, validate_view

__all__ = ["RESPONSE_URL_METHOD", "UPLOAD_METHOD", "Call", "FakeSlack", "UploadedFile"]

API_PREFIX = "/api/"
UPLOAD_PREFIX = "/upload/"
HOOKS_PREFIX = "/hooks/"
#: ``Call.method`` of the posts to a response_url under ``hooks_url`` (Bolt answers an
#: unknown workspace there, for instance).
RESPONSE_URL_METHOD = "response_url"
#: ``Call.method`` of the raw byte uploads to the URL handed out by files.getUploadURLExternal.
UPLOAD_METHOD = "file_upload"

#: Parameters that slack_sdk (and Slack) send as JSON strings inside form posts.
JSON_PARAMS = frozenset(
    {"blocks", "attachments", "view", "metadata", "files", "unfurls", "user_auth_blocks"}
)

Json = dict[str, Any]

#: The methods that take a channel name (``#name`` or ``name``) or a user id (which opens
#: the bot's DM with that user) instead of a channel id; every other method needs the id.
POSTING_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage"})

#: How Slack writes conversation ids (names are lower case: they never look like one).
_CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]+$")

#: Slack's rate-limit tiers, in calls per minute per method and workspace.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
#: The tier of each method the fake answers (see api.slack.com/methods); chat.postMessage
#: is limited per channel instead (POST_PER_SECOND, POST_BURST).
METHOD_TIERS = {
    "auth.test": 4,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.scheduleMessage": 3,
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.list": 2,
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.replies": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "reactions.add": 3,
    "reactions.remove": 2,
    "users.info": 4,
    "users.list": 2,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}
#: chat.postMessage: about one message a second per channel, with a short burst allowed.
POST_PER_SECOND = 1.0
POST_BURST = 3

#: The app manifest whose bot scopes the fake grants by default.
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


@cache
def manifest_scopes() -> frozenset[str]:
    """The bot scopes the app's manifest asks for (what an install grants)."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(str(s) for s in manifest["oauth_config"]["scopes"]["bot"])


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, int | str) and str(value).lower() in ("1", "true"))


def _ts_key(ts: Any) -> Decimal:
    try:
        return Decimal(str(ts))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: Any) -> int | None:
    if cursor in (None, ""):
        return 0
    try:
        raw = base64.urlsafe_b64decode(str(cursor).encode()).decode()
        prefix, _, number = raw.partition(":")
        return int(number) if prefix == "offset" else None
    except ValueError:
        return None


def _split_ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [part.strip() for part in str(value).split(",") if part.strip()]


@dataclass
class Call:
    """One request received by the fake (recorded before it is answered)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float  # time.time() when received
    monotonic: float = 0.0  # time.monotonic() when received
    status: int = 0  # HTTP status answered; 0 while still pending (e.g. hung)
    response: dict[str, Any] | None = None  # decoded JSON answer (None until answered)
    http_method: str = "POST"
    path: str = ""
    body: bytes = b""
    hung_for: float = 0.0  # seconds the answer was delayed by hang()
    delayed_for: float = 0.0  # seconds the answer was delayed by latency()
    injected: bool = False  # answered by a fail() rule
    rate_limited: bool = False  # answered 429 by rate_limit()

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def token(self) -> str | None:
        auth = self.header("Authorization")
        if auth and auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        token = self.params.get("token")
        return str(token) if token else None

    @property
    def ok(self) -> bool:
        return self.response is not None and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        if self.response is None:
            return None
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class UploadedFile:
    """A file completed via files.completeUploadExternal."""

    id: str
    filename: str
    title: str | None
    content: bytes
    channel_id: str | None
    channels: list[str]
    initial_comment: str | None
    thread_ts: str | None
    alt_txt: str | None = None
    snippet_type: str | None = None
    at: float = 0.0


@dataclass
class _Rule:
    kind: str  # "fail" | "hang"
    method: str | None
    remaining: int | None
    until: float | None  # time.monotonic() deadline
    status: int = 200
    retry_after: float = 1
    error: str | None = None
    body: bytes | None = None
    seconds: float = 0.0


@dataclass
class _Answer:
    status: int
    payload: Json | None = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.payload).encode("utf-8")


class _RateLimiter:
    """Slack's rate limits: per-minute windows by tier, one post a second per channel."""

    def __init__(self, per_minute: dict[str, int]) -> None:
        self.per_minute = per_minute
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}

    def wait_for(self, key: str, method: str, channel: str | None, now: float) -> float:
        """0 when the call may go through now (and counts it), else seconds to wait."""
        if method == "chat.postMessage" and channel:
            tokens, last = self._buckets.get((key, channel), (float(POST_BURST), now))
            tokens = min(float(POST_BURST), tokens + (now - last) * POST_PER_SECOND)
            if tokens < 1.0:
                self._buckets[(key, channel)] = (tokens, now)
                return (1.0 - tokens) / POST_PER_SECOND
            self._buckets[(key, channel)] = (tokens - 1.0, now)
            return 0.0
        limit = self.per_minute.get(method)
        if limit is None:
            return 0.0
        window = self._windows.setdefault((key, method), deque())
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= limit:
            return window[0] + 60.0 - now
        window.append(now)
        return 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away (e.g. it timed out on a hung call)
        self.fake._note_server_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"
    timeout = 30  # socket timeout while reading a request

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        cast(_Server, self.server).fake._handle(self)

    def do_POST(self) -> None:
        cast(_Server, self.server).fake._handle(self)


class FakeSlack:
    """Fake Slack Web API.  See the module docstring."""

    def __init__(
        self,
        *,
        team_id: str = "T1",
        team_name: str = "Fake Team",
        team_domain: str = "fake-team",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        bot_name: str = "wgbot",
        app_id: str = "A1",
        host: str = "127.0.0.1",
        strict_channels: bool = True,
        strict_users: bool = True,
        strict_dms: bool = True,
        strict_messages: bool = True,
        strict_triggers: bool = True,
        trigger_ttl: float = 3.0,
        require_token: bool = True,
        history_metadata_requires_flag: bool = True,
        scopes: Iterable[str] | None = None,
    ) -> None:
        """
        strict_channels: unknown channel ids answer ``channel_not_found`` and only the
            posting methods take a channel name (False: any C/G id is accepted and
            synthesised, and names and user ids are taken everywhere).
        strict_users: unknown user ids answer ``user_not_found``.
        strict_dms: only the bot's own DMs (``D<user id>``, or ones it opened) exist.
        strict_messages: reactions and permalinks need the message; a thread_ts naming
            no message posts at the top level and is recorded as a violation.
        strict_triggers: views.open/views.push need a trigger_id handed out in a payload
            (``issue_trigger``), used once, within ``trigger_ttl`` seconds.
        scopes: the bot scopes the app was granted (default: the manifest's).
        require_token: calls without a token (Authorization header or ``token`` param)
            answer ``not_authed`` like Slack.
        history_metadata_requires_flag: conversations.history/replies only include a
            message's ``metadata`` when ``include_all_metadata`` is true.
        """
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.host = host
        self.strict_channels = strict_channels
        self.strict_users = strict_users
        self.strict_dms = strict_dms
        self.strict_messages = strict_messages
        self.strict_triggers = strict_triggers
        self.trigger_ttl = trigger_ttl
        self.require_token = require_token
        self.history_metadata_requires_flag = history_metadata_requires_flag
        self.scopes: set[str] = set(manifest_scopes() if scopes is None else scopes)

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)
        self._last_ts_us = 0

        self._users: dict[str, Json] = {}
        self._channels: dict[str, Json] = {}
        # DMs the bot opened: channel id -> the user (D…) or users (group DMs, G…).
        self._dms: dict[str, list[str]] = {}
        # trigger_id -> time.monotonic() when a payload handed it out; and the used ones.
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._latency: dict[str, float | tuple[float, float]] = {}
        self._limiter: _RateLimiter | None = None
        self._scheduled: list[Json] = []
        self._call_at = 0.0
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._messages: list[Json] = []
        self._ephemerals: list[Json] = []
        self._reactions: dict[tuple[str, str], list[str]] = {}
        self._views: dict[str, Json] = {}
        self._home_tabs: dict[str, Json] = {}
        self._pending_uploads: dict[str, Json] = {}
        self._uploaded: list[UploadedFile] = []
        self._violations: list[str] = []
        self._server_errors: list[str] = []
        # Other workspaces (OAuth installs): bot token -> team, and OAuth codes.
        self._workspaces: dict[str, Json] = {}
        self._oauth_codes: dict[str, str] = {}
        self._extra_methods: dict[str, Callable[[Json, str | None], Json]] = {}

        self._api: dict[str, Callable[[Json], Json]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.list": self._conversations_list,
            "conversations.join": self._conversations_join,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "files.upload": self._files_upload_legacy,
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        """Bind an ephemeral port on ``host`` and serve in a daemon thread (idempotent)."""
        with self._lock:
            if self._server is not None:
                return self
            self._stopping.clear()
            server = _Server((self.host, 0), self)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"FakeSlack:{server.server_address[1]}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Wake hung requests, stop serving and close the socket (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
            if thread.is_alive():
                raise RuntimeError(f"{thread.name} did not end within 5s of stop()")

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def hooks_url(self) -> str:
        """Where response_urls should point: posts there are recorded as calls to
        ``RESPONSE_URL_METHOD`` rather than sent to the real hooks.slack.com."""
        return f"{self.root_url}{HOOKS_PREFIX.rstrip('/')}"

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.root_url}{API_PREFIX}"

    # ------------------------------------------------------------------ data setup

    def add_user(
        self,
        user_id: str,
        *,
        tz: str = "UTC",
        name: str | None = None,
        real_name: str | None = None,
        email: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
        info: str = "full",
    ) -> None:
        """Register a user for users.info / users.list (tz must be an IANA zone name).

        Slack Connect: another organisation's member (``team_id`` of their own team) is
        left out of users.list, and ``info="partial"`` answers users.info without zone
        or real name (``is_stranger``); ``info="refused"`` answers ``user_not_found``,
        and a DM to them is refused (``channel_not_found``).
        """
        ZoneInfo(tz)  # fail early on a bad zone name
        if info not in ("full", "partial", "refused"):
            raise ValueError(f"info must be full, partial or refused, not {info!r}")
        name = name or user_id.lower()
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "team_id": team_id or self.team_id,
                "name": name,
                "real_name": real_name or name.replace(".", " ").title(),
                "tz": tz,
                "email": email,
                "is_admin": is_admin,
                "is_owner": is_owner,
                "is_bot": is_bot,
                "deleted": deleted,
                "info": info,
            }

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        members: Iterable[str] = (),
        is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
        shared: bool = False,
    ) -> None:
        """Register a channel for conversations.* and name resolution ("#name").

        is_member: whether the bot is in it (invited); see the module docstring.
        shared: a Slack Connect channel (other organisations' members may be in it).
        """
        with self._lock:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name.lstrip("#"),
                "members": list(members),
                "is_member": is_member,
                "is_private": is_private,
                "is_archived": is_archived,
                "created": int(time.time()),
                "shared": shared,
            }

    def invite_bot(self, channel_id: str) -> None:
        """Someone ran `/invite @wgbot` in the channel (any channel, private too)."""
        with self._lock:
            self._set_bot_member(self._stored_channel(channel_id), True)

    def remove_bot(self, channel_id: str) -> None:
        """Someone removed the bot from the channel (`/remove @wgbot`)."""
        with self._lock:
            self._set_bot_member(self._stored_channel(channel_id), False)

    def bot_in(self, channel_id: str) -> bool:
        """Whether the bot is a member (DMs and channels the fake does not know: yes)."""
        with self._lock:
            stored = self._channels.get(channel_id)
            return True if stored is None else bool(stored["is_member"])

    def hears(self, channel_id: str) -> bool:
        """Whether Slack would send the bot the message events of this channel.

        Only channels it is a member of, and its own DMs; a channel id the fake does not
        know counts as one the bot is in, unless ``strict_channels``.
        """
        with self._lock:
            if channel_id[:1] == "D" or channel_id in self._dms:
                return self._is_bot_dm(channel_id)
            stored = self._channels.get(channel_id)
            if stored is None:
                return not self.strict_channels
            return bool(stored["is_member"]) and not stored["is_archived"]

    def revoke_scope(self, scope: str) -> None:
        """The app no longer holds this bot scope (e.g. "chat:write.public")."""
        with self._lock:
            self.scopes.discard(scope)

    def grant_scope(self, scope: str) -> None:
        with self._lock:
            self.scopes.add(scope)

    def issue_trigger(self, trigger_id: str, *, at: float | None = None) -> None:
        """Slack handed out ``trigger_id`` in a payload at ``at`` (time.monotonic(); now).

        A trigger already handed out keeps its first time (a payload sent again does
        not make it young again).
        """
        with self._lock:
            self._triggers.setdefault(trigger_id, time.monotonic() if at is None else at)

    def latency(self, method: str, seconds: float | tuple[float, float] | None) -> None:
        """Answer every call to ``method`` (``"*"``: every API method) after ``seconds``,
        or after a random time between ``(low, high)``; None or 0 removes the delay.

        Unlike ``hang`` (the next calls, once), this is how slow Slack is, for good.  A
        method's own latency wins over ``"*"``'s.
        """
        if isinstance(seconds, tuple):
            low, high = seconds
            if not 0 <= low <= high:
                raise ValueError("latency range must be 0 <= low <= high")
        elif seconds is not None and seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            if not seconds:
                self._latency.pop(method, None)
            else:
                self._latency[method] = seconds

    def rate_limit(self, *, tiers: bool = True, per_minute: dict[str, int] | None = None) -> None:
        """Answer HTTP 429 with ``Retry-After`` past Slack's rate limits (off by default).

        tiers: each method's tier (METHOD_TIERS: users.info 100/min, users.list 20/min,
            conversations.history 50/min …; chat.postMessage about one a second per
            channel with a short burst); False turns every limit off.
        per_minute: limits of one's own, by method (e.g. ``{"users.info": 3}``).
        """
        with self._lock:
            if not tiers and not per_minute:
                self._limiter = None
                return
            limits = {m: TIER_PER_MINUTE[t] for m, t in METHOD_TIERS.items()} if tiers else {}
            limits.update(per_minute or {})
            self._limiter = _RateLimiter(limits)

    @property
    def scheduled_messages(self) -> list[Json]:
        """chat.scheduleMessage posts (channel, text, post_at, scheduled_message_id …)."""
        with self._lock:
            return copy.deepcopy(self._scheduled)

    def _stored_channel(self, channel_id: str) -> Json:
        stored = self._channels.get(channel_id)
        if stored is None:
            raise KeyError(f"{channel_id}: register the channel with add_channel() first")
        return stored

    def _set_bot_member(self, stored: Json, member: bool) -> None:
        stored["is_member"] = member
        if member and self.bot_user_id not in stored["members"]:
            stored["members"].append(self.bot_user_id)
        if not member and self.bot_user_id in stored["members"]:
            stored["members"].remove(self.bot_user_id)

    def add_message(
        self,
        channel: str,
        text: str = "",
        *,
        user: str = "U1",
        ts: str | None = None,
        thread_ts: str | None = None,
        **extra: Any,
    ) -> str:
        """Seed a (user) message into a channel's history; returns its ts."""
        with self._lock:
            ts = ts or self._next_ts()
            message: Json = {"type": "message", "user": user, "text": text, "ts": ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            message.update(extra)
            message["channel"] = channel
            self._store_message(message)
            return ts

    def apply_event(self, event: dict[str, Any]) -> None:
        """A message event Slack sends the bot: the message is (or, edited or deleted,
        changes in) the channel's history, so reactions, permalinks and threads find it.

        The SlackSender calls this for the message events it sends.
        """
        if event.get("type") != "message" or not event.get("channel"):
            return
        channel = str(event["channel"])
        subtype = event.get("subtype")
        with self._lock:
            if subtype == "message_changed":
                new = dict(event.get("message") or {})
                ts = new.get("ts") or (event.get("previous_message") or {}).get("ts")
                found = self._find_message(channel, ts) if ts else None
                if found is not None:
                    found["text"] = new.get("text", found.get("text", ""))
                    found["edited"] = {"user": new.get("user"), "ts": event.get("ts")}
                return
            if subtype == "message_deleted":
                ts = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
                found = self._find_message(channel, ts) if ts else None
                if found is not None:
                    self._messages.remove(found)
                return
            ts = event.get("ts")
            if not ts or self._find_message(channel, ts) is not None:
                return  # a retry of an event already applied
            message: Json = {
                k: copy.deepcopy(v)
                for k, v in event.items()
                if k not in ("channel", "event_ts", "channel_type")
            }
            message["channel"] = channel
            self._store_message(message)

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def last_call(self, method: str | None = None) -> Call:
        with self._lock:
            matching = [c for c in self._calls if method is None or c.method == method]
        if not matching:
            raise AssertionError(f"no call to {method or 'any method'}; saw {self.methods()}")
        return matching[-1]

    def methods(self) -> list[str]:
        """Method names of all calls in order (handy in assertion messages)."""
        with self._lock:
            return [c.method for c in self._calls]

    @property
    def violations(self) -> list[str]:
        """Block Kit / message problems found in outgoing content (should stay [])."""
        with self._lock:
            return list(self._violations)

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake itself (should stay [])."""
        with self._lock:
            return list(self._server_errors)

    @property
    def uploaded_files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._uploaded)

    @property
    def ephemerals(self) -> list[Json]:
        """chat.postEphemeral messages: channel, user, text, blocks, thread_ts, message_ts."""
        with self._lock:
            return copy.deepcopy(self._ephemerals)

    @property
    def views(self) -> dict[str, Json]:
        """Opened/pushed/updated/published views by view id."""
        with self._lock:
            return copy.deepcopy(self._views)

    @property
    def home_tabs(self) -> dict[str, Json]:
        """Last published home view per user id."""
        with self._lock:
            return copy.deepcopy(self._home_tabs)

    def messages(self, channel: str | None = None) -> list[Json]:
        """Stored messages (with a "channel" key) in post order; all channels if None."""
        with self._lock:
            resolved = self._resolve_channel(channel, by_name=True) if channel is not None else None
            wanted = {channel, resolved}
            return [
                copy.deepcopy(m)
                for m in self._messages
                if channel is None or m.get("channel") in wanted
            ]

    def message(self, channel: str, ts: str) -> Json | None:
        with self._lock:
            found = self._find_message(channel, ts)
            return copy.deepcopy(found) if found is not None else None

    def reactions(self, channel: str, ts: str) -> list[str]:
        with self._lock:
            return list(self._reactions.get((channel, ts), []))

    def wait_for_call(
        self,
        method: str | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
        answered: bool = True,
    ) -> list[Call]:
        """Block until ``count`` matching calls exist (answered ones by default)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [
                    c
                    for c in self._calls
                    if (method is None or c.method == method)
                    and (not answered or c.status != 0)
                    and (where is None or where(c))
                ]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) to "
                        f"{method or 'any method'}; got {len(matching)}; saw {self.methods()}"
                    )
                self._changed.wait(remaining)

    def wait_until(self, predicate: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Poll ``predicate`` (outside the lock) until true or raise AssertionError."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s; saw {self.methods()}")
            time.sleep(0.02)

    def reset(self) -> None:
        """Forget calls, failures, messages, views, files, violations, triggers, latency
        and rate limits; keep users, channels and DMs."""
        with self._lock:
            self._calls.clear()
            self._rules.clear()
            self._triggers.clear()
            self._used_triggers.clear()
            self._latency.clear()
            self._limiter = None
            self._scheduled.clear()
            self._messages.clear()
            self._ephemerals.clear()
            self._reactions.clear()
            self._views.clear()
            self._home_tabs.clear()
            self._pending_uploads.clear()
            self._uploaded.clear()
            self._violations.clear()
            self._server_errors.clear()

    # ------------------------------------------------------------------ failure injection

    def fail(
        self,
        method: str | None = None,
        *,
        status: int = 429,
        retry_after: float = 1,
        times: int | None = None,
        seconds: float | None = None,
        error: str | None = None,
        body: bytes | None = None,
    ) -> None:
        """Make calls to ``method`` (any API method if None) fail.

        * default: HTTP 429, ``Retry-After: <retry_after>``, body {"ok":false,"error":"ratelimited"}
        * ``status=500`` (or any other): that status with {"ok":false,"error":"internal_error"}
          (or ``body`` verbatim)
        * ``error="channel_not_found"``: HTTP 200 with {"ok": false, "error": ...}

        Applies to the next ``times`` calls, or for ``seconds`` of wall-clock time, or (both
        None) until :meth:`clear_failures`.
        """
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None)")
        until = time.monotonic() + seconds if seconds is not None else None
        with self._lock:
            self._rules.append(
                _Rule(
                    kind="fail",
                    method=method,
                    remaining=times,
                    until=until,
                    status=200 if error is not None else status,
                    retry_after=retry_after,
                    error=error,
                    body=body,
                )
            )

    def hang(
        self, method: str | None = None, *, seconds: float = 5.0, times: int | None = None
    ) -> None:
        """Delay answers to ``method`` (any if None) by ``seconds`` (next ``times`` calls,
        or until :meth:`clear_failures` when None).  Other requests are unaffected."""
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None)")
        with self._lock:
            self._rules.append(
                _Rule(kind="hang", method=method, remaining=times, until=None, seconds=seconds)
            )

    def clear_failures(self) -> None:
        with self._lock:
            self._rules.clear()

    def _take_rule(self, kind: str, method: str) -> _Rule | None:
        now = time.monotonic()
        for rule in list(self._rules):
            if rule.kind != kind:
                continue
            if rule.until is not None and now >= rule.until:
                self._rules.remove(rule)
                continue
            if rule.method is None and method == UPLOAD_METHOD:
                continue
            if rule.method is not None and rule.method != method:
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
            return rule
        return None

    @staticmethod
    def _failure_answer(rule: _Rule) -> _Answer:
        if rule.error is not None:
            return _Answer(status=200, payload={"ok": False, "error": rule.error})
        if rule.status == 429:
            retry_after = rule.retry_after
            header = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
            return _Answer(
                status=429,
                payload={"ok": False, "error": "ratelimited"},
                raw=rule.body,
                headers={"Retry-After": header},
            )
        return _Answer(
            status=rule.status,
            payload={"ok": False, "error": "internal_error" if rule.status >= 500 else "failed"},
            raw=rule.body,
        )

    # ------------------------------------------------------------------ HTTP plumbing

    def _note_server_error(self, text: str) -> None:
        with self._lock:
            self._server_errors.append(text)

    def _parse_params(self, query: str, body: bytes, content_type: str) -> Json:
        params: Json = dict(parse_qsl(query, keep_blank_values=True))
        ctype = content_type.split(";", 1)[0].strip().lower()
        if ctype == "application/json":
            decoded = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(decoded, dict):
                raise ValueError("JSON body must be an object")
            params.update(decoded)
        elif ctype == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        elif ctype == "multipart/form-data":
            head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if not isinstance(name, str):
                    continue
                payload = part.get_payload(decode=True)
                data = payload if isinstance(payload, bytes) else b""
                filename = part.get_filename()
                if filename:
                    params[name] = data
                    params.setdefault("filename", filename)
                else:
                    params[name] = data.decode("utf-8", "replace")
        for key in JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass  # left as a string; validation reports it
        return params

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        headers = dict(handler.headers.items())
        if split.path.startswith(API_PREFIX):
            method = split.path[len(API_PREFIX) :]
        elif split.path.startswith(UPLOAD_PREFIX) and handler.command == "POST":
            method = UPLOAD_METHOD
        elif split.path.startswith(HOOKS_PREFIX) and handler.command == "POST":
            method = RESPONSE_URL_METHOD
        else:
            self._respond(handler, _Answer(404, {"ok": False, "error": "not_found"}))
            return

        answer: _Answer | None = None
        if method == UPLOAD_METHOD:
            params: Json = {"file_id": split.path[len(UPLOAD_PREFIX) :]}
        else:
            try:
                params = self._parse_params(
                    split.query, body, handler.headers.get("Content-Type", "")
                )
            except (ValueError, UnicodeDecodeError) as exc:
                params = {}
                answer = _Answer(200, {"ok": False, "error": "invalid_json", "detail": str(exc)})

        call = Call(
            method=method,
            params=params,
            headers=headers,
            at=time.time(),
            monotonic=time.monotonic(),
            http_method=handler.command,
            path=handler.path,
            body=body,
        )
        with self._changed:
            self._calls.append(call)
            hang = self._take_rule("hang", method)
            failure = self._take_rule("fail", method)
            delay = self._delay_for(method)
            if answer is None and failure is None:
                answer = self._rate_limited(call)
            self._changed.notify_all()

        if hang is not None:
            call.hung_for = hang.seconds
            self._stopping.wait(hang.seconds)
        if delay:
            call.delayed_for = delay
            self._stopping.wait(delay)
        if answer is None and failure is not None:
            call.injected = True
            answer = self._failure_answer(failure)
        if answer is None:
            try:
                with self._lock:
                    if method == UPLOAD_METHOD:
                        answer = self._receive_upload(params["file_id"], body)
                    else:
                        answer = _Answer(200, self._dispatch(method, call))
                        if call.token and method in self._api:
                            # Slack lists the token's scopes on every Web API answer.
                            answer.headers["X-OAuth-Scopes"] = ",".join(sorted(self.scopes))
            except Exception:
                self._note_server_error(traceback.format_exc())
                answer = _Answer(500, {"ok": False, "error": "fake_slack_internal_error"})

        # record the outcome before answering, so a client that got its answer also sees it
        with self._changed:
            call.status = answer.status
            call.response = copy.deepcopy(answer.payload) if answer.raw is None else None
            self._changed.notify_all()
        self._respond(handler, answer)

    def _delay_for(self, method: str) -> float:
        """Seconds of latency() before answering ``method`` (0: none)."""
        setting = self._latency.get(method)
        if setting is None and method not in (UPLOAD_METHOD, RESPONSE_URL_METHOD):
            setting = self._latency.get("*")
        if setting is None:
            return 0.0
        if isinstance(setting, tuple):
            return random.uniform(*setting)
        return float(setting)

    def _rate_limited(self, call: Call) -> _Answer | None:
        """The 429 Slack answers past its rate limit (None: within it; counts the call)."""
        if self._limiter is None or call.method not in self._api:
            return None
        channel = None
        if call.method == "chat.postMessage":
            raw = call.params.get("channel")
            channel = self._resolve_channel(raw, by_name=True) or (str(raw) if raw else None)
        wait = self._limiter.wait_for(call.token or "", call.method, channel, call.monotonic)
        if wait <= 0:
            return None
        call.rate_limited = True
        return _Answer(
            status=429,
            payload={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, answer: _Answer) -> None:
        data = answer.encode()
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(data)))
            for key, value in answer.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except (ConnectionError, TimeoutError, ValueError):
            pass  # client gone (timed out on a hung call, or server stopping)

    def add_method(self, method: str, fn: Callable[[Json, str | None], Json]) -> None:
        """Answer `method` with fn(params, token) (e.g. Socket Mode's apps.connections.open)."""
        with self._lock:
            self._extra_methods[method] = fn

    def _dispatch(self, method: str, call: Call) -> Json:
        self._call_at = call.monotonic  # when Slack received it (triggers' age)
        if method == RESPONSE_URL_METHOD:
            return {"ok": True}  # Slack answers a response_url post with "ok"
        api = self._api.get(method)
        if method == "oauth.v2.access":
            return self._oauth_v2_access(call.params)
        extra = self._extra_methods.get(method)
        if extra is not None:
            return extra(call.params, call.token)
        if api is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}
        if self.require_token and not call.token:
            return {"ok": False, "error": "not_authed"}
        workspace = self._workspaces.get(call.token or "")
        if method == "auth.test" and workspace is not None:
            return {
                "ok": True,
                "url": "https://x.slack.com/",
                "team": workspace["name"],
                "user": "wgbot",
                "team_id": workspace["team_id"],
                "user_id": workspace["bot_user_id"],
                "bot_id": workspace["bot_id"],
                "app_id": self.app_id,
                "is_enterprise_install": False,
            }
        return api(call.params)

    def add_workspace(
        self, team_id: str, token: str, *, name: str = "Other Team", code: str | None = None
    ) -> None:
        """Another workspace with its own bot token; `code` lets an OAuth install get it."""
        with self._lock:
            self._workspaces[token] = {
                "team_id": team_id,
                "name": name,
                "bot_user_id": f"UBOT{team_id}",
                "bot_id": f"BBOT{team_id}",
            }
            if code:
                self._oauth_codes[code] = token

    def _oauth_v2_access(self, params: Json) -> Json:
        token = self._oauth_codes.pop(str(params.get("code", "")), None)
        if token is None:
            return {"ok": False, "error": "invalid_code"}
        ws = self._workspaces[token]
        return {
            "ok": True,
            "app_id": self.app_id,
            "authed_user": {"id": "UINSTALLER"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": ws["bot_user_id"],
            "team": {"id": ws["team_id"], "name": ws["name"]},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # ------------------------------------------------------------------ helpers

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _next_ts(self) -> str:
        """Unique, strictly increasing ts close to the wall clock: "1700000000.000100"."""
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _error(self, error: str, **extra: Any) -> Json:
        return {"ok": False, "error": error, **extra}

    def _violation(self, method: str, problems: list[str]) -> None:
        self._violations.extend(f"{method}: {p}" for p in problems)

    def _resolve_channel(self, value: Any, *, by_name: bool = False) -> str | None:
        """Channel id for an id / "#name" / "name" / user id (-> the bot's DM with that
        user); None if there is no such conversation.

        by_name: whether a name or a user id is taken (Slack: the posting methods only;
        the fake's own inspection helpers always).  Without ``strict_channels`` both are
        taken everywhere and unknown C/G ids are synthesised.
        """
        if value is None or value == "":
            return None
        channel = str(value)
        if channel in self._channels or channel in self._dms:
            return channel
        by_name = by_name or not self.strict_channels
        if channel[:1] == "D" and _CONVERSATION_ID.match(channel):
            return channel if self._is_bot_dm(channel) else None
        if channel[:1] in ("U", "W") and _CONVERSATION_ID.match("D" + channel[1:]):
            if not by_name or (self.strict_users and channel not in self._users):
                return None
            return self._dm_id(channel)
        if _CONVERSATION_ID.match(channel):  # a C/G id the fake does not know
            return None if self.strict_channels else channel
        if not by_name:
            return None
        name = channel.lstrip("#")
        for channel_id, info in self._channels.items():
            if info["name"] == name:
                return channel_id
        return None

    def _visible_channel(self, value: Any, *, by_name: bool = False) -> str | None:
        """The channel id as the bot's token sees it: a private channel it is not in
        does not exist for it (Slack answers channel_not_found).  Names and user ids
        only with ``by_name`` (the posting methods)."""
        channel = self._resolve_channel(value, by_name=by_name)
        stored = self._channels.get(channel) if channel is not None else None
        if stored is not None and stored["is_private"] and not stored["is_member"]:
            return None
        return channel

    def _is_bot_dm(self, channel_id: str) -> bool:
        """Whether a D… id is the bot's own DM with someone (see ``strict_dms``)."""
        if not self.strict_dms or channel_id in self._dms:
            return True
        user = channel_id[1:]
        return user in self._users or (not self.strict_users and user[:1] in ("U", "W"))

    def _unknown_user(self, value: Any) -> bool:
        """A user id (as a channel or a user) Slack does not know (``strict_users``)."""
        user = str(value or "")
        return (
            self.strict_users
            and user[:1] in ("U", "W")
            and _CONVERSATION_ID.match("D" + user[1:]) is not None
            and user not in self._users
        )

    def _note_dm(self, channel_id: str, users: list[str]) -> None:
        self._dms.setdefault(channel_id, list(users))

    def _outside(self, channel: str) -> bool:
        """A (visible, public) channel the bot is not a member of."""
        stored = self._channels.get(channel)
        return stored is not None and not stored["is_member"]

    @staticmethod
    def _dm_id(user_id: str) -> str:
        return f"D{user_id}"

    def _channel_info(self, channel_id: str) -> Json:
        if channel_id[:1] == "D":
            return {
                "id": channel_id,
                "created": 0,
                "is_im": True,
                "is_org_shared": False,
                "user": channel_id[1:],
                "is_user_deleted": False,
                "priority": 0,
            }
        if channel_id in self._dms:  # a group DM the bot opened
            members = self._dms[channel_id]
            return {
                "id": channel_id,
                "name": "mpdm-" + "--".join(u.lower() for u in members) + "-1",
                "created": 0,
                "is_channel": False,
                "is_group": False,
                "is_im": False,
                "is_mpim": True,
                "is_private": True,
                "is_archived": False,
                "is_member": True,
                "num_members": len(members) + 1,
            }
        stored = self._channels.get(channel_id)
        name = stored["name"] if stored else channel_id.lower()
        is_private = stored["is_private"] if stored else channel_id[:1] == "G"
        members = stored["members"] if stored else []
        return {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": bool(stored and stored["is_archived"]),
            "is_general": name == "general",
            "is_shared": bool(stored and stored.get("shared")),
            "is_ext_shared": bool(stored and stored.get("shared")),
            "is_org_shared": False,
            "is_member": stored["is_member"] if stored else True,
            "created": stored["created"] if stored else 0,
            "creator": "",
            "context_team_id": self.team_id,
            "num_members": len(members),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }

    def _find_message(self, channel: str | None, ts: Any) -> Json | None:
        resolved = self._resolve_channel(channel, by_name=True) if channel else None
        for message in self._messages:
            if message.get("ts") == str(ts) and message.get("channel") in (channel, resolved):
                return message
        return None

    def _store_message(self, message: Json) -> None:
        self._messages.append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self._find_message(message["channel"], thread_ts)
            if parent is not None:
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                users = list(parent.get("reply_users", []))
                author = message.get("user")
                if author and author not in users:
                    users.append(author)
                parent["reply_users"] = users
                parent["reply_users_count"] = len(users)
                parent["latest_reply"] = message["ts"]

    def _public_message(self, message: Json, *, include_metadata: bool = True) -> Json:
        out = copy.deepcopy(message)
        out.pop("channel", None)
        if not include_metadata:
            out.pop("metadata", None)
        return out

    def _check_message(self, method: str, params: Json, *, require_content: bool) -> str | None:
        """Validate outgoing message content; returns a Slack error code or None."""
        text, blocks, attachments = (
            params.get("text"),
            params.get("blocks"),
            params.get("attachments"),
        )
        if isinstance(blocks, str) and blocks:
            self._violation(method, [f"blocks: not valid JSON: {blocks[:80]!r}"])
            return "invalid_blocks_format"
        problems = validate_message_text(text)
        if problems:
            self._violation(method, problems)
            return "msg_too_long"
        if require_content and not text and not blocks and not attachments:
            self._violation(method, ["no text, blocks or attachments"])
            return "no_text"
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and metadata.get("event_type")
            and isinstance(metadata.get("event_payload"), dict)
        ):
            self._violation(
                method,
                [f"metadata: needs event_type (str) and event_payload (object): {metadata!r}"],
            )
            return "invalid_metadata_format"
        problems = validate_message(blocks=blocks or None, attachments=attachments or None)
        if problems:
            self._violation(method, problems)
            return "invalid_blocks"
        return None

    def _page(self, items: list[Any], params: Json, default_limit: int) -> tuple[list[Any], str]:
        offset = _decode_cursor(params.get("cursor"))
        if offset is None:
            raise _InvalidCursor
        try:
            limit = int(params.get("limit") or default_limit)
        except (TypeError, ValueError):
            limit = default_limit
        limit = max(1, min(limit, 1000))
        page = items[offset : offset + limit]
        next_cursor = _encode_cursor(offset + limit) if offset + limit < len(items) else ""
        return page, next_cursor

    # ------------------------------------------------------------------ API methods

    def _api_test(self, params: Json) -> Json:
        return {"ok": True, "args": {k: v for k, v in params.items() if k != "token"}}

    def _auth_test(self, params: Json) -> Json:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _post_channel(self, params: Json) -> str | Json:
        """Where a posting method posts (a name or a user id is taken), or its error."""
        raw = params.get("channel")
        if self._unknown_user(raw):
            return self._error("user_not_found")
        if self._users.get(str(raw), {}).get("info") == "refused":
            return self._error("channel_not_found")  # Slack Connect: no DM with them
        channel = self._visible_channel(raw, by_name=True)
        if channel is None:
            return self._error("channel_not_found")
        if str(raw)[:1] in ("U", "W") and channel[:1] == "D":
            self._note_dm(channel, [str(raw)])  # posting to a user id opens the DM
        stored = self._channels.get(channel)
        if stored is not None and stored["is_archived"]:
            return self._error("is_archived")
        return channel

    def _chat_post_message(self, params: Json) -> Json:
        channel = self._post_channel(params)
        if not isinstance(channel, str):
            return channel
        if self._outside(channel) and "chat:write.public" not in self.scopes:
            return self._error("not_in_channel")
        error = self._check_message("chat.postMessage", params, require_content=True)
        if error:
            return self._error(error)
        thread_ts = params.get("thread_ts")
        if thread_ts and self.strict_messages and self._find_message(channel, thread_ts) is None:
            # Slack does not refuse it: the reply becomes a new top-level message.
            self._violation(
                "chat.postMessage",
                [
                    f"thread_ts {thread_ts} is no message in {channel}: Slack posts the "
                    "reply as a new top-level message"
                ],
            )
            params = {k: v for k, v in params.items() if k not in ("thread_ts", "reply_broadcast")}
        ts = self._next_ts()
        message: Json = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": params.get("text") or "",
            "ts": ts,
            "team": self.team_id,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(key):
                message[key] = copy.deepcopy(params[key])
        if message.get("thread_ts") and _truthy(params.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
        message["channel"] = channel
        self._store_message(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": self._public_message(message),
        }

    def _chat_post_ephemeral(self, params: Json) -> Json:
        channel = self._post_channel(params)
        if not isinstance(channel, str):
            return channel
        if not params.get("user"):
            return self._error("invalid_arguments")
        if self._unknown_user(params["user"]):
            return self._error("user_not_found")
        error = self._check_message("chat.postEphemeral", params, require_content=True)
        if error:
            return self._error(error)
        message_ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel,
                "user": params["user"],
                "text": params.get("text") or "",
                "blocks": copy.deepcopy(params.get("blocks")),
                "attachments": copy.deepcopy(params.get("attachments")),
                "thread_ts": params.get("thread_ts"),
                "message_ts": message_ts,
            }
        )
        return {"ok": True, "message_ts": message_ts}

    def _chat_schedule_message(self, params: Json) -> Json:
        channel = self._post_channel(params)
        if not isinstance(channel, str):
            return channel
        try:
            post_at = int(float(str(params.get("post_at", ""))))
        except ValueError:
            return self._error("invalid_time")
        now = time.time()
        if post_at <= now:
            return self._error("time_in_past")
        if post_at > now + 120 * 86400:
            return self._error("time_too_far")
        error = self._check_message("chat.scheduleMessage", params, require_content=True)
        if error:
            return self._error(error)
        scheduled: Json = {
            "id": self._next_id("Q"),
            "channel": channel,
            "post_at": post_at,
            "text": params.get("text") or "",
            "blocks": copy.deepcopy(params.get("blocks")),
            "thread_ts": params.get("thread_ts"),
        }
        self._scheduled.append(scheduled)
        return {
            "ok": True,
            "channel": channel,
            "scheduled_message_id": scheduled["id"],
            "post_at": post_at,
            "message": {
                "type": "message",
                "text": scheduled["text"],
                "bot_id": self.bot_id,
                "user": self.bot_user_id,
            },
        }

    def _own_message_or_error(self, params: Json, verb: str) -> Json | str:
        if self._visible_channel(params.get("channel")) is None:
            return "channel_not_found"
        message = self._find_message(params.get("channel"), params.get("ts"))
        if message is None:
            return "message_not_found"
        if message.get("user") != self.bot_user_id and message.get("bot_id") != self.bot_id:
            return f"cant_{verb}_message"
        return message

    def _chat_update(self, params: Json) -> Json:
        found = self._own_message_or_error(params, "update")
        if isinstance(found, str):
            return self._error(found)
        error = self._check_message("chat.update", params, require_content=False)
        if error:
            return self._error(error)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                value = copy.deepcopy(params[key])
                if key == "text":
                    found["text"] = value or ""
                elif value:
                    found[key] = value
                else:
                    found.pop(key, None)
        found["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": found["channel"],
            "ts": found["ts"],
            "text": found.get("text", ""),
            "message": self._public_message(found),
        }

    def _chat_delete(self, params: Json) -> Json:
        found = self._own_message_or_error(params, "delete")
        if isinstance(found, str):
            return self._error(found)
        self._messages.remove(found)
        return {"ok": True, "channel": found["channel"], "ts": found["ts"]}

    def _chat_get_permalink(self, params: Json) -> Json:
        channel = self._visible_channel(params.get("channel"))
        ts = params.get("message_ts")
        if channel is None:
            return self._error("channel_not_found")
        if not ts:
            return self._error("message_not_found")
        message = self._find_message(channel, ts)
        if message is None and self.strict_messages:
            return self._error("message_not_found")
        permalink = (
            f"https://{self.team_domain}.slack.com/archives/{channel}/p{str(ts).replace('.', '')}"
        )
        thread_ts = (message or {}).get("thread_ts")
        if thread_ts and thread_ts != str(ts):
            permalink += f"?thread_ts={thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _reaction_target(self, params: Json) -> tuple[str, str] | str:
        channel = self._visible_channel(params.get("channel"))
        if channel is None:
            return "channel_not_found"
        if self._outside(channel):
            return "not_in_channel"
        ts = params.get("timestamp")
        if not ts:
            return "no_item_specified"
        if not params.get("name"):
            return "invalid_name"
        if self.strict_messages and self._find_message(channel, ts) is None:
            return "message_not_found"
        return channel, str(ts)

    def _reactions_add(self, params: Json) -> Json:
        target = self._reaction_target(params)
        if isinstance(target, str):
            return self._error(target)
        name = str(params["name"]).strip(":")
        names = self._reactions.setdefault(target, [])
        if name in names:
            return self._error("already_reacted")
        names.append(name)
        message = self._find_message(*target)
        if message is not None:
            message.setdefault("reactions", []).append(
                {"name": name, "users": [self.bot_user_id], "count": 1}
            )
        return {"ok": True}

    def _reactions_remove(self, params: Json) -> Json:
        target = self._reaction_target(params)
        if isinstance(target, str):
            return self._error(target)
        name = str(params["name"]).strip(":")
        names = self._reactions.get(target, [])
        if name not in names:
            return self._error("no_reaction")
        names.remove(name)
        message = self._find_message(*target)
        if message is not None:
            message["reactions"] = [r for r in message.get("reactions", []) if r["name"] != name]
            if not message["reactions"]:
                del message["reactions"]
        return {"ok": True}

    def _make_view(
        self,
        source: Json,
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> Json:
        view_id = view_id or self._next_id("V")
        view: Json = {
            "id": view_id,
            "team_id": self.team_id,
            "type": source.get("type"),
            "blocks": copy.deepcopy(source.get("blocks", [])),
            "private_metadata": source.get("private_metadata", ""),
            "callback_id": source.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "title": copy.deepcopy(source.get("title")),
            "clear_on_close": bool(source.get("clear_on_close", False)),
            "notify_on_close": bool(source.get("notify_on_close", False)),
            "close": copy.deepcopy(source.get("close")),
            "submit": copy.deepcopy(source.get("submit")),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or view_id,
            "app_id": self.app_id,
            "external_id": source.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = view
        return copy.deepcopy(view)

    def _checked_view(self, method: str, params: Json) -> Json | str:
        view = params.get("view")
        if view is None:
            return "invalid_arguments"
        problems = validate_view(view)
        if problems:
            self._violation(method, problems)
            return "invalid_blocks"
        return cast(Json, view)

    def _trigger_error(self, trigger_id: str) -> str | None:
        """Why Slack refuses this trigger_id now (None: it is good, and now used)."""
        if not self.strict_triggers:
            return None
        issued = self._triggers.get(trigger_id)
        if issued is None:
            return "invalid_trigger_id"
        if trigger_id in self._used_triggers:
            return "exchanged_trigger_id"
        if self._call_at - issued > self.trigger_ttl:
            return "expired_trigger_id"
        self._used_triggers.add(trigger_id)
        return None

    def _views_open(self, params: Json) -> Json:
        if not params.get("trigger_id"):
            return self._error("invalid_arguments")
        view = self._checked_view("views.open", params)
        if isinstance(view, str):
            return self._error(view)
        refused = self._trigger_error(str(params["trigger_id"]))
        if refused:
            return self._error(refused)
        return {"ok": True, "view": self._make_view(view)}

    def _views_push(self, params: Json) -> Json:
        if not params.get("trigger_id"):
            return self._error("invalid_arguments")
        view = self._checked_view("views.push", params)
        if isinstance(view, str):
            return self._error(view)
        refused = self._trigger_error(str(params["trigger_id"]))
        if refused:
            return self._error(refused)
        return {"ok": True, "view": self._make_view(view)}

    def _views_update(self, params: Json) -> Json:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if not view_id and not external_id:
            return self._error("invalid_arguments")
        if not view_id:
            matches = [v for v in self._views.values() if v.get("external_id") == external_id]
            if not matches:
                return self._error("not_found")
            view_id = matches[-1]["id"]
        existing = self._views.get(str(view_id))
        if existing is not None and params.get("hash") and params["hash"] != existing["hash"]:
            return self._error("hash_conflict")
        view = self._checked_view("views.update", params)
        if isinstance(view, str):
            return self._error(view)
        root = existing["root_view_id"] if existing else None
        previous = existing["previous_view_id"] if existing else None
        made = self._make_view(
            view, view_id=str(view_id), root_view_id=root, previous_view_id=previous
        )
        return {"ok": True, "view": made}

    def _views_publish(self, params: Json) -> Json:
        user_id = params.get("user_id")
        if not user_id:
            return self._error("invalid_arguments")
        view = self._checked_view("views.publish", params)
        if isinstance(view, str):
            return self._error(view)
        if view.get("type") != "home":
            self._violation(
                "views.publish", [f"view.type must be 'home', got {view.get('type')!r}"]
            )
            return self._error("invalid_arguments")
        existing = self._home_tabs.get(str(user_id))
        if existing is not None and params.get("hash") and params["hash"] != existing["hash"]:
            return self._error("hash_conflict")
        made = self._make_view(view, view_id=existing["id"] if existing else None)
        self._home_tabs[str(user_id)] = made
        return {"ok": True, "view": made}

    def _user_object(self, user: Json) -> Json:
        tz = user["tz"]
        try:
            now = datetime.now(ZoneInfo(tz))
        except ZoneInfoNotFoundError:
            now = datetime.now(UTC)
        offset = now.utcoffset()
        profile: Json = {
            "real_name": user["real_name"],
            "real_name_normalized": user["real_name"],
            "display_name": user["name"],
            "display_name_normalized": user["name"],
            "team": user["team_id"],
        }
        if user.get("email"):
            profile["email"] = user["email"]
        return {
            "id": user["id"],
            "team_id": user["team_id"],
            "name": user["name"],
            "deleted": user["deleted"],
            "real_name": user["real_name"],
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": user["is_admin"],
            "is_owner": user["is_owner"],
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": user["is_bot"],
            "is_app_user": False,
            "updated": int(time.time()),
        }

    def _users_info(self, params: Json) -> Json:
        user = self._users.get(str(params.get("user") or ""))
        if user is None or user.get("info") == "refused":
            return self._error("user_not_found")
        if user.get("info") == "partial":  # Slack Connect: what another org shares
            return {
                "ok": True,
                "user": {
                    "id": user["id"],
                    "team_id": user["team_id"],
                    "name": user["name"],
                    "deleted": False,
                    "profile": {"display_name": user["name"], "team": user["team_id"]},
                    "is_bot": user["is_bot"],
                    "is_stranger": True,
                },
            }
        return {"ok": True, "user": self._user_object(user)}

    def _users_list(self, params: Json) -> Json:
        members = [
            self._user_object(u) for u in self._users.values() if u.get("info", "full") == "full"
        ]
        try:
            page, next_cursor = self._page(members, params, default_limit=1000)
        except _InvalidCursor:
            return self._error("invalid_cursor")
        return {
            "ok": True,
            "members": page,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _known_channel(self, params: Json) -> str | None:
        channel = params.get("channel")
        return self._visible_channel(str(channel)) if channel else None

    def _conversations_info(self, params: Json) -> Json:
        channel = self._known_channel(params)
        if channel is None:
            return self._error("channel_not_found")
        return {"ok": True, "channel": self._channel_info(channel)}

    def _conversations_members(self, params: Json) -> Json:
        channel = self._known_channel(params)
        if channel is None:
            return self._error("channel_not_found")
        if channel in self._dms:
            members = [*self._dms[channel], self.bot_user_id]
        elif channel[:1] == "D":
            members = [channel[1:], self.bot_user_id]
        else:
            stored = self._channels.get(channel)
            members = list(stored["members"]) if stored else []
        try:
            page, next_cursor = self._page(members, params, default_limit=100)
        except _InvalidCursor:
            return self._error("invalid_cursor")
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_open(self, params: Json) -> Json:
        if params.get("channel"):
            existing = self._visible_channel(params["channel"])
            if existing is None:
                return self._error("channel_not_found")
            return {"ok": True, "channel": {"id": existing}}
        users = _split_ids(params.get("users"))
        if not users:
            return self._error("users_list_not_supplied")
        if len(users) > 8:
            return self._error("too_many_users")
        if any(self._unknown_user(u) for u in users):
            return self._error("user_not_found")
        if len(users) == 1:
            channel_id = self._dm_id(users[0])
        else:
            channel_id = "G" + "".join(sorted(users))
        self._note_dm(channel_id, users)
        channel: Json = {"id": channel_id}
        if _truthy(params.get("return_im")) and channel_id[:1] == "D":
            channel = self._channel_info(channel_id)
        return {"ok": True, "no_op": False, "already_open": False, "channel": channel}

    def _conversations_list(self, params: Json) -> Json:
        """Public channels, and the private ones the bot is in (``types``), by name."""
        types = set(_split_ids(params.get("types"))) or {"public_channel"}
        exclude_archived = _truthy(params.get("exclude_archived"))
        found = [
            self._channel_info(channel_id)
            for channel_id, info in self._channels.items()
            if ("private_channel" if info["is_private"] else "public_channel") in types
            and (not info["is_private"] or info["is_member"])
            and not (exclude_archived and info["is_archived"])
        ]
        try:
            page, next_cursor = self._page(found, params, default_limit=100)
        except _InvalidCursor:
            return self._error("invalid_cursor")
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_join(self, params: Json) -> Json:
        channel = self._resolve_channel(params.get("channel"))
        if channel is None:
            return self._error("channel_not_found")
        stored = self._channels.get(channel)
        private = stored["is_private"] if stored is not None else channel[:1] != "C"
        if private:
            # Only public channels can be joined (not DMs); private ones need an invitation.
            return self._error("method_not_supported_for_channel_type")
        if stored is not None and stored["is_archived"]:
            return self._error("is_archived")
        already = stored is None or bool(stored["is_member"])
        if stored is not None:
            self._set_bot_member(stored, True)
        answer: Json = {"ok": True, "channel": self._channel_info(channel)}
        if already:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _conversations_history(self, params: Json) -> Json:
        channel = self._known_channel(params)
        if channel is None:
            return self._error("channel_not_found")
        if self._outside(channel):
            return self._error("not_in_channel")
        inclusive = _truthy(params.get("inclusive"))
        oldest = _ts_key(params.get("oldest") or "0")
        latest = _ts_key(params["latest"]) if params.get("latest") else None
        include_metadata = (
            _truthy(params.get("include_all_metadata")) or not self.history_metadata_requires_flag
        )

        def in_range(ts: Decimal) -> bool:
            if inclusive:
                return ts >= oldest and (latest is None or ts <= latest)
            return ts > oldest and (latest is None or ts < latest)

        selected = [
            m
            for m in self._messages
            if m.get("channel") == channel
            and (
                not m.get("thread_ts")
                or m.get("thread_ts") == m.get("ts")
                or m.get("subtype") == "thread_broadcast"
            )
            and in_range(_ts_key(m.get("ts")))
        ]
        selected.sort(key=lambda m: _ts_key(m.get("ts")), reverse=True)
        try:
            page, next_cursor = self._page(selected, params, default_limit=100)
        except _InvalidCursor:
            return self._error("invalid_cursor")
        return {
            "ok": True,
            "messages": [self._public_message(m, include_metadata=include_metadata) for m in page],
            "has_more": bool(next_cursor),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, params: Json) -> Json:
        channel = self._known_channel(params)
        if channel is None:
            return self._error("channel_not_found")
        if self._outside(channel):
            return self._error("not_in_channel")
        ts = str(params.get("ts") or "")
        parent = self._find_message(channel, ts)
        if parent is None:
            return self._error("thread_not_found")
        include_metadata = (
            _truthy(params.get("include_all_metadata")) or not self.history_metadata_requires_flag
        )
        thread = [parent] + [
            m
            for m in self._messages
            if m.get("channel") == channel and m.get("thread_ts") == ts and m is not parent
        ]
        thread.sort(key=lambda m: _ts_key(m.get("ts")))
        try:
            page, next_cursor = self._page(thread, params, default_limit=1000)
        except _InvalidCursor:
            return self._error("invalid_cursor")
        return {
            "ok": True,
            "messages": [self._public_message(m, include_metadata=include_metadata) for m in page],
            "has_more": bool(next_cursor),
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _files_get_upload_url(self, params: Json) -> Json:
        filename = params.get("filename")
        try:
            length = int(str(params.get("length", "")))
        except (TypeError, ValueError):
            return self._error("invalid_arguments")
        if not filename or length < 0:
            return self._error("invalid_arguments")
        file_id = self._next_id("F")
        self._pending_uploads[file_id] = {
            "filename": str(filename),
            "length": length,
            "alt_txt": params.get("alt_txt"),
            "snippet_type": params.get("snippet_type"),
            "content": None,
        }
        return {
            "ok": True,
            "upload_url": f"{self.root_url}{UPLOAD_PREFIX}{file_id}",
            "file_id": file_id,
        }

    def _receive_upload(self, file_id: str, body: bytes) -> _Answer:
        pending = self._pending_uploads.get(file_id)
        if pending is None:
            return _Answer(404, raw=b"not found", content_type="text/plain")
        pending["content"] = body
        return _Answer(200, raw=f"OK - {len(body)}".encode(), content_type="text/plain")

    def _files_complete_upload(self, params: Json) -> Json:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return self._error("invalid_arguments")
        channels = _split_ids(params.get("channels"))
        channel_id = params.get("channel_id")
        if channel_id:
            resolved = self._visible_channel(str(channel_id))
            if resolved is None:
                return self._error("channel_not_found")
            channels = [resolved, *channels]
        for item in files:
            pending = (
                self._pending_uploads.get(str(item.get("id"))) if isinstance(item, dict) else None
            )
            if pending is None or pending["content"] is None:
                return self._error("file_not_found")
        completed: list[Json] = []
        now = time.time()
        for item in files:
            file_id = str(item["id"])
            pending = self._pending_uploads.pop(file_id)
            title = item.get("title") or pending["filename"]
            uploaded = UploadedFile(
                id=file_id,
                filename=pending["filename"],
                title=title,
                content=pending["content"],
                channel_id=str(channel_id) if channel_id else None,
                channels=list(channels),
                initial_comment=params.get("initial_comment"),
                thread_ts=params.get("thread_ts"),
                alt_txt=pending["alt_txt"],
                snippet_type=pending["snippet_type"],
                at=now,
            )
            self._uploaded.append(uploaded)
            completed.append(
                {
                    "id": file_id,
                    "created": int(now),
                    "timestamp": int(now),
                    "name": uploaded.filename,
                    "title": title,
                    "mimetype": "",
                    "filetype": "",
                    "user": self.bot_user_id,
                    "user_team": self.team_id,
                    "size": len(uploaded.content),
                    "is_public": True,
                    "channels": list(channels),
                    "shares": {},
                    "permalink": f"https://{self.team_domain}.slack.com/files/"
                    f"{self.bot_user_id}/{file_id}/{uploaded.filename}",
                }
            )
        return {"ok": True, "files": completed}

    def _files_upload_legacy(self, params: Json) -> Json:
        # files.upload was retired by Slack; the call is recorded (multipart decoded into
        # params) but answered like Slack does today, so code must use files_upload_v2.
        return self._error("method_deprecated")


class _InvalidCursor(Exception):
    pass
