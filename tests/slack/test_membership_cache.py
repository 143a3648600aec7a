"""A membership the bot remembered is asked again once Slack says the bot is gone."""

from __future__ import annotations

import pytest

from bot import outbox
from tests.conftest import RunningBot

CHAIR = "U024BE7LH"
PRIVATE = "G01ABCDEF"


@pytest.mark.expect_failed_outbox
def test_removed_from_a_private_channel_the_next_meeting_needs_an_invitation(
    running_sqlite: RunningBot,
) -> None:
    running = running_sqlite
    running.fake.add_user(CHAIR, tz="Europe/Madrid", name="carmen")
    running.fake.add_channel(PRIVATE, "board", members=[CHAIR], is_private=True)
    started = running.command("/minutes", "start Board", user_id=CHAIR, channel_id=PRIVATE)
    assert "Board" in started.reply_text and "invite" not in started.reply_text
    running.command("/minutes", "end", user_id=CHAIR, channel_id=PRIVATE)

    # Someone removes the bot; the next post there tells it so.
    running.fake.remove_bot(PRIVATE)
    with running.bot.rt.db.write() as s:
        outbox.post_message(
            s, team_id="T1", channel=PRIVATE, text="a reminder", now=running.clock.now()
        )
    running.deliver()

    again = running.command("/minutes", "start Board", user_id=CHAIR, channel_id=PRIVATE)
    assert "/invite @wgbot" in again.reply_text
    running.fake.invite_bot(PRIVATE)
    assert (
        "invite"
        not in running.command(
            "/minutes", "start Board", user_id=CHAIR, channel_id=PRIVATE
        ).reply_text
    )
