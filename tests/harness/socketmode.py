"""Slack's side of Socket Mode, on loopback: envelopes down a WebSocket, acks back up.

`apps.connections.open` (answered by the fake Web API with an app-level token) hands
out this server's ws:// URL. Each connection gets a `hello`; `send()` pushes an
envelope the way Slack does (slash_commands, interactive, events_api) and
`wait_ack()` returns what the app acknowledged, payload included.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.harness.fakeslack import FakeSlack
from tests.harness.slackclient import Response, SlackSender

Json = dict[str, Any]


class FakeSocketMode:
    def __init__(self, fake: FakeSlack, *, app_token_prefix: str = "xapp-") -> None:
        self.fake = fake
        self._prefix = app_token_prefix
        self._lock = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, Json] = {}
        self._seq = itertools.count(1)
        self._server: Server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-socket-mode", daemon=True
        )
        self._thread.start()
        fake.add_method("apps.connections.open", self._open)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/"

    def _open(self, params: Json, token: str | None) -> Json:
        if not (token or "").startswith(self._prefix):
            # Slack refuses a bot token here: Socket Mode needs the app-level token.
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": f"{self.url}?ticket={uuid.uuid4().hex}"}

    def _handle(self, ws: ServerConnection) -> None:
        ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": self.fake.app_id},
                    "debug_info": {"host": "fake-socket-mode"},
                }
            )
        )
        with self._lock:
            self._connections.append(ws)
            self._lock.notify_all()
        try:
            for raw in ws:
                message = json.loads(raw)
                envelope_id = message.get("envelope_id")
                if envelope_id:
                    with self._lock:
                        self._acks[str(envelope_id)] = message
                        self._lock.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if ws in self._connections:
                    self._connections.remove(ws)

    def wait_connected(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._connections:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the app never opened a Socket Mode connection")
                self._lock.wait(left)

    def send(self, kind: str, payload: Json, *, accepts_response_payload: bool = False) -> str:
        """Push one envelope to the app; returns its envelope_id."""
        envelope_id = f"env-{next(self._seq)}-{uuid.uuid4().hex[:8]}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            if not self._connections:
                raise RuntimeError("no Socket Mode connection")
            ws = self._connections[-1]
        ws.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Json:
        deadline = time.monotonic() + timeout
        with self._lock:
            while envelope_id not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"envelope {envelope_id} was never acknowledged")
                self._lock.wait(left)
            return self._acks[envelope_id]

    def request(self, kind: str, payload: Json, *, timeout: float = 10.0) -> Json:
        """Send an envelope and return the ack's payload ({} when it carried none)."""
        envelope_id = self.send(
            kind, payload, accepts_response_payload=kind in ("slash_commands", "interactive")
        )
        return dict(self.wait_ack(envelope_id, timeout).get("payload") or {})

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
        assert not self._thread.is_alive(), "the fake Socket Mode server did not stop"


class SocketModeSender(SlackSender):
    """The same payloads as SlackSender, delivered as Socket Mode envelopes instead of HTTP.

    A slash command goes as `slash_commands`, an interactivity payload as `interactive`,
    an Events API callback as `events_api`; the Response carries the ack's payload.
    """

    def __init__(self, socket: FakeSocketMode, **kw: Any) -> None:
        # Slack's side: the payloads' triggers and messages exist in the fake Web API.
        kw.setdefault("fake", socket.fake)
        super().__init__("http://socket-mode.invalid", "unused", **kw)
        self.socket = socket

    def post_form(
        self, fields: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Response:
        if "payload" in fields:
            return self._request("interactive", json.loads(str(fields["payload"])))
        return self._request("slash_commands", {k: str(v) for k, v in fields.items()})

    def post_json(
        self, payload: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
    ) -> Response:
        return self._request("events_api", dict(payload))

    def _request(self, kind: str, payload: Json) -> Response:
        answer = self.socket.request(kind, payload, timeout=self.timeout)
        return Response(200, json.dumps(answer).encode("utf-8") if answer else b"", {})
