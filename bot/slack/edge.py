"""Waitress with deadlines and a per-client connection cap, so slow clients cannot starve it.

Waitress reads requests asynchronously, but a connection that trickles a header byte
every few seconds stays open for ever (its idle timer is reset by every byte), and
the server stops accepting at its connection limit: about a thousand such
connections from one client made every other request wait. Here a request must
send its headers within `header_timeout` of its first byte (a new connection, of
being accepted) and its body within `body_timeout` of its headers; one client
address may hold at most `per_client` connections (further ones get a 503 and are
closed at once); and the event loop uses poll(), so more than 1,024 sockets work.
"""

from __future__ import annotations

import logging
import resource
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

log = logging.getLogger(__name__)

_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
    b"Content-Length: 0\r\n\r\n"
)
# A timed-out connection whose client does not take its 408 is dropped after this.
_GRACE_S = 2.0


@dataclass(frozen=True)
class EdgeLimits:
    """What one server process allows its clients."""

    max_connections: int = 2000
    per_client: int = 50  # 0: no cap
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: int = 30  # between keep-alive requests (waitress's channel_timeout)
    exempt: frozenset[str] = frozenset()  # addresses not capped (a trusted reverse proxy)


class EdgeChannel(HTTPChannel):
    """A connection that is closed when its request takes too long to arrive."""

    server: EdgeServer

    def __init__(
        self, server: EdgeServer, sock: socket.socket, addr: Any, adj: Any, map: Any = None
    ):
        self.client = addr[0] if isinstance(addr, tuple) and addr else ""
        self.counted = False
        self.opened = time.monotonic()
        self.served = False
        self.tracked: Any = None  # the partial request whose clock runs
        self.request_since = 0.0
        self.body_since: float | None = None
        self.timed_out_at: float | None = None
        super().__init__(server, sock, addr, adj, map)

    def add_channel(self, map: Any = None) -> None:
        super().add_channel(map)
        if not self.counted:
            self.counted = True
            self.server.clients[self.client] += 1

    def del_channel(self, map: Any = None) -> None:
        super().del_channel(map)
        if self.counted:
            self.counted = False
            clients = self.server.clients
            clients[self.client] -= 1
            if clients[self.client] <= 0:
                del clients[self.client]

    def received(self, data: bytes) -> bool:
        result = bool(super().received(data))
        now = time.monotonic()
        if self.requests:
            self.served = True
        request = self.request
        if request is None:
            self.tracked = None
        elif request is not self.tracked:
            self.tracked = request
            self.request_since = now
            self.body_since = now if request.headers_finished else None
        elif request.headers_finished and self.body_since is None:
            self.body_since = now
        return result

    def overdue(self, now: float, limits: EdgeLimits) -> bool:
        """Whether the request being received has missed its deadline."""
        if self.requests or self.will_close:
            return False  # being answered; waitress's own timers apply
        if self.request is None:
            # A connection that never said anything; an idle keep-alive one is
            # closed by waitress's channel_timeout.
            return not self.served and now - self.opened > limits.header_timeout
        if self.body_since is not None:
            return now - self.body_since > limits.body_timeout
        return now - self.request_since > limits.header_timeout

    def time_out(self, now: float) -> None:
        """Answer 408 and close; drop the connection if the client will not take it."""
        if self.timed_out_at is None:
            self.timed_out_at = now
            with self.outbuf_lock:
                self.outbufs[-1].append(_TIMEOUT)
                self.total_outbufs_len += len(_TIMEOUT)
            self.request = None
            self.close_when_flushed = True
        elif now - self.timed_out_at > _GRACE_S:
            self.will_close = True


class EdgeServer(TcpWSGIServer):
    """A waitress TCP server that enforces EdgeLimits."""

    channel_class = EdgeChannel
    effective_port: int

    def __init__(self, application: Any, *, limits: EdgeLimits, **kw: Any) -> None:
        self.limits = limits
        self.clients: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.next_refusal_log = 0.0
        super().__init__(application, **kw)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:
            return  # the client went away before we got to it
        addr = self.fix_addr(addr)
        client = addr[0] if isinstance(addr, tuple) and addr else ""
        cap = self.limits.per_client
        if cap and client not in self.limits.exempt and self.clients[client] >= cap:
            self._refuse(conn, client)
            return
        self.channel_class(self, conn, addr, self.adj, map=self._map)  # type: ignore[attr-defined]

    def _refuse(self, conn: socket.socket, client: str) -> None:
        try:
            conn.setblocking(False)
            conn.send(_BUSY)
        except OSError:
            pass
        finally:
            conn.close()
        self.refused[client] += 1
        now = time.monotonic()
        if now >= self.next_refusal_log:
            # One line a minute, not one per refused connection.
            self.next_refusal_log = now + 60.0
            log.warning(
                "connections refused, over %d per client: %s",
                self.limits.per_client,
                ", ".join(f"{c} ({n})" for c, n in self.refused.most_common(5)),
            )
            self.refused.clear()

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]
        mono = time.monotonic()
        channels: dict[int, Any] = self.active_channels  # type: ignore[assignment]
        for channel in list(channels.values()):
            if isinstance(channel, EdgeChannel) and (
                channel.timed_out_at is not None or channel.overdue(mono, self.limits)
            ):
                channel.time_out(mono)


def _raise_file_limit(wanted: int) -> None:
    """Let the process hold `wanted` sockets if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit to %d", target)


def create_edge_server(
    application: Any,
    *,
    limits: EdgeLimits,
    host: str | None = None,
    port: int | None = None,
    sock: socket.socket | None = None,
    threads: int = 8,
    loop_timeout: float = 1.0,
    trusted_proxy: str | None = None,
) -> EdgeServer:
    """An EdgeServer on host:port, or on an already bound listening socket."""
    _raise_file_limit(limits.max_connections + 256)
    kw: dict[str, Any] = {
        "threads": threads,
        "ident": "wgbot",
        "channel_timeout": limits.idle_timeout,
        "connection_limit": limits.max_connections,
        # Deadlines are checked in the server's maintenance pass, once a second.
        "cleanup_interval": 1,
        # select() cannot watch descriptors above 1,024.
        "asyncore_use_poll": True,
        # How long the event loop may sleep: also how long close() takes to be noticed.
        "asyncore_loop_timeout": loop_timeout,
        "clear_untrusted_proxy_headers": True,
    }
    if trusted_proxy:
        kw["trusted_proxy"] = trusted_proxy
        kw["trusted_proxy_headers"] = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}
    if sock is not None:
        kw["sockets"] = [sock]
    else:
        kw["host"], kw["port"] = host, port
    adj = Adjustments(**kw)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    if sock is not None:
        return EdgeServer(
            application,
            limits=limits,
            map={},
            _sock=sock,
            dispatcher=dispatcher,
            adj=adj,
            bind_socket=False,
            sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
        )
    return EdgeServer(
        application, limits=limits, map={}, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0]
    )
