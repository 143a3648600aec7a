"""The HTTP edge under slow clients: trickling headers and bodies, too many connections.

Issue 15: about 1,000 connections from one client, each sending `GET / HTTP/1.1` and
then a header byte every 2 s, made every /healthz and every signed command time out
for as long as they stayed open. The attackers here speak from 127.0.0.2 (still
loopback, another client address); Slack and the load balancer from 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.migrate import upgrade
from bot.slack.web import edge_limits
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.slackclient import SlackSender
from tests.test_serve_process import free_port, wait_http

ATTACKER = "127.0.0.2"
SERVE = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"]


@pytest.fixture(autouse=True)
def _enough_file_descriptors() -> None:
    # 1,000 client sockets plus the server's side of them, in this one process.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


@dataclass
class Trickler:
    """Keeps `count` connections open from one address, sending a header byte per round."""

    url_port: int
    count: int
    every: float = 2.0
    source: str = ATTACKER
    head: bytes = b"GET / HTTP/1.1\r\nHost: wgbot\r\n"
    socks: dict[socket.socket, float] = field(default_factory=dict)
    # How long each connection the server closed had lived, and how many were opened.
    lifetimes: list[float] = field(default_factory=list)
    opened: int = 0
    most_alive: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.source, 0))
        sock.settimeout(1.0)
        try:
            sock.connect(("127.0.0.1", self.url_port))
            sock.sendall(self.head)
        except OSError:
            sock.close()
            return
        sock.setblocking(False)
        self.socks[sock] = time.monotonic()
        self.opened += 1

    def _round(self) -> None:
        now = time.monotonic()
        for sock, since in list(self.socks.items()):
            try:
                sock.recv(4096)
                alive = False  # closed, or answered (408, 503) and closing
            except BlockingIOError:
                alive = True
            except OSError:
                alive = False
            if alive:
                try:
                    sock.send(b"X")
                except BlockingIOError:
                    pass
                except OSError:
                    alive = False
            if not alive:
                self.lifetimes.append(now - since)
                del self.socks[sock]
                sock.close()
        # What the server held of the last round's connections (the rest it refused).
        self.most_alive = max(self.most_alive, len(self.socks))
        while len(self.socks) < self.count and not self._stop.is_set():
            self._open()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._round()
            self._stop.wait(self.every)

    def start(self) -> Trickler:
        self._thread = threading.Thread(target=self._run, name="trickler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for sock in self.socks:
            sock.close()
        self.socks.clear()


@contextlib.contextmanager
def trickling(port: int, count: int, **kw: object) -> Iterator[Trickler]:
    t = Trickler(port, count, **kw)  # type: ignore[arg-type]
    t.start()
    try:
        yield t
    finally:
        t.stop()


def _port(rb: RunningBot) -> int:
    return int(rb.url.rsplit(":", 1)[1])


def _timed(call: object) -> float:
    start = time.monotonic()
    call()  # type: ignore[operator]
    return time.monotonic() - start


def test_a_thousand_trickling_connections_do_not_starve_health_or_commands(
    sqlite_url: str, fake_slack: FakeSlack
) -> None:
    rb = start_bot(sqlite_url, fake_slack, header_timeout=3, max_connections_per_client=50)
    try:
        with trickling(_port(rb), 1000) as attack:
            deadline = time.monotonic() + 8.0
            worst = 0.0
            answered = 0
            while time.monotonic() < deadline:
                health = rb.sender.get("/healthz", timeout=5)
                took = _timed(lambda: rb.sender.get("/healthz", timeout=5))
                worst = max(worst, took)
                resp = rb.command("/wg", "help", user_id="U2")
                took = max(took, _timed(lambda: rb.command("/wg", "version", user_id="U3")))
                worst = max(worst, took)
                assert health.status == 200 and resp.status == 200
                assert "/meeting" in resp.reply_text
                answered += 1
                time.sleep(0.2)
            # The attack was real: the server held as many as one client may have...
            assert 40 <= attack.most_alive <= 50
            assert attack.opened > 1000
        assert answered >= 5
        assert worst < 1.0, f"slowest answer under attack took {worst:.2f}s"
        # The connections the server held were closed (their deadline), not kept for ever.
        assert attack.lifetimes and 2.5 <= max(attack.lifetimes) <= 10
    finally:
        rb.stop()


def _raw(port: int, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    return sock


def _answer_after(
    sock: socket.socket, trickle: bytes, every: float, limit: float
) -> tuple[bytes, float]:
    """Send `trickle` a byte at a time until the server answers; what it said and when."""
    start = time.monotonic()
    sock.settimeout(every)
    for i in range(10_000):
        try:
            data = sock.recv(4096)
            return data, time.monotonic() - start
        except TimeoutError:
            pass
        if time.monotonic() - start > limit:
            break
        with contextlib.suppress(OSError):
            sock.send(trickle[i % len(trickle) : i % len(trickle) + 1])
    return b"", time.monotonic() - start


@pytest.fixture
def strict_edge(sqlite_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    rb = start_bot(
        sqlite_url,
        fake_slack,
        header_timeout=2,
        body_timeout=2,
        max_connections_per_client=5,
        trusted_proxy="127.0.0.4",
    )
    try:
        yield rb
    finally:
        rb.stop()


def test_trickled_headers_get_408_at_the_header_deadline(strict_edge: RunningBot) -> None:
    with _raw(_port(strict_edge)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        answer, after = _answer_after(sock, b"X-Slow: yes", every=0.3, limit=6)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert 2.0 <= after < 3.6


def test_trickled_body_gets_408_at_the_body_deadline(strict_edge: RunningBot) -> None:
    with _raw(_port(strict_edge)) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: wgbot\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
        )
        answer, after = _answer_after(sock, b"text=hello&", every=0.3, limit=6)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert 2.0 <= after < 3.6


def test_a_silent_connection_is_closed_at_the_header_deadline(strict_edge: RunningBot) -> None:
    with _raw(_port(strict_edge)) as sock:
        sock.settimeout(6)
        start = time.monotonic()
        answer = sock.recv(4096)
        after = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 408")
    assert 2.0 <= after < 3.6


def test_a_slow_but_honest_request_is_answered(strict_edge: RunningBot) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: wgbot\r\nConnection: close\r\n\r\n"
    with _raw(_port(strict_edge)) as sock:
        for i in range(0, len(request), 8):
            sock.sendall(request[i : i + 8])
            time.sleep(0.1)  # 0.7 s in all, inside the 2 s deadline
        sock.settimeout(5)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200"), answer


def test_one_client_gets_at_most_its_share_of_connections(strict_edge: RunningBot) -> None:
    port = _port(strict_edge)
    held = [_raw(port, "127.0.0.3") for _ in range(5)]
    try:
        time.sleep(0.3)  # let the server accept them
        with _raw(port, "127.0.0.3") as sixth:
            sixth.settimeout(3)
            assert sixth.recv(4096).startswith(b"HTTP/1.1 503")
        # Everyone else is still served, and so is that client once it lets one go.
        assert strict_edge.sender.get("/healthz").status == 200
        held.pop().close()
        time.sleep(0.3)
        with _raw(port, "127.0.0.3") as again:
            again.sendall(b"GET /healthz HTTP/1.1\r\nHost: wgbot\r\nConnection: close\r\n\r\n")
            again.settimeout(3)
            assert again.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()


def test_the_trusted_proxy_is_not_capped(strict_edge: RunningBot) -> None:
    # Behind a reverse proxy every client arrives from the proxy's address.
    port = _port(strict_edge)
    held = [_raw(port, "127.0.0.4") for _ in range(12)]
    try:
        time.sleep(0.3)
        for sock in held:
            sock.sendall(
                b"GET /healthz HTTP/1.1\r\nHost: wgbot\r\nX-Forwarded-For: 203.0.113.9\r\n"
                b"Connection: close\r\n\r\n"
            )
        for sock in held:
            sock.settimeout(3)
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for sock in held:
            sock.close()


@pytest.mark.slow
def test_trickling_connections_against_two_worker_processes(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMETHEUS"))}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=db,
        WGBOT_HEADER_TIMEOUT="3",
    )
    proc = subprocess.Popen(
        [*SERVE, "--workers", "2", "--no-scheduler", "--no-delivery", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET, team_id="T1", timeout=5)
        worst = 0.0
        with trickling(port, 1000) as attack:
            deadline = time.monotonic() + 8.0
            while time.monotonic() < deadline:
                worst = max(worst, _timed(lambda: sender.get("/healthz", timeout=5)))
                worst = max(worst, _timed(lambda: sender.command("/wg", "help")))
                time.sleep(0.2)
            # Each process caps the client on its own: two processes, two caps.
            assert 40 <= attack.most_alive <= 100
        assert worst < 1.0, f"slowest answer under attack took {worst:.2f}s"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_edge_settings_from_the_environment() -> None:
    settings = load_settings(
        {
            "WGBOT_MAX_CONNECTIONS": "500",
            "WGBOT_MAX_CONNECTIONS_PER_CLIENT": "8",
            "WGBOT_HEADER_TIMEOUT": "5",
            "WGBOT_BODY_TIMEOUT": "20",
            "WGBOT_TRUSTED_PROXY": "10.0.0.7",
        },
        dotenv=None,
    )
    limits = edge_limits(settings)
    assert (limits.max_connections, limits.per_client) == (500, 8)
    assert (limits.header_timeout, limits.body_timeout) == (5.0, 20.0)
    assert limits.exempt == frozenset({"10.0.0.7"})
    # Behind a proxy that may be anywhere, every client shares its address: no cap.
    anywhere = edge_limits(load_settings({"WGBOT_TRUSTED_PROXY": "*"}, dotenv=None))
    assert anywhere.per_client == 0 and anywhere.exempt == frozenset()
    defaults = edge_limits(load_settings({}, dotenv=None))
    assert (defaults.per_client, defaults.header_timeout, defaults.exempt) == (
        50,
        10.0,
        frozenset(),
    )
    for name, bad in [
        ("WGBOT_TRUSTED_PROXY", "proxy.internal"),
        ("WGBOT_HEADER_TIMEOUT", "0"),
        ("WGBOT_MAX_CONNECTIONS_PER_CLIENT", "-1"),
    ]:
        with pytest.raises(ConfigError) as err:
            load_settings({name: bad}, dotenv=None)
        assert err.value.variable == name
