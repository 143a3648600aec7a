"""The fake Slack's channel membership, as Slack's: what the bot may read, post and hear.

Slack sends the bot the messages of channels it is in only, and answers calls about
other channels with not_in_channel (a public one) or channel_not_found (a private one
it cannot see). These self-tests pin that model down, so that the bot's tests meet it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.harness.fakeslack import FakeSlack, manifest_scopes
from tests.harness.slackclient import SlackSender

OPS, DOCS, SECRET, OLD = "C0123ABCD", "C0456EFGH", "G01ABCDEF", "C0789IJKL"
MARIA, ASHA = "U024BE7LH", "W012A3CDE"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T0001") as server:
        server.add_user(MARIA, name="maria")
        server.add_user(ASHA, name="asha")
        server.add_channel("C1", "general", members=[MARIA, ASHA])  # invited (the default)
        server.add_channel(OPS, "ops", members=[MARIA, ASHA], is_member=False)
        server.add_channel(SECRET, "secret", members=[MARIA], is_private=True, is_member=False)
        server.add_channel(OLD, "old", members=[MARIA], is_member=False, is_archived=True)
        yield server
        assert server.server_errors == [] and server.violations == []


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url, timeout=5)


def error_of(call: Callable[[], object]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_scopes_default_to_the_manifest_and_can_be_revoked() -> None:
    scopes = manifest_scopes()
    assert {"channels:join", "chat:write", "chat:write.public", "channels:history"} <= scopes
    with FakeSlack() as fake:
        assert fake.scopes == set(scopes)
        fake.revoke_scope("chat:write.public")
        assert "chat:write.public" not in fake.scopes
    assert FakeSlack(scopes=["chat:write"]).scopes == {"chat:write"}


def test_a_public_channel_the_bot_is_not_in(fake: FakeSlack, client: WebClient) -> None:
    info = client.conversations_info(channel=OPS)["channel"]
    assert info["is_member"] is False and info["is_private"] is False
    assert client.conversations_members(channel=OPS)["members"] == [MARIA, ASHA]
    ts = fake.add_message(OPS, "#topic hello", user=MARIA)
    assert error_of(lambda: client.conversations_history(channel=OPS)) == "not_in_channel"
    assert error_of(lambda: client.conversations_replies(channel=OPS, ts=ts)) == "not_in_channel"
    assert (
        error_of(lambda: client.reactions_add(channel=OPS, timestamp=ts, name="eyes"))
        == "not_in_channel"
    )
    # chat:write.public lets the app post without being in the channel …
    assert client.chat_postMessage(channel=OPS, text="reminder")["ok"]
    # … and without it Slack refuses.
    fake.revoke_scope("chat:write.public")
    assert error_of(lambda: client.chat_postMessage(channel=OPS, text="x")) == "not_in_channel"
    assert not fake.hears(OPS) and not fake.bot_in(OPS)


def test_joining_a_public_channel(fake: FakeSlack, client: WebClient) -> None:
    joined = client.conversations_join(channel=OPS)
    assert joined["channel"]["is_member"] is True and "warning" not in joined
    assert fake.hears(OPS) and fake.bot_in(OPS)
    assert client.conversations_info(channel=OPS)["channel"]["is_member"] is True
    assert client.conversations_history(channel=OPS)["ok"]
    again = client.conversations_join(channel=OPS)
    assert again["warning"] == "already_in_channel"
    fake.remove_bot(OPS)
    assert not fake.hears(OPS)
    assert error_of(lambda: client.conversations_history(channel=OPS)) == "not_in_channel"
    assert [c.params["channel"] for c in fake.calls_to("conversations.join")] == [OPS, OPS]


def test_a_private_channel_the_bot_is_not_in_does_not_exist_for_it(
    fake: FakeSlack, client: WebClient
) -> None:
    calls = {
        "conversations.info": lambda: client.conversations_info(channel=SECRET),
        "conversations.members": lambda: client.conversations_members(channel=SECRET),
        "conversations.history": lambda: client.conversations_history(channel=SECRET),
        "chat.postMessage": lambda: client.chat_postMessage(channel=SECRET, text="x"),
        "chat.postEphemeral": lambda: client.chat_postEphemeral(
            channel=SECRET, user=MARIA, text="x"
        ),
        "reactions.add": lambda: client.reactions_add(channel=SECRET, timestamp="1.2", name="x"),
        "by name": lambda: client.chat_postMessage(channel="#secret", text="x"),
    }
    for what, call in calls.items():
        assert error_of(call) == "channel_not_found", what
    assert (
        error_of(lambda: client.conversations_join(channel=SECRET))
        == "method_not_supported_for_channel_type"
    )
    assert not fake.hears(SECRET)
    # Invited with /invite @wgbot: now it is a channel like any other.
    fake.invite_bot(SECRET)
    info = client.conversations_info(channel=SECRET)["channel"]
    assert info["is_member"] is True and info["is_private"] is True
    assert client.chat_postMessage(channel=SECRET, text="hello")["ok"]
    assert fake.hears(SECRET)
    # Still only an invitation brings it in: join stays refused.
    assert (
        error_of(lambda: client.conversations_join(channel=SECRET))
        == "method_not_supported_for_channel_type"
    )
    fake.remove_bot(SECRET)
    assert error_of(lambda: client.conversations_info(channel=SECRET)) == "channel_not_found"


def test_an_archived_channel_cannot_be_joined(fake: FakeSlack, client: WebClient) -> None:
    assert client.conversations_info(channel=OLD)["channel"]["is_archived"] is True
    assert error_of(lambda: client.conversations_join(channel=OLD)) == "is_archived"
    assert not fake.bot_in(OLD)


def test_dms_behave_as_channels_the_bot_is_in_and_unknown_ids_only_when_lenient(
    fake: FakeSlack, client: WebClient
) -> None:
    # As in Slack (strict_channels, the default): an unknown id is no channel at all.
    assert fake.hears(f"D{MARIA}") and not fake.hears("C0999ZZZZ")
    assert error_of(lambda: client.conversations_info(channel="C0999ZZZZ")) == ("channel_not_found")
    # A fake told to be lenient synthesises the channels it does not know.
    with FakeSlack(strict_channels=False) as lenient:
        lenient.add_user(MARIA)
        loose = WebClient(token="xoxb-test", base_url=lenient.url, timeout=5)
        assert lenient.hears(f"D{MARIA}") and lenient.hears("C0999ZZZZ")
        assert loose.conversations_info(channel="C0999ZZZZ")["channel"]["is_member"] is True
        assert loose.conversations_history(channel="C0999ZZZZ")["ok"]
    with pytest.raises(KeyError):
        fake.invite_bot("C0999ZZZZ")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_sender_delivers_message_events_only_where_slack_would(fake: FakeSlack) -> None:
    # Nothing listens on this port: a message the sender tried to deliver would fail.
    sender = SlackSender(f"http://127.0.0.1:{_closed_port()}", "secret", fake=fake)
    for channel in (OPS, SECRET, "C0999ZZZZ"):
        resp = sender.message("#topic lost", user_id=MARIA, channel_id=channel)
        assert (resp.status, resp.delivered, resp.body) == (0, False, b"")
        edited = sender.event(
            {"type": "message", "subtype": "message_changed", "channel": channel, "ts": "1.2"}
        )
        assert not edited.delivered
    for channel in ("C1", f"D{MARIA}"):
        with pytest.raises(OSError):  # delivered, so it reached for the closed port
            sender.message("hello", user_id=ASHA, channel_id=channel)
    # Other events are not about channel membership; without the fake, all are sent.
    assert sender.slack_would_send({"type": "app_home_opened", "user": MARIA})
    assert SlackSender("http://x", "s").slack_would_send({"type": "message", "channel": OPS})
