"""Self-tests of the test harness (tests/support): FakeSlack, Block Kit checks, SlackSender.

These do not need the bot; they prove the harness behaves like Slack where it matters.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.harness.blockkit import (
    BlockKitError,
    assert_valid_message,
    assert_valid_view,
    validate_message_blocks,
    validate_view,
)
from tests.harness.fakeslack import UPLOAD_METHOD, FakeSlack
from tests.harness.guards import join_all
from tests.harness.slackclient import Response, SlackSender

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello *world*"}}
MODAL = {
    "type": "modal",
    "callback_id": "cb",
    "title": {"type": "plain_text", "text": "Title"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "b1",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "a1"},
        }
    ],
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        # As in Slack, only the channels and people that exist can be posted to.
        server.add_user("U1")
        server.add_channel("C1", "general", members=["U1"])
        yield server
        assert server.server_errors == []


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url, timeout=5)


# ---------------------------------------------------------------------- FakeSlack basics


def test_url_format_and_auth_test(fake: FakeSlack, client: WebClient) -> None:
    assert fake.url == f"http://127.0.0.1:{fake.port}/api/"
    resp = client.auth_test()
    assert resp["team_id"] == "T1"
    assert resp["user_id"] == "UBOT"
    assert resp["bot_id"] == "BBOT"
    assert resp["url"].startswith("https://")
    call = fake.last_call("auth.test")
    assert call.token == "xoxb-test"
    assert call.header("authorization") == "Bearer xoxb-test"
    assert call.status == 200 and call.ok
    assert call.at > 0


def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(base_url=fake.url).auth_test()
    assert err.value.response["error"] == "not_authed"


def test_post_update_history_with_metadata(fake: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "wg_meeting", "event_payload": {"meeting_id": 7}}
    first = client.chat_postMessage(channel="C1", text="first", blocks=[SECTION], metadata=metadata)
    second = client.chat_postMessage(channel="C1", text="second")
    assert first["channel"] == "C1"
    assert float(second["ts"]) > float(first["ts"])
    assert first["ts"].count(".") == 1 and len(first["ts"].split(".")[1]) == 6

    # JSON strings in the form post are decoded in the recorded call
    posted = fake.calls_to("chat.postMessage")[0]
    assert posted.params["blocks"] == [SECTION]
    assert posted.params["metadata"] == metadata
    assert posted.params["text"] == "first"

    updated = client.chat_update(
        channel="C1",
        ts=first["ts"],
        text="first (edited)",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "edited"}}],
    )
    assert updated["ts"] == first["ts"]
    stored = fake.messages("C1")
    assert [m["text"] for m in stored] == ["first (edited)", "second"]
    assert stored[0]["blocks"][0]["text"]["text"] == "edited"
    assert stored[0]["user"] == "UBOT"
    assert stored[0]["metadata"] == metadata

    history = client.conversations_history(channel="C1", include_all_metadata=True)
    assert [m["text"] for m in history["messages"]] == ["second", "first (edited)"]
    assert history["messages"][1]["metadata"] == metadata
    assert history["response_metadata"]["next_cursor"] == ""
    plain = client.conversations_history(channel="C1")
    assert "metadata" not in plain["messages"][1]

    limited = client.conversations_history(channel="C1", limit=1)
    assert [m["text"] for m in limited["messages"]] == ["second"]
    assert limited["has_more"] is True
    rest = client.conversations_history(
        channel="C1", limit=1, cursor=limited["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["first (edited)"]
    newer = client.conversations_history(channel="C1", oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["second"]

    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C1", ts="1.000001", text="nope")
    assert err.value.response["error"] == "message_not_found"

    client.chat_delete(channel="C1", ts=second["ts"])
    assert [m["text"] for m in fake.messages("C1")] == ["first (edited)"]
    assert fake.violations == []


def test_threads_ephemeral_permalink_reactions(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")
    client.chat_postMessage(channel="C1", text="reply", thread_ts=parent["ts"])
    history = client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["parent"]
    assert history["messages"][0]["reply_count"] == 1
    replies = client.conversations_replies(channel="C1", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent", "reply"]

    eph = client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert eph["message_ts"]
    assert fake.ephemerals[0]["user"] == "U1" and fake.ephemerals[0]["text"] == "psst"

    link = client.chat_getPermalink(channel="C1", message_ts=parent["ts"])
    assert link["permalink"].endswith(parent["ts"].replace(".", ""))

    client.reactions_add(channel="C1", timestamp=parent["ts"], name="white_check_mark")
    with pytest.raises(SlackApiError) as err:
        client.reactions_add(channel="C1", timestamp=parent["ts"], name="white_check_mark")
    assert err.value.response["error"] == "already_reacted"
    assert fake.reactions("C1", parent["ts"]) == ["white_check_mark"]


def test_json_body_and_get_query(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U7", tz="UTC")
    fake.add_channel("C9", "ninth")
    client.api_call("chat.postMessage", json={"channel": "C9", "text": "via json"})
    assert fake.messages("C9")[0]["text"] == "via json"
    assert fake.last_call("chat.postMessage").params == {"channel": "C9", "text": "via json"}

    # slack_sdk always POSTs; plain GETs with a query string work too
    with urllib.request.urlopen(f"{fake.url}users.info?user=U7&token=xoxb-test") as resp:
        answer = json.loads(resp.read())
    assert answer["ok"] and answer["user"]["id"] == "U7"
    call = fake.last_call("users.info")
    assert call.http_method == "GET" and call.params == {"user": "U7", "token": "xoxb-test"}


def test_users_info_time_zones(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", tz="Asia/Kolkata", name="ada", is_admin=True)
    fake.add_user("U2", tz="America/New_York")
    ada = client.users_info(user="U1")["user"]
    assert ada["tz"] == "Asia/Kolkata"
    assert ada["tz_offset"] == 19800
    assert ada["name"] == "ada" and ada["is_admin"] is True and ada["is_owner"] is False
    assert ada["team_id"] == "T1" and ada["real_name"]

    ny = client.users_info(user="U2")["user"]
    expected = datetime.now(ZoneInfo("America/New_York")).utcoffset()
    assert expected is not None
    assert ny["tz_offset"] == int(expected.total_seconds())

    with pytest.raises(SlackApiError) as err:
        client.users_info(user="UNKNOWN")
    assert err.value.response["error"] == "user_not_found"


def test_conversations(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U2")
    fake.add_user("U3")
    fake.add_channel("C5", "wg-docs", members=["U1", "U2", "U3"], is_member=False)
    info = client.conversations_info(channel="C5")["channel"]
    assert info["id"] == "C5" and info["name"] == "wg-docs" and info["is_member"] is False

    page1 = client.conversations_members(channel="C5", limit=2)
    assert page1["members"] == ["U1", "U2"]
    cursor = page1["response_metadata"]["next_cursor"]
    assert cursor
    page2 = client.conversations_members(channel="C5", limit=2, cursor=cursor)
    assert page2["members"] == ["U3"]
    assert page2["response_metadata"]["next_cursor"] == ""

    opened = client.conversations_open(users="U2")
    assert opened["channel"]["id"] == "DU2"
    assert client.conversations_open(users=["U2"])["channel"]["id"] == "DU2"

    # posting to "#name" resolves to the id
    posted = client.chat_postMessage(channel="#wg-docs", text="hi")
    assert posted["channel"] == "C5"


def test_strict_channels(client: WebClient) -> None:
    with FakeSlack(strict_channels=True) as strict:
        strict_client = WebClient(token="xoxb-test", base_url=strict.url)
        with pytest.raises(SlackApiError) as err:
            strict_client.chat_postMessage(channel="C404", text="x")
        assert err.value.response["error"] == "channel_not_found"
        with pytest.raises(SlackApiError):
            strict_client.conversations_info(channel="C404")


def test_views(fake: FakeSlack, client: WebClient) -> None:
    fake.issue_trigger("123.456")  # as a payload would have
    fake.issue_trigger("123.789")
    opened = client.views_open(trigger_id="123.456", view=MODAL)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "cb"
    assert fake.last_call("views.open").params["view"] == MODAL

    updated = client.views_update(view_id=opened["id"], view=MODAL, hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"]
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=opened["id"], view=MODAL, hash="stale")
    assert err.value.response["error"] == "hash_conflict"

    pushed = client.views_push(trigger_id="123.789", view=MODAL)["view"]
    assert pushed["id"] != opened["id"]

    home = {"type": "home", "blocks": [SECTION]}
    published = client.views_publish(user_id="U1", view=home)["view"]
    assert published["id"] and fake.home_tabs["U1"]["blocks"] == [SECTION]
    assert fake.violations == []


def test_unknown_method_recorded(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("bogus.method", params={"a": "b"})
    assert err.value.response["error"] == "unknown_method"
    call = fake.last_call("bogus.method")
    assert call.params == {"a": "b"} and call.status == 200


def test_reset_keeps_users_and_channels(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1")
    fake.add_channel("C1", "general")
    client.chat_postMessage(channel="C1", text="x")
    fake.fail("auth.test", error="invalid_auth")
    fake.reset()
    assert fake.calls == [] and fake.messages("C1") == []
    assert client.auth_test()["ok"]  # failure rule cleared
    assert client.users_info(user="U1")["ok"]
    assert client.conversations_info(channel="C1")["channel"]["name"] == "general"


def test_wait_for_call(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.2, lambda: client.chat_postMessage(channel="C1", text="later"))
    timer.start()
    try:
        calls = fake.wait_for_call("chat.postMessage", timeout=5)
    finally:
        join_all([timer], 10)
    assert calls[0].params["text"] == "later"
    with pytest.raises(AssertionError):
        fake.wait_for_call("views.open", timeout=0.1)


# ---------------------------------------------------------------------- failure injection


def test_rate_limit_then_success(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=7, times=1)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"

    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    calls = fake.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].injected and not calls[1].injected
    assert len(fake.messages("C1")) == 1  # the rate-limited call stored nothing


def test_rate_limit_honoured_by_retry_handler(fake: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=fake.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail("auth.test", status=429, retry_after=0, times=1)
    assert client.auth_test()["ok"]
    assert [c.status for c in fake.calls_to("auth.test")] == [429, 200]


def test_server_error_any_method(fake: FakeSlack, client: WebClient) -> None:
    fake.fail(status=500, times=2)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response.status_code == 500
    with pytest.raises(SlackApiError):
        client.users_info(user="U1")
    assert client.auth_test()["ok"]


def test_error_injection_and_time_window(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", error="channel_not_found")
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C1", text="x")
        assert err.value.response.status_code == 200
        assert err.value.response["error"] == "channel_not_found"
    fake.clear_failures()
    assert client.chat_postMessage(channel="C1", text="x")["ok"]

    fake.fail("auth.test", status=503, seconds=0.3)
    with pytest.raises(SlackApiError):
        client.auth_test()
    time.sleep(0.35)
    assert client.auth_test()["ok"]


def test_hang_times_out_client_without_blocking_others(fake: FakeSlack) -> None:
    fake.hang("chat.postMessage", seconds=5)
    slow = WebClient(token="xoxb-test", base_url=fake.url, timeout=1, retry_handlers=[])
    quick = WebClient(token="xoxb-test", base_url=fake.url, timeout=5)
    errors: list[BaseException] = []

    def post() -> None:
        try:
            slow.chat_postMessage(channel="C1", text="x")
        except BaseException as exc:
            errors.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=post)
    worker.start()
    fake.wait_for_call("chat.postMessage", answered=False, timeout=5)
    assert quick.auth_test()["ok"]  # served while the other request hangs
    assert time.monotonic() - started < 1.0
    join_all([worker], 5)
    assert len(errors) == 1
    assert isinstance(errors[0], TimeoutError | URLError | OSError)
    call = fake.calls_to("chat.postMessage")[0]
    assert call.hung_for == 5
    # stop() wakes the hung handler; nothing is left behind (checked below and by teardown)


def test_stop_is_clean(fake: FakeSlack) -> None:
    fake.hang(seconds=30)
    port = fake.port
    client = WebClient(token="x", base_url=fake.url, timeout=1, retry_handlers=[])
    with pytest.raises((TimeoutError, URLError, OSError)):
        client.auth_test()
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 3
    assert not fake.running
    assert not [t for t in threading.enumerate() if t.name == f"FakeSlack:{port}"]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    fake.stop()  # idempotent


# ---------------------------------------------------------------------- Block Kit validation


def test_invalid_blocks_rejected_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="t", blocks=[too_long])
    assert err.value.response["error"] == "invalid_blocks"
    assert fake.messages("C1") == []
    assert any("3001" in v for v in fake.violations), fake.violations
    assert fake.violations[0].startswith("chat.postMessage: ")

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="t", blocks=[{"type": "divider"}] * 51)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x" * 40001)
    assert err.value.response["error"] == "msg_too_long"

    bad_modal = {**MODAL, "title": {"type": "plain_text", "text": "T" * 25}}
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id="1.2", view=bad_modal)
    assert any(v.startswith("views.open: view.title") for v in fake.violations)


def test_blockkit_functions() -> None:
    assert validate_message_blocks([SECTION]) == []
    assert validate_message_blocks(json.dumps([SECTION])) == []
    assert validate_message_blocks(None) == []
    assert validate_message_blocks(
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    )
    assert validate_message_blocks(
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}]
    )
    assert validate_message_blocks(
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}]
    )
    assert validate_message_blocks([{"type": "no_such_block"}])
    assert validate_message_blocks([{**SECTION, "block_id": "x"}, {**SECTION, "block_id": "x"}])
    assert validate_view(MODAL) == []
    assert validate_view({**MODAL, "blocks": [SECTION] * 101})
    assert validate_view({k: v for k, v in MODAL.items() if k != "submit"})  # inputs need submit

    assert_valid_message([SECTION])
    assert_valid_view(MODAL)
    with pytest.raises(BlockKitError) as err:
        assert_valid_message([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}])
    assert err.value.problems


# ---------------------------------------------------------------------- files


def test_files_upload_v2_recorded(fake: FakeSlack, client: WebClient) -> None:
    resp = client.files_upload_v2(
        channel="C1", content="x", filename="a.txt", title="t", initial_comment="minutes"
    )
    assert resp["file"]["title"] == "t"
    [uploaded] = fake.uploaded_files
    assert uploaded.filename == "a.txt"
    assert uploaded.title == "t"
    assert uploaded.content == b"x"
    assert uploaded.channel_id == "C1"
    assert uploaded.initial_comment == "minutes"
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal",
        UPLOAD_METHOD,
        "files.completeUploadExternal",
    ]


# ---------------------------------------------------------------------- SlackSender signatures

SECRET = "test-signing-secret"


class _VerifyingHandler(BaseHTTPRequestHandler):
    verifier = SignatureVerifier(SECRET)
    received: list[dict[str, Any]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._reply(200, b"ok", "text/plain")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        timestamp = self.headers.get("X-Slack-Request-Timestamp")
        signature = self.headers.get("X-Slack-Signature")
        valid = bool(timestamp and signature) and self.verifier.is_valid(
            body=body, timestamp=str(timestamp), signature=str(signature)
        )
        self.received.append({"body": body, "headers": dict(self.headers.items())})
        if not valid:
            self._reply(401, b"invalid signature", "text/plain")
            return
        answer = {
            "text": "hello",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "world"}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "small"}]},
            ],
        }
        self._reply(200, json.dumps(answer).encode(), "application/json")

    def _reply(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def verifying_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Handler", (_VerifyingHandler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        join_all([thread], 5)


def test_signed_requests_verify(verifying_server: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = verifying_server
    sender = SlackSender(url, SECRET)

    resp = sender.command("/wg", "help me", user_id="U9")
    assert resp.status == 200, resp.text
    assert resp.reply_text == "hello\nworld\nsmall"
    form = {k: v[0] for k, v in parse_qs(received[-1]["body"].decode()).items()}
    assert form["command"] == "/wg" and form["text"] == "help me" and form["user_id"] == "U9"
    assert form["team_id"] == "T1" and form["api_app_id"] == "A1"
    assert form["is_enterprise_install"] == "false"
    assert form["trigger_id"] and form["response_url"].startswith("https://")
    first_trigger = form["trigger_id"]
    sender.command("/wg")
    form2 = {k: v[0] for k, v in parse_qs(received[-1]["body"].decode()).items()}
    assert form2["trigger_id"] != first_trigger

    responses: list[Response] = [
        sender.block_action("approve", "42", message={"ts": "1.000001", "text": "m"}),
        sender.block_action("pick", view={"id": "V1", "callback_id": "cb"}),
        sender.view_submission("cb", {"b1": {"a1": {"type": "plain_text_input", "value": "v"}}}),
        sender.message_shortcut("make_item", {"ts": "1.000002", "text": "todo"}),
        sender.global_shortcut("new_meeting"),
        sender.message("hi there", channel_id="D1"),
        sender.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, retry_num=1),
        sender.url_verification("challenge-token"),
    ]
    assert [r.status for r in responses] == [200] * len(responses)

    action = json.loads(parse_qs(received[-8]["body"].decode())["payload"][0])
    assert action["type"] == "block_actions"
    assert action["actions"][0]["action_id"] == "approve"
    assert action["actions"][0]["value"] == "42"
    assert action["container"]["channel_id"] == "C1"
    submission = json.loads(parse_qs(received[-6]["body"].decode())["payload"][0])
    assert submission["view"]["state"]["values"]["b1"]["a1"]["value"] == "v"
    message_event = json.loads(received[-3]["body"])
    assert message_event["type"] == "event_callback"
    assert message_event["event_id"].startswith("Ev")
    assert message_event["event"]["channel_type"] == "im"
    assert message_event["authorizations"][0]["user_id"] == "UBOT"
    retried = received[-2]["headers"]
    assert retried["X-Slack-Retry-Num"] == "1"
    assert retried["X-Slack-Retry-Reason"] == "http_timeout"
    assert json.loads(received[-1]["body"])["challenge"] == "challenge-token"

    health = sender.get("/healthz")
    assert health.status == 200 and health.reply_text == "ok" and health.json() is None


def test_bad_signatures_rejected(verifying_server: tuple[str, list[dict[str, Any]]]) -> None:
    url, _ = verifying_server
    sender = SlackSender(url, SECRET)
    body = b"token=x&command=%2Fwg&text=hi"

    assert sender.post_raw(body).status == 200  # control: correctly signed
    assert sender.post_raw(body, sign=False).status == 401
    assert sender.post_raw(body, secret="wrong-secret").status == 401
    assert sender.post_raw(body, timestamp=int(time.time()) - 600).status == 401
    assert sender.post_raw(body, tamper=lambda b: b.replace(b"hi", b"rm -rf")).status == 401
    assert sender.post_raw(body, signature="v0=" + "0" * 64).status == 401
