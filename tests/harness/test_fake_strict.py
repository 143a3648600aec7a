"""The fake Slack refuses what Slack refuses: self-tests of each rule (all on by default).

Channel names only where Slack takes them (posting), unknown channels and users, DMs
that belong to their members, messages that must exist, single-use triggers that live
3 s, latency, Slack's rate-limit tiers, GET methods, and the directory's user flags.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.harness.fakeslack import METHOD_TIERS, POST_BURST, TIER_PER_MINUTE, FakeSlack
from tests.harness.slackclient import SlackSender

MODAL = {
    "type": "modal",
    "callback_id": "cb",
    "title": {"type": "plain_text", "text": "Title"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}
OPS, SECRET = "C0123OPS", "G0456SECRET"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        server.add_user("U1", name="alice", tz="Europe/Paris")
        server.add_user("U2", name="bob")
        server.add_channel("C1", "general", members=["U1", "U2"])
        server.add_channel(OPS, "ops", members=["U1"], is_member=False)
        server.add_channel(SECRET, "secret", members=["U1"], is_private=True)
        yield server
        assert server.server_errors == []


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url, timeout=10, retry_handlers=[])


def error_of(call: Callable[[], object]) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


# -- channel names: only the posting methods take one --------------------------------


@pytest.mark.parametrize("name", ["#general", "general"])
def test_the_posting_methods_take_a_channel_name(
    fake: FakeSlack, client: WebClient, name: str
) -> None:
    assert client.chat_postMessage(channel=name, text="hi")["channel"] == "C1"
    assert client.chat_postEphemeral(channel=name, user="U1", text="psst")["ok"]
    scheduled = client.chat_scheduleMessage(
        channel=name, text="later", post_at=int(time.time()) + 60
    )
    assert scheduled["channel"] == "C1" and fake.scheduled_messages[0]["channel"] == "C1"
    assert fake.messages("C1")[0]["text"] == "hi"


def _by_name(client: WebClient, ts: str) -> dict[str, Callable[[], object]]:
    """Every other method the bot uses, given the name "#general" instead of the id."""
    return {
        "conversations.history": lambda: client.conversations_history(channel="#general"),
        "conversations.replies": lambda: client.conversations_replies(channel="#general", ts=ts),
        "conversations.info": lambda: client.conversations_info(channel="#general"),
        "conversations.members": lambda: client.conversations_members(channel="general"),
        "conversations.join": lambda: client.conversations_join(channel="#general"),
        "chat.update": lambda: client.chat_update(channel="#general", ts=ts, text="x"),
        "chat.delete": lambda: client.chat_delete(channel="#general", ts=ts),
        "chat.getPermalink": lambda: client.chat_getPermalink(channel="#general", message_ts=ts),
        "reactions.add": lambda: client.reactions_add(
            channel="#general", timestamp=ts, name="eyes"
        ),
        "reactions.remove": lambda: client.reactions_remove(
            channel="#general", timestamp=ts, name="eyes"
        ),
    }


def test_every_other_method_needs_the_channel_id(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="hello")["ts"]
    calls = _by_name(client, ts)
    assert {method: error_of(call) for method, call in calls.items()} == dict.fromkeys(
        calls, "channel_not_found"
    )
    # The same calls with the id work (the reaction first, so that it can be removed).
    assert client.reactions_add(channel="C1", timestamp=ts, name="eyes")["ok"]
    assert client.reactions_remove(channel="C1", timestamp=ts, name="eyes")["ok"]
    assert client.chat_update(channel="C1", ts=ts, text="edited")["ok"]
    assert client.conversations_history(channel="C1")["messages"][0]["text"] == "edited"


def test_a_lenient_fake_takes_names_everywhere() -> None:
    with FakeSlack(strict_channels=False) as lenient:
        lenient.add_channel("C1", "general")
        loose = WebClient(token="xoxb-test", base_url=lenient.url)
        ts = loose.chat_postMessage(channel="C1", text="hello")["ts"]
        assert loose.conversations_history(channel="#general")["messages"][0]["ts"] == ts
        assert loose.conversations_info(channel="C0999NEW")["ok"]  # synthesised


# -- unknown channels and users ---------------------------------------------------------


def test_unknown_channel_ids_are_not_found(client: WebClient) -> None:
    for call in (
        lambda: client.chat_postMessage(channel="C0404", text="x"),
        lambda: client.chat_postMessage(channel="#no-such-channel", text="x"),
        lambda: client.conversations_info(channel="C0404"),
        lambda: client.conversations_history(channel="G0404"),
        lambda: client.conversations_join(channel="C0404"),
    ):
        assert error_of(call) == "channel_not_found"


def test_unknown_user_ids_are_not_found(fake: FakeSlack, client: WebClient) -> None:
    assert error_of(lambda: client.users_info(user="U0404")) == "user_not_found"
    assert error_of(lambda: client.conversations_open(users="U0404")) == "user_not_found"
    assert error_of(lambda: client.conversations_open(users="U1,W0404")) == "user_not_found"
    assert error_of(lambda: client.chat_postMessage(channel="U0404", text="x")) == (
        "user_not_found"
    )
    assert error_of(lambda: client.chat_postEphemeral(channel="C1", user="U0404", text="x")) == (
        "user_not_found"
    )
    assert fake.messages() == []


def test_private_and_archived_channels(fake: FakeSlack, client: WebClient) -> None:
    fake.remove_bot(SECRET)
    assert error_of(lambda: client.chat_postMessage(channel=SECRET, text="x")) == (
        "channel_not_found"
    )
    fake.add_channel("C0OLD", "old", is_archived=True)
    assert error_of(lambda: client.chat_postMessage(channel="C0OLD", text="x")) == "is_archived"


def test_conversations_list_shows_what_the_bot_can_see(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C0OLD", "old", is_archived=True)
    fake.add_channel("G0HIDDEN", "hidden", is_private=True, is_member=False)
    listed = client.conversations_list(types="public_channel,private_channel")
    assert {c["name"] for c in listed["channels"]} == {"general", "ops", "secret", "old"}
    public = client.conversations_list(exclude_archived=True)
    assert {c["id"] for c in public["channels"]} == {"C1", OPS}
    first = client.conversations_list(types="public_channel", limit=1)
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_list(types="public_channel", limit=5, cursor=cursor)
    assert len(first["channels"]) + len(rest["channels"]) == 3


# -- DMs belong to their members ------------------------------------------------------


def test_the_bots_dms_and_other_peoples(fake: FakeSlack, client: WebClient) -> None:
    opened = client.conversations_open(users="U1")["channel"]["id"]
    assert opened == "DU1"
    assert client.chat_postMessage(channel=opened, text="to alice")["channel"] == "DU1"
    # Posting to a user id opens the bot's DM with them.
    assert client.chat_postMessage(channel="U2", text="to bob")["channel"] == "DU2"
    assert [m["text"] for m in fake.messages("DU2")] == ["to bob"]
    assert client.conversations_members(channel="DU2")["members"] == ["U2", "UBOT"]
    # A DM among people (not the bot's): Slack has no such conversation for the bot.
    for call in (
        lambda: client.chat_postMessage(channel="D0PEOPLE1", text="x"),
        lambda: client.chat_postEphemeral(channel="D0PEOPLE1", user="U1", text="x"),
        lambda: client.conversations_info(channel="D0PEOPLE1"),
        lambda: client.conversations_history(channel="D0PEOPLE1"),
    ):
        assert error_of(call) == "channel_not_found"
    assert fake.hears("DU1") and not fake.hears("D0PEOPLE1")
    # A group DM the bot opened exists too.
    group = client.conversations_open(users="U1,U2")["channel"]["id"]
    assert client.chat_postMessage(channel=group, text="to both")["ok"]
    assert set(client.conversations_members(channel=group)["members"]) == {"U1", "U2", "UBOT"}
    assert fake.hears(group)


# -- messages that must exist ---------------------------------------------------------


def test_reactions_and_permalinks_need_the_message(fake: FakeSlack, client: WebClient) -> None:
    assert error_of(
        lambda: client.reactions_add(channel="C1", timestamp="1700000000.000001", name="eyes")
    ) == ("message_not_found")
    assert error_of(
        lambda: client.chat_getPermalink(channel="C1", message_ts="1700000000.000001")
    ) == ("message_not_found")
    ts = fake.add_message("C1", "said by alice", user="U1")
    assert client.reactions_add(channel="C1", timestamp=ts, name="eyes")["ok"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://fake-team.slack.com/archives/C1/p{ts.replace('.', '')}"
    reply = fake.add_message("C1", "in the thread", user="U2", thread_ts=ts)
    threaded = client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert threaded.endswith(f"?thread_ts={ts}&cid=C1")
    # Only in its own channel.
    assert error_of(lambda: client.reactions_add(channel=OPS, timestamp=ts, name="x")) in (
        "message_not_found",
        "not_in_channel",
    )


def test_a_reply_to_no_message_lands_at_the_top_level(fake: FakeSlack, client: WebClient) -> None:
    # Slack does not refuse it: the "reply" becomes a new message in the channel.
    posted = client.chat_postMessage(channel="C1", text="orphan", thread_ts="1700000000.000001")
    assert posted["ok"] and "thread_ts" not in posted["message"]
    assert "thread_ts" not in fake.messages("C1")[0]
    assert fake.violations and "top-level" in fake.violations[0]
    # A reply to a message that exists is threaded.
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)
    assert reply["message"]["thread_ts"] == parent
    assert len(fake.violations) == 1


def test_the_senders_messages_exist_in_slack(fake: FakeSlack, client: WebClient) -> None:
    # Nothing listens there: the sender's posts fail, but Slack has the message.
    sender = SlackSender(f"{fake.root_url}/nowhere", "secret", fake=fake)
    sender.message("#idea one", user_id="U1", channel_id="C1", ts="1700000000.000100")
    assert client.reactions_add(channel="C1", timestamp="1700000000.000100", name="eyes")["ok"]
    sender.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": "C1",
            "message": {"ts": "1700000000.000100", "user": "U1", "text": "#idea edited"},
        }
    )
    assert fake.message("C1", "1700000000.000100")["text"] == "#idea edited"  # type: ignore[index]
    sender.event(
        {
            "type": "message",
            "subtype": "message_deleted",
            "channel": "C1",
            "deleted_ts": "1700000000.000100",
        }
    )
    assert fake.message("C1", "1700000000.000100") is None
    sender.message_shortcut("file_issue", {"ts": "1700000000.000200", "text": "x", "user": "U2"})
    assert client.chat_getPermalink(channel="C1", message_ts="1700000000.000200")["ok"]


# -- triggers: handed out in a payload, used once, within 3 s -------------------------


def test_a_trigger_opens_one_view_within_three_seconds(fake: FakeSlack, client: WebClient) -> None:
    assert error_of(lambda: client.views_open(trigger_id="made.up", view=MODAL)) == (
        "invalid_trigger_id"
    )
    fake.issue_trigger("fresh")
    assert client.views_open(trigger_id="fresh", view=MODAL)["ok"]
    assert error_of(lambda: client.views_open(trigger_id="fresh", view=MODAL)) == (
        "exchanged_trigger_id"
    )
    fake.issue_trigger("stale", at=time.monotonic() - 3.2)
    assert error_of(lambda: client.views_open(trigger_id="stale", view=MODAL)) == (
        "expired_trigger_id"
    )
    fake.issue_trigger("push")
    assert client.views_push(trigger_id="push", view=MODAL)["ok"]
    with FakeSlack(strict_triggers=False) as lenient:
        loose = WebClient(token="xoxb-test", base_url=lenient.url)
        assert loose.views_open(trigger_id="anything", view=MODAL)["ok"]


def test_the_sender_hands_out_the_triggers_of_its_payloads(
    fake: FakeSlack, client: WebClient
) -> None:
    sender = SlackSender(f"{fake.root_url}/nowhere", "secret", fake=fake)
    sender.command("/wg", "help", trigger_id="from.command")
    sender.global_shortcut("new", trigger_id="from.shortcut")
    sender.block_action("pick", "1", trigger_id="from.button")
    for trigger in ("from.command", "from.shortcut", "from.button"):
        assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]
    # Sent again, a payload does not make its trigger young (nor usable) again.
    sender.command("/wg", "help", trigger_id="from.command")
    assert error_of(lambda: client.views_open(trigger_id="from.command", view=MODAL)) == (
        "exchanged_trigger_id"
    )


# -- latency --------------------------------------------------------------------------


def test_latency_per_method_and_for_every_method(fake: FakeSlack, client: WebClient) -> None:
    fake.latency("users.info", 0.3)
    started = time.monotonic()
    client.users_info(user="U1")
    assert time.monotonic() - started >= 0.3
    assert fake.last_call("users.info").delayed_for == 0.3
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.25  # other methods are not slowed
    fake.latency("*", (0.05, 0.1))
    client.auth_test()
    assert 0.05 <= fake.last_call("auth.test").delayed_for <= 0.1
    client.users_info(user="U1")
    assert fake.last_call("users.info").delayed_for == 0.3  # its own wins over "*"
    fake.latency("*", None)
    fake.latency("users.info", 0)
    client.users_info(user="U1")
    assert fake.last_call("users.info").delayed_for == 0.0
    with pytest.raises(ValueError):
        fake.latency("users.info", (0.2, 0.1))


# -- rate limits (off by default) -----------------------------------------------------


def test_no_rate_limit_unless_asked(fake: FakeSlack, client: WebClient) -> None:
    for _ in range(POST_BURST + 3):
        client.chat_postMessage(channel="C1", text="x")
    for _ in range(TIER_PER_MINUTE[2] + 1):
        client.users_list()
    assert not any(c.rate_limited for c in fake.calls)


def test_tiers_answer_429_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    assert (METHOD_TIERS["users.info"], METHOD_TIERS["users.list"]) == (4, 2)
    assert METHOD_TIERS["conversations.history"] == 3
    assert TIER_PER_MINUTE[4] == 100 and TIER_PER_MINUTE[3] == 50 and TIER_PER_MINUTE[2] == 20
    fake.rate_limit(tiers=True)
    for _ in range(20):
        client.users_list()
    with pytest.raises(SlackApiError) as err:
        client.users_list()
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    assert 1 <= int(err.value.response.headers["Retry-After"]) <= 60
    assert fake.last_call("users.list").rate_limited
    for _ in range(50):
        client.conversations_history(channel="C1")
    assert error_of(lambda: client.conversations_history(channel="C1")) == "ratelimited"
    for _ in range(100):
        client.users_info(user="U1")
    assert error_of(lambda: client.users_info(user="U1")) == "ratelimited"
    assert client.auth_test()["ok"]  # each method has its own budget
    fake.rate_limit(tiers=False)
    assert client.users_list()["ok"]


def test_posts_are_limited_per_channel_with_a_short_burst(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.add_channel("C2", "random")
    fake.rate_limit(tiers=True)
    for i in range(POST_BURST):
        client.chat_postMessage(channel="C1", text=f"burst {i}")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="#general", text="one too many")  # the same channel
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel="C2", text="another channel")["ok"]
    time.sleep(1.05)  # about one message a second per channel
    assert client.chat_postMessage(channel="C1", text="a second later")["ok"]
    assert [m["text"] for m in fake.messages("C1")][-1] == "a second later"
    assert len(fake.messages("C1")) == POST_BURST + 1


def test_limits_of_ones_own(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit(tiers=False, per_minute={"users.info": 2})
    client.users_info(user="U1")
    client.users_info(user="U2")
    assert error_of(lambda: client.users_info(user="U1")) == "ratelimited"
    assert client.users_list()["ok"]  # no tiers: no other limit
    fake.reset()
    assert client.users_info(user="U1")["ok"]


# -- GET methods ----------------------------------------------------------------------


def _get(fake: FakeSlack, method: str, query: dict[str, str]) -> dict[str, Any]:
    """A plain GET with the arguments in the query string, as slack_sdk's AsyncWebClient
    sends the methods it declares with http_verb="GET" (Slack takes both)."""
    request = urllib.request.Request(
        f"{fake.url}{method}?{urlencode(query)}",
        headers={"Authorization": "Bearer xoxb-test"},
        method="GET",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return dict(json.loads(resp.read()))


def test_methods_slack_sdk_sends_as_get_are_answered(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="hello")["ts"]
    # The methods slack_sdk's WebClient declares with http_verb="GET", and what they take.
    declared_get: dict[str, dict[str, str]] = {
        "users.info": {"user": "U1"},
        "users.list": {"limit": "10"},
        "conversations.info": {"channel": "C1"},
        "conversations.members": {"channel": "C1"},
        "conversations.history": {"channel": "C1"},
        "conversations.replies": {"channel": "C1", "ts": ts},
        "conversations.list": {"types": "public_channel"},
        "chat.getPermalink": {"channel": "C1", "message_ts": ts},
    }
    for method, args in declared_get.items():
        # The sync WebClient ignores http_verb and POSTs them as a form...
        by_sdk = client.api_call(method, http_verb="GET", params=args)
        sdk_call = fake.last_call(method)
        assert by_sdk["ok"] and sdk_call.ok and sdk_call.http_method == "POST", method
        # ...the async one (and anyone) as a GET: answered alike.
        by_get = _get(fake, method, args)
        get_call = fake.last_call(method)
        assert get_call.http_method == "GET" and get_call.ok, (method, by_get)
        assert get_call.params == args, method
        assert set(by_get) == set(by_sdk.data), method
    assert _get(fake, "conversations.history", {"channel": "C1"})["messages"][0]["text"] == (
        "hello"
    )
    # The same rules over GET: a name is refused, an unknown user is not found.
    assert _get(fake, "conversations.info", {"channel": "#general"})["error"] == (
        "channel_not_found"
    )
    assert _get(fake, "users.info", {"user": "U0404"})["error"] == "user_not_found"
    # And without a token, not_authed.
    with urllib.request.urlopen(f"{fake.url}users.info?user=U1", timeout=10) as resp:
        assert json.loads(resp.read())["error"] == "not_authed"


# -- the directory's flags ------------------------------------------------------------


def test_users_keep_their_flags_and_zone(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("UOWNER", name="olga", tz="Asia/Tokyo", is_admin=True, is_owner=True)
    fake.add_user("UROBOT", name="deploybot", is_bot=True)
    fake.add_user("UGONE", name="gone", tz="America/Sao_Paulo", deleted=True)
    owner = client.users_info(user="UOWNER")["user"]
    assert (owner["is_admin"], owner["is_owner"], owner["is_bot"], owner["deleted"]) == (
        True,
        True,
        False,
        False,
    )
    assert owner["tz"] == "Asia/Tokyo" and owner["tz_offset"] == 9 * 3600
    assert client.users_info(user="UROBOT")["user"]["is_bot"] is True
    gone = client.users_info(user="UGONE")["user"]
    assert gone["deleted"] is True and gone["tz"] == "America/Sao_Paulo"
    listed = {u["id"]: u for u in client.users_list()["members"]}
    assert listed["UOWNER"]["is_owner"] and listed["UROBOT"]["is_bot"]
    assert listed["UGONE"]["deleted"] and listed["U1"]["tz"] == "Europe/Paris"
    assert not listed["U1"]["is_admin"] and not listed["U1"]["is_bot"]
