"""`wgbot serve` as its own process: the Done-when of the foundation, end to end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.migrate import upgrade
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.harness.fakeslack import FakeSlack
from tests.harness.slackclient import SlackSender


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def served(
    tmp_path: Path, fake_slack: FakeSlack
) -> Iterator[tuple[SlackSender, subprocess.Popen[str]]]:
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=db,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--host", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET), proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_serve_answers_signed_help_refuses_unsigned_and_is_healthy(
    served: tuple[SlackSender, subprocess.Popen[str]],
) -> None:
    sender, _proc = served
    resp = sender.command("/wg", "help")
    assert resp.status == 200
    assert "/wg help" in resp.reply_text
    body = b"command=%2Fwg&text=help"
    assert sender.post_raw(body, "application/x-www-form-urlencoded", sign=False).status == 401
    assert sender.post_raw(body, "application/x-www-form-urlencoded", secret="nope").status == 401
    assert sender.get("/healthz").status == 200


def test_serve_refuses_an_unmigrated_database(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "wgbot migrate" in proc.stderr


@pytest.mark.postgres
def test_serve_with_worker_processes_on_postgres(
    pg_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=pg_url,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--workers",
            "2",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        sender = SlackSender(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        for n in range(20):
            resp = sender.command("/wg", f"admins add <@UW{n:03d}>", user_id="UADMIN")
            assert resp.status == 200 and "now a bot admin" in resp.reply_text
        listed = sender.command("/wg", "admins list").reply_text
        assert all(f"<@UW{n:03d}>" in listed for n in range(20))
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
