"""The HTTP front: a small WSGI app in front of Bolt and the features' pages, on waitress."""

from __future__ import annotations

import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot import __version__, logs, metrics
from bot.config import Settings
from bot.outbox.health import OutboxCollector, outbox_health
from bot.pages import PageRoutes
from bot.runtime import Runtime
from bot.scheduler import Scheduler
from bot.slack.edge import EdgeLimits, EdgeServer, create_edge_server

log = logging.getLogger(__name__)

# /readyz fails when no scheduler tick came for this long (issue 15: a minute).
SCHEDULER_STALE_S = 60.0
MAX_BODY = 1 << 20  # Slack payloads are far smaller; refuse anything bigger.

StartResponse = Callable[..., Any]

_REASONS = {
    200: "OK",
    201: "Created",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _status(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Status')}"


class ReplayGuard:
    """Signatures of the signed requests seen within Slack's 5-minute window.

    Slack signs `v0:{timestamp}:{body}` and refuses nothing older than 5 minutes, so a
    request captured on the way could be sent again within that window: the second
    copy is answered without being run. Kept per process (see README, Security).
    """

    WINDOW_S = 300.0

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def first(self, key: str) -> bool:
        """Record `key`; False if it was seen within the window."""
        now = time.monotonic()
        with self._lock:
            if now >= self._next_prune:
                self._seen = {k: t for k, t in self._seen.items() if now - t < self.WINDOW_S}
                self._next_prune = now + 10.0
            seen_at = self._seen.get(key)
            if seen_at is not None and now - seen_at < self.WINDOW_S:
                return False
            self._seen[key] = now
            return True

    def forget(self, key: str) -> None:
        """A request that failed may be retried with the same signature."""
        with self._lock:
            self._seen.pop(key, None)


class WsgiApp:
    """Routes /slack/* to Bolt, /healthz to a database check, the rest to the pages."""

    def __init__(
        self,
        rt: Runtime,
        bolt_app: Any,
        pages: PageRoutes | None = None,
        *,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.rt = rt
        self.bolt = bolt_app
        self.pages = pages or PageRoutes()
        self.replays = ReplayGuard()
        self.scheduler = scheduler
        self.metrics = metrics.registry([OutboxCollector(rt.db, rt.clock)])

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        rid = logs.request_id(environ.get("HTTP_X_REQUEST_ID"))
        token = logs.REQUEST_ID.set(rid)

        def with_request_id(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            return start_response(status, [*headers, ("X-Request-Id", rid)], *rest)

        try:
            return self._route(environ, with_request_id)
        finally:
            logs.REQUEST_ID.reset(token)

    def _route(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path.startswith("/slack/") and self.bolt is not None:
                return self._slack(environ, start_response, method)
            if path == "/healthz":
                return self._health(start_response)
            if path == "/readyz":
                return self._ready(start_response)
            if path == "/metrics":
                return self._metrics(environ, start_response)
            if method not in ("GET", "HEAD"):
                return self._send(
                    start_response, 405, "text/plain; charset=utf-8", b"method not allowed\n"
                )
            found = self.pages.find(path)
            if found is None:
                return self._send(start_response, 404, "text/plain; charset=utf-8", b"not found\n")
            handler, match = found
            page = handler(self.rt, match)
            body = b"" if method == "HEAD" else page.body
            return self._send(start_response, page.status, page.content_type, body, page.headers)
        except Exception:
            log.exception("request %s %s failed", method, path)
            return self._send(start_response, 500, "text/plain; charset=utf-8", b"internal error\n")

    def _slack(
        self, environ: dict[str, Any], start_response: StartResponse, method: str
    ) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return self._send(start_response, 413, "text/plain; charset=utf-8", b"too large\n")
        body = environ["wsgi.input"].read(length).decode("utf-8", "replace") if length else ""
        headers: dict[str, str | Sequence[str]] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").lower()] = value
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if method == "GET" and not self.rt.settings.oauth_enabled:
            return self._send(start_response, 404, "text/plain; charset=utf-8", b"not found\n")
        replay_key = self._replay_key(method, body, headers)
        if replay_key is not None and not self.replays.first(replay_key):
            # The same signed request again (same timestamp, same signature): it was
            # answered once; running it again would repeat its effect.
            log.warning("replayed request on %s ignored", environ.get("PATH_INFO"))
            return self._send(start_response, 200, "text/plain; charset=utf-8", b"")
        statuses: list[str] = []

        def noting_status(status: str, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, *args)

        try:
            return self._dispatch_to_bolt(environ, noting_status, method, body, headers)
        finally:
            # Only an answered request is one: after a failure (a 500 asks Slack to
            # retry an event) the same signature may come again and must run.
            if replay_key is not None and not (statuses and statuses[0].startswith("2")):
                self.replays.forget(replay_key)

    def _replay_key(
        self, method: str, body: str, headers: dict[str, str | Sequence[str]]
    ) -> str | None:
        """The signature of a correctly signed POST (what a replay would repeat), else None."""
        if method != "POST":
            return None
        signature = headers.get("x-slack-signature")
        if not isinstance(signature, str) or not signature or not self._signed(body, headers):
            return None
        return signature

    def _dispatch_to_bolt(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        method: str,
        body: str,
        headers: dict[str, str | Sequence[str]],
    ) -> Iterable[bytes]:
        from slack_bolt.request import BoltRequest

        try:
            req = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
            flow = self.bolt.oauth_flow
            if method == "GET" and flow is not None:
                # The OAuth install pages are plain browser requests, not signed.
                if environ.get("PATH_INFO") == flow.install_path:
                    resp = flow.handle_installation(req)
                elif environ.get("PATH_INFO") == flow.redirect_uri_path:
                    resp = flow.handle_callback(req)
                else:
                    return self._send(
                        start_response, 404, "text/plain; charset=utf-8", b"not found\n"
                    )
                return self._bolt_response(start_response, resp)
            resp = self.bolt.dispatch(req)
        except Exception:
            if not self._signed(body, headers):
                return self._send(start_response, 401, "text/plain; charset=utf-8", b"")
            # A signed payload Bolt itself cannot make sense of: acknowledge it, so
            # Slack does not retry it, and keep the details in the log.
            log.warning("unusable payload on %s", environ.get("PATH_INFO"), exc_info=True)
            return self._send(start_response, 200, "text/plain; charset=utf-8", b"")
        if resp.status == 404 and method == "POST":
            # Bolt answers 404 for events and actions nobody listens to; Slack would
            # retry those, so say "received" instead (signatures were checked before).
            return self._send(start_response, 200, "text/plain; charset=utf-8", b"")
        return self._bolt_response(start_response, resp)

    @staticmethod
    def _bolt_response(start_response: StartResponse, resp: Any) -> Iterable[bytes]:
        out_headers: list[tuple[str, str]] = []
        for name, values in resp.headers.items():
            for value in values if isinstance(values, list | tuple) else [values]:
                out_headers.append((name, str(value)))
        data = resp.body.encode("utf-8") if isinstance(resp.body, str) else bytes(resp.body or b"")
        out_headers = [(k, v) for k, v in out_headers if k.lower() != "content-length"]
        out_headers.append(("Content-Length", str(len(data))))
        start_response(_status(resp.status), out_headers)
        return [data]

    def _signed(self, body: str, headers: dict[str, str | Sequence[str]]) -> bool:
        from slack_sdk.signature import SignatureVerifier

        secret = self.rt.settings.slack_signing_secret
        if not secret:
            return False
        plain = {k: v if isinstance(v, str) else next(iter(v), "") for k, v in headers.items()}
        return SignatureVerifier(secret).is_valid_request(body, plain)

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        ok = self.rt.db.ping()
        body = json.dumps(
            {"status": "ok" if ok else "unavailable", "database": ok, "version": __version__}
        )
        return self._send(start_response, 200 if ok else 503, "application/json", body.encode())

    def _ready(self, start_response: StartResponse) -> Iterable[bytes]:
        """Ready for traffic: database up, outbox moving, scheduler (if run here) ticking."""
        now = self.rt.clock.now()
        report: dict[str, Any] = {"database": self.rt.db.ping()}
        ready = bool(report["database"])
        try:
            health = outbox_health(self.rt.db, now)
        except Exception:
            log.warning("readiness: could not read the outbox", exc_info=True)
            report["outbox"], ready = {"ok": False}, False
        else:
            limit = self.rt.settings.ready_outbox_age
            age = health.oldest_pending_age
            moving = age is None or age <= limit
            report["outbox"] = {
                "ok": moving,
                "pending": health.pending,
                "oldest_pending_age_seconds": None if age is None else round(age, 1),
                "max_age_seconds": limit,
                "failed": health.failed,
            }
            ready = ready and moving
        sched = self.scheduler
        if sched is None or sched.started_at is None:
            report["scheduler"] = {"ok": True, "running_here": False}
        else:
            last = sched.last_tick or sched.started_at
            since = (now - last).total_seconds()
            ticking = since <= SCHEDULER_STALE_S
            report["scheduler"] = {
                "ok": ticking,
                "running_here": True,
                "last_tick_age_seconds": round(since, 1),
            }
            ready = ready and ticking
        report = {"status": "ready" if ready else "not ready", **report}
        return self._send(
            start_response,
            200 if ready else 503,
            "application/json",
            json.dumps(report).encode(),
            {"Cache-Control": "no-store"},
        )

    def _metrics(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        token = self.rt.settings.metrics_token
        if token:
            offered = str(environ.get("HTTP_AUTHORIZATION", ""))
            if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
                return self._send(
                    start_response,
                    401,
                    "text/plain; charset=utf-8",
                    b"unauthorized\n",
                    {"WWW-Authenticate": "Bearer"},
                )
        body = metrics.exposition(self.metrics)
        return self._send(
            start_response, 200, metrics.CONTENT_TYPE, body, {"Cache-Control": "no-store"}
        )

    @staticmethod
    def _send(
        start_response: StartResponse,
        status: int,
        content_type: str,
        body: bytes,
        extra: dict[str, str] | None = None,
    ) -> Iterable[bytes]:
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        headers += list((extra or {}).items())
        start_response(_status(status), headers)
        return [body]


def edge_limits(settings: Settings) -> EdgeLimits:
    """What the settings allow each client (README, "TLS and a reverse proxy")."""
    proxy = settings.trusted_proxy
    return EdgeLimits(
        max_connections=settings.max_connections,
        # Behind a proxy that any address may be ("*"), every client shares its address.
        per_client=0 if proxy == "*" else settings.max_connections_per_client,
        header_timeout=float(settings.header_timeout),
        body_timeout=float(settings.body_timeout),
        exempt=frozenset({proxy}) if proxy and proxy != "*" else frozenset(),
    )


def make_server(
    app: WsgiApp,
    host: str = "0.0.0.0",
    port: int = 0,
    *,
    threads: int = 8,
    loop_timeout: float = 1.0,
    sock: socket.socket | None = None,
) -> EdgeServer:
    """A waitress server with the edge's limits, not started; `.run()` serves, `.close()` stops.

    On `host:port`, or on `sock`, a listening socket shared by several processes.
    """
    settings = app.rt.settings
    return create_edge_server(
        app,
        limits=edge_limits(settings),
        host=None if sock is not None else host,
        port=None if sock is not None else port,
        sock=sock,
        threads=threads,
        loop_timeout=loop_timeout,
        trusted_proxy=settings.trusted_proxy,
    )
