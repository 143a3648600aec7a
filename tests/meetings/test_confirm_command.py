"""A clash confirmed by command (`… anyway`), as the "Schedule anyway" button does."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.meetings.models import MeetingSeries
from tests.conftest import RunningBot


def _series(rb: RunningBot) -> dict[str, datetime]:
    with rb.bot.rt.db.read() as s:
        rows = s.scalars(select(MeetingSeries).where(MeetingSeries.team_id == "T1")).all()
        return {r.name: r.dtstart.astimezone(UTC) for r in rows}


def test_anyway_confirms_a_clash_and_only_then(running: RunningBot) -> None:
    running.command("/meeting", 'schedule "SWG" every tuesday at 16:00 UTC')
    clash = running.command("/meeting", 'schedule "Clash" on 2026-12-01 at 16:30 UTC')
    assert "would clash" in clash.reply_text
    # The answer says how to confirm without the button.
    assert "same command again with `anyway` at the end" in clash.reply_text
    assert list(_series(running)) == ["SWG"]

    done = running.command("/meeting", 'schedule "Clash" on 2026-12-01 at 16:30 UTC anyway')
    assert "Scheduled *Clash*" in done.reply_text
    assert _series(running)["Clash"] == datetime(2026, 12, 1, 16, 30, tzinfo=UTC)

    # An edit that clashes is refused until confirmed, with the same checks as the button.
    edit = running.command("/meeting", "edit Clash time 16:15")
    assert "would clash" in edit.reply_text
    assert _series(running)["Clash"] == datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    stranger = running.command("/meeting", "edit Clash time 16:15 anyway", user_id="U2")
    assert "Only the person who scheduled “Clash”" in stranger.reply_text
    assert _series(running)["Clash"] == datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    confirmed = running.command("/meeting", "edit Clash time 16:15 anyway")
    assert "Updated" in confirmed.reply_text
    assert _series(running)["Clash"] == datetime(2026, 12, 1, 16, 15, tzinfo=UTC)

    # `anyway` alone is no schedule; a schedule without a clash needs no `anyway`.
    assert "Usage" in running.command("/meeting", "schedule anyway").reply_text
    free = running.command("/meeting", 'schedule "Free" every friday at 08:00 UTC anyway')
    assert "Scheduled *Free*" in free.reply_text
    assert sorted(_series(running)) == ["Clash", "Free", "SWG"]
    assert running.fake.violations == []
