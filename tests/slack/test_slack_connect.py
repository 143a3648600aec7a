"""Slack Connect: a channel shared with other organisations, through the signed HTTP path.

Their members carry another team's id; users.info shows them partly (no zone, no real
name) or not at all, users.list of our workspace never lists them, and a DM to them may
be refused. They are still captured, named (as <@id>), counted in the meeting's home
zone (and it says so), own action items, and their nudges never fail loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.actions.models import ActionItem
from bot.models import OutboxMessage
from tests.conftest import RunningBot, check_fake_slack, start_bot
from tests.harness.fakeslack import FakeSlack
from tests.harness.rooms import Room, deliver_all

CHANNEL = "C0SHARED1"
PARIS, TOKYO = "U0PARIS01", "U0TOKYO01"
PARTIAL, REFUSED = "U0FORPART", "U0FORREFU"  # another organisation's members
FOREIGN_TEAM = "T0FOREIGN"


@pytest.fixture
def slack(request: pytest.FixtureRequest) -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.start()
    fake.add_user(PARIS, name="amelie", tz="Europe/Paris")
    fake.add_user(TOKYO, name="haruto", tz="Asia/Tokyo")
    fake.add_user(PARTIAL, name="pat", tz="America/New_York", team_id=FOREIGN_TEAM, info="partial")
    fake.add_user(REFUSED, name="rey", team_id=FOREIGN_TEAM, info="refused")
    fake.add_channel(CHANNEL, "coalition", members=[PARIS, TOKYO, PARTIAL, REFUSED], shared=True)
    try:
        yield fake
    finally:
        fake.stop()
    check_fake_slack(request, fake)


@pytest.fixture
def rb(db_url: str, slack: FakeSlack) -> Iterator[RunningBot]:
    bot = start_bot(db_url, slack)
    try:
        yield bot
    finally:
        bot.stop()


def _say(room: Room, text: str, user: str, team: str) -> None:
    """A message as Slack sends it from a shared channel: the author's own team in
    `user_team`, the installing workspace's in `team_id` and `authorizations`."""
    resp = room.running.sender.message(
        text,
        user_id=user,
        channel_id=room.channel,
        team_id=room.team,
        user_team=team,
        source_team=team,
    )
    assert resp.status == 200


def test_fake_models_a_shared_channel(slack: FakeSlack) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-test", base_url=slack.url)
    partial = client.users_info(user=PARTIAL)["user"]
    assert partial["is_stranger"] and "tz" not in partial and partial["team_id"] == FOREIGN_TEAM
    with pytest.raises(SlackApiError) as refused:
        client.users_info(user=REFUSED)
    assert refused.value.response["error"] == "user_not_found"
    listed = {u["id"] for u in client.users_list()["members"]}
    assert PARIS in listed and PARTIAL not in listed and REFUSED not in listed
    assert REFUSED in client.conversations_members(channel=CHANNEL)["members"]
    assert client.conversations_info(channel=CHANNEL)["channel"]["is_ext_shared"]


def test_foreign_members_take_part_in_a_meeting(
    rb: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    room = Room(rb, channel=CHANNEL)
    scheduled = rb.command(
        "/meeting",
        'schedule "Coalition sync" every tuesday at 15:00 Europe/Paris',
        user_id=PARIS,
        channel_id=CHANNEL,
        channel_name="coalition",
    )
    assert "Coalition sync" in scheduled.reply_text, scheduled.reply_text

    assert "has started" in room.cmd("start Coalition sync", user=PARIS)
    _say(room, "#info our legal team agrees with the charter", PARTIAL, FOREIGN_TEAM)
    _say(
        room, f"#action <@{REFUSED}> send the signed charter due 2026-11-25", REFUSED, FOREIGN_TEAM
    )
    _say(room, "#info the budget is approved", TOKYO, "T1")
    room.cmd("end", user=PARIS)
    deliver_all(rb)
    rb.bot.rt.directory.wait_idle()

    meeting = room.publish(user=PARIS)
    posted = room.posted_text()
    assert "our legal team agrees with the charter" in posted
    assert "send the signed charter" in posted
    assert f"<@{REFUSED}>" in posted and f"<@{PARTIAL}>" in posted
    assert meeting.id

    # /meeting next: the foreign members are counted in the home zone, and it says so.
    rb.bot.rt.directory.wait_idle()
    nxt = rb.command("/meeting", "next", user_id=TOKYO, channel_id=CHANNEL)
    rb.bot.rt.directory.wait_idle()
    nxt = rb.command("/meeting", "next", user_id=TOKYO, channel_id=CHANNEL)
    text = nxt.reply_text
    assert "zone unknown; shown in the meeting's home zone" in text, text
    assert f"<@{PARTIAL}>" in text and f"<@{REFUSED}>" in text
    assert f"<@{PARIS}>" in text and f"<@{TOKYO}>" in text

    # An action item owned by the partly-known member, added by command.
    added = rb.command(
        "/action",
        f"add <@{PARTIAL}> review the budget due 2026-11-25",
        user_id=PARIS,
        channel_id=CHANNEL,
    )
    assert "#" in added.reply_text and "does not know" not in added.reply_text, added.reply_text
    with rb.bot.rt.db.read() as s:
        owners = sorted(o for item in s.query(ActionItem).all() for o in item.owners)
    assert owners == sorted([PARTIAL, REFUSED])

    # The morning before (09:00 in the zone the bot has for them: Slack told none, so
    # UTC): each owner is nudged; the refused DM is given up quietly.
    caplog.set_level(logging.WARNING, logger="bot.outbox.delivery")
    rb.run_jobs(at=datetime(2026, 11, 24, 9, 1, tzinfo=UTC))
    deliver_all(rb)
    dms = [
        c for c in rb.fake.calls_to("chat.postMessage") if c.params["channel"] in (PARTIAL, REFUSED)
    ]
    assert {c.params["channel"] for c in dms} == {PARTIAL, REFUSED}
    assert any(c.ok for c in dms if c.params["channel"] == PARTIAL)
    with rb.bot.rt.db.read() as s:
        rows = (
            s.query(OutboxMessage)
            .filter(OutboxMessage.payload["channel"].as_string() == REFUSED)
            .all()
        )
        statuses = {r.status for r in s.query(OutboxMessage).all()}
    assert "failed" not in statuses
    assert any("refused a DM" in r.getMessage() for r in caplog.records)
    assert rows == [] or all(r.status == "cancelled" for r in rows)
