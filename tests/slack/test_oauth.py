"""Several workspaces: the OAuth install flow, per-workspace tokens, and isolation."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Iterator

import pytest

from bot import outbox
from tests.conftest import RunningBot, start_bot
from tests.harness.fakeslack import RESPONSE_URL_METHOD, FakeSlack


@pytest.fixture
def oauth_bot(db_url: str, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    rb = start_bot(
        db_url,
        fake_slack,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    )
    try:
        yield rb
    finally:
        rb.stop()


def _get(rb: RunningBot, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    host, port = rb.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    resp.read()
    return resp


def _page(rb: RunningBot, path: str, cookie: str | None = None) -> tuple[int, str]:
    """GET a page of the bot: its status and its body."""
    host, port = rb.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    return resp.status, resp.read().decode("utf-8", "replace")


# Slack's OAuth pages (slack_sdk's RedirectUriPageRenderer), in Bolt's default flow.
INSTALLED = "<h2>Thank you!</h2>"
REFUSED = "<h2>Oops, Something Went Wrong!</h2>"


def assert_refused(answer: tuple[int, str], status: int, reason: str) -> None:
    """The OAuth failure page, with its status and the reason Bolt gives."""
    got, page = answer
    assert (got, REFUSED in page) == (status, True), (got, page[:400])
    assert f"(reason: {reason}: " in page, page[:600]
    assert INSTALLED not in page


def install(rb: RunningBot, team_id: str, token: str) -> None:
    rb.fake.add_workspace(team_id, token, name=f"Team {team_id}", code=f"code-{team_id}")
    start = _get(rb, "/slack/install")
    assert start.status == 302
    location = start.getheader("Location") or ""
    assert location.startswith("https://slack.com/oauth/v2/authorize")
    state = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["state"][0]
    cookie = (start.getheader("Set-Cookie") or "").split(";")[0]
    status, page = _page(rb, f"/slack/oauth_redirect?code=code-{team_id}&state={state}", cookie)
    assert status == 200 and INSTALLED in page, (status, page[:300])


def test_install_two_workspaces_and_answer_each_with_its_own_token(oauth_bot: RunningBot) -> None:
    rb = oauth_bot
    install(rb, "T1", "xoxb-team-one")
    install(rb, "T2", "xoxb-team-two")
    rb.fake.add_channel("C9", "team-two-general")  # the second workspace's channel
    for team in ("T1", "T2"):
        resp = rb.command("/wg", "help", team_id=team)
        assert resp.status == 200 and "/wg help" in resp.reply_text
    with rb.bot.rt.db.write() as s:
        outbox.post_message(s, team_id="T1", channel="C1", text="for one", now=rb.clock.now())
        outbox.post_message(s, team_id="T2", channel="C9", text="for two", now=rb.clock.now())
    rb.deliver()
    tokens = {c.params["text"]: c.token for c in rb.fake.calls_to("chat.postMessage")}
    assert tokens == {"for one": "xoxb-team-one", "for two": "xoxb-team-two"}


def test_unknown_workspace_is_not_served(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T1", "xoxb-team-one")
    resp = oauth_bot.command("/wg", "help", team_id="T404")
    assert "/wg help" not in resp.reply_text
    # Bolt tells the user at the command's response_url (on the fake, not hooks.slack.com).
    [told] = oauth_bot.fake.calls_to(RESPONSE_URL_METHOD)
    assert "install this app" in told.params["text"]


def test_state_must_match(oauth_bot: RunningBot) -> None:
    rb = oauth_bot
    rb.fake.add_workspace("T3", "xoxb-three", code="code-T3")
    redirect = "/slack/oauth_redirect?code=code-T3&state="
    # No state cookie: this browser did not start the install.
    assert_refused(_page(rb, redirect + "forged"), 400, "invalid_browser")
    # The cookie matches the state, but the bot never issued that state.
    forged = _page(rb, redirect + "forged", cookie="slack-app-oauth-state=forged")
    assert_refused(forged, 401, "invalid_state")
    # A state issued by /slack/install, but for another browser.
    start = _get(rb, "/slack/install")
    location = start.getheader("Location") or ""
    state = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["state"][0]
    other = _page(rb, redirect + state, cookie="slack-app-oauth-state=other")
    assert_refused(other, 400, "invalid_browser")
    # None of them got as far as exchanging the code, and T3 is not served.
    assert rb.fake.calls_to("oauth.v2.access") == []
    assert "/wg help" not in rb.command("/wg", "help", team_id="T3").reply_text
    [told] = rb.fake.calls_to(RESPONSE_URL_METHOD)
    assert "install this app" in told.params["text"]


def test_a_state_is_used_once(oauth_bot: RunningBot) -> None:
    rb = oauth_bot
    rb.fake.add_workspace("T3", "xoxb-three", code="code-T3")
    start = _get(rb, "/slack/install")
    location = start.getheader("Location") or ""
    state = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["state"][0]
    cookie = (start.getheader("Set-Cookie") or "").split(";")[0]
    status, page = _page(rb, f"/slack/oauth_redirect?code=code-T3&state={state}", cookie)
    assert status == 200 and INSTALLED in page
    # The same redirect again (a replay): refused before the code is tried again.
    again = _page(rb, f"/slack/oauth_redirect?code=code-T3&state={state}", cookie)
    assert_refused(again, 401, "invalid_state")
    assert len(rb.fake.calls_to("oauth.v2.access")) == 1
    assert "/wg help" in rb.command("/wg", "help", team_id="T3").reply_text


def test_uninstall_forgets_the_token(oauth_bot: RunningBot) -> None:
    install(oauth_bot, "T2", "xoxb-team-two")
    assert "/wg help" in oauth_bot.command("/wg", "help", team_id="T2").reply_text
    oauth_bot.sender.event({"type": "app_uninstalled"}, team_id="T2")
    assert "/wg help" not in oauth_bot.command("/wg", "help", team_id="T2").reply_text
