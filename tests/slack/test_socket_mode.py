"""`wgbot serve --socket-mode` end to end: a real process, Slack's envelopes over a WebSocket.

A slash command, a modal submission, channel messages and a button all arrive as
Socket Mode envelopes and are acknowledged through the same socket; the bot's own
pages and /healthz are still served on PORT, so the links it posts work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import create_engine, text

from bot.migrate import upgrade
from tests.conftest import BOT_TOKEN
from tests.harness.fakeslack import FakeSlack
from tests.harness.socketmode import FakeSocketMode, SocketModeSender
from tests.test_serve_process import free_port, wait_http

TEAM, CHAIR, MEMBER, CHANNEL = "T0001", "U024BE7LH", "W012A3CDE", "C0123ABCD"
APP_TOKEN = "xapp-1-A0001-1234-abcdef"


class SocketBot:
    def __init__(self, sender: SocketModeSender, fake: FakeSlack, port: int, db_url: str) -> None:
        self.sender, self.fake, self.port, self.db_url = sender, fake, port, db_url

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql))]
        finally:
            engine.dispose()


@pytest.fixture
def socket_bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[SocketBot]:
    fake_slack.add_user(CHAIR, name="maria", tz="Europe/Paris")
    fake_slack.add_user(MEMBER, name="kenji", tz="Asia/Tokyo")
    fake_slack.add_channel(CHANNEL, "socket-wg", members=[CHAIR, MEMBER])
    socket = FakeSocketMode(fake_slack)
    db = f"sqlite:///{tmp_path / 'socket.db'}"
    upgrade(db)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.url,
        DATABASE_URL=db,
        PORT=str(port),
        HOST="127.0.0.1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--socket-mode"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        socket.wait_connected(timeout=60)
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield SocketBot(SocketModeSender(socket, team_id=TEAM), fake_slack, port, db)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        socket.stop()
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err


def test_apps_connections_open_needs_the_app_level_token(fake_slack: FakeSlack) -> None:
    socket = FakeSocketMode(fake_slack)
    try:
        with pytest.raises(SlackApiError) as refused:
            WebClient(token=BOT_TOKEN, base_url=fake_slack.url).apps_connections_open(
                app_token=BOT_TOKEN
            )
        assert refused.value.response["error"] == "not_allowed_token_type"
        opened = WebClient(base_url=fake_slack.url).apps_connections_open(app_token=APP_TOKEN)
        assert str(opened["url"]).startswith(socket.url)
    finally:
        socket.stop()


def test_a_whole_meeting_over_socket_mode(socket_bot: SocketBot) -> None:
    s = socket_bot.sender
    # A slash command: the ack's payload is the answer.
    help_answer = s.command("/wg", "help", user_id=MEMBER, channel_id=CHANNEL)
    assert "/meeting" in help_answer.reply_text and "/minutes" in help_answer.reply_text

    # A modal submission schedules a series (fields flattened by the edge).
    def field(value: str) -> dict[str, object]:
        return {"v": {"type": "plain_text_input", "value": value}}

    submitted = s.view_submission(
        "meeting_schedule",
        {
            "name": field("Socket WG"),
            "when": field("every thursday"),
            "time": field("16:00"),
            "zone": field("Europe/Paris"),
            "duration": field("1h"),
            "starting": {"v": {"type": "datepicker", "selected_date": "2027-01-07"}},
            "channel": {"v": {"type": "conversations_select", "selected_conversation": CHANNEL}},
            "remind": field("15m"),
            "agenda": field(""),
            "join": field(""),
        },
        private_metadata=CHANNEL,
        user_id=CHAIR,
    )
    assert submitted.json() in (None, {}), submitted.text  # closed: no field errors
    assert socket_bot.rows("select name, home_tz from meeting_series") == [
        ("Socket WG", "Europe/Paris")
    ]

    # Messages in the channel during a live meeting are captured.
    started = s.command("/minutes", "start Socket sync", user_id=CHAIR, channel_id=CHANNEL)
    assert "Socket sync" in started.reply_text
    s.message("#topic Budget for 2027", user_id=CHAIR, channel_id=CHANNEL)
    s.message("#idea meet in person in March", user_id=MEMBER, channel_id=CHANNEL)
    s.message("#agreed we meet in person in March", user_id=CHAIR, channel_id=CHANNEL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(socket_bot.rows("select id from minutes_items")) < 3:
        time.sleep(0.05)
    kinds = [r[0] for r in socket_bot.rows("select kind from minutes_items order by id")]
    assert kinds == ["topic", "idea", "agreed"]

    ended = s.command("/minutes", "end", user_id=CHAIR, channel_id=CHANNEL)
    assert ended.reply_text
    (meeting_id,) = socket_bot.rows("select id from minutes_meetings")[0]

    # A button: the chair publishes the draft from its DM.
    s.block_action("minutes_publish", str(meeting_id), user_id=CHAIR, channel_id=f"D{CHAIR}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status, public_id = socket_bot.rows("select status, public_id from minutes_meetings")[0]
        if status == "published":
            break
        time.sleep(0.05)
    assert status == "published"

    # The minutes page and /healthz are served on PORT although Slack uses the socket.
    base = f"http://127.0.0.1:{socket_bot.port}"
    with urllib.request.urlopen(f"{base}/minutes/{public_id}.html", timeout=5) as page:
        html = page.read().decode()
    assert "Budget for 2027" in html and "in person in March" in html
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as health:
        assert json.loads(health.read())["status"] == "ok"
    # Slack's own endpoints are not served over HTTP in Socket Mode.
    req = urllib.request.Request(f"{base}/slack/events", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=5)
    assert refused.value.code in (404, 405)
