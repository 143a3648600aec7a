"""The minutes' review, log and next session at the service level: a real session, no HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.actions import service as actions
from bot.clock import FakeClock
from bot.config import Settings
from bot.db import Database
from bot.directory import Directory
from bot.errors import PermissionDenied
from bot.minutes import document, publish, service
from bot.minutes.models import ChannelArchive, Meeting
from bot.platform import Membership
from bot.services.hooks import FeatureHooks, MeetingSlot
from tests.conftest import T0

TEAM = "T0001"
CHANNEL = "C0123ABCD"
CHAIR = "U024BE7LH"  # in Los Angeles
MEMBER = "U0G9QF9C6"  # in Tokyo
PEOPLE: dict[str, dict[str, Any]] = {
    CHAIR: {"name": "maria", "tz": "America/Los_Angeles"},
    MEMBER: {"name": "kenji", "tz": "Asia/Tokyo"},
}


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def directory() -> Directory:
    found = Directory(FakeClock(T0), lambda _team, uid: PEOPLE.get(uid), lambda _t, _c: [])
    found.prefetch(TEAM, list(PEOPLE), deadline=None)
    return found


def _settings() -> Settings:
    return Settings(
        database_url="sqlite://",
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        public_url="https://minutes.example.org",
    )


def _start(s: Session, now: datetime, name: str = "", series: MeetingSlot | None = None) -> Meeting:
    return service.start_meeting(
        s,
        team_id=TEAM,
        channel_id=CHANNEL,
        channel_name="wg-ops",
        user_id=CHAIR,
        name=name,
        now=now,
        tz="America/Los_Angeles",
        hearing=Membership(CHANNEL, is_member=True),
        slot=series,
    )


def _say(s: Session, meeting: Meeting, user: str, text: str, ts: str, now: datetime) -> None:
    service.capture(
        s, meeting=meeting, user_id=user, text=text, ts=ts, now=now, tz_of=lambda u: "UTC"
    )


def test_review_log_and_title_of_two_meetings(db: Database, directory: Directory) -> None:
    hooks = FeatureHooks()
    # 06:00 UTC on the 23rd is still the 22nd in Los Angeles, the meeting's home.
    first_at = T0.replace(hour=6)
    with db.write() as s:
        first = _start(s, first_at)
        assert first.name == "#wg-ops meeting, 2026-11-22"
        _say(s, first, MEMBER, "#action <@U024BE7LH> write the plan", "100.1", first_at)
        _say(s, first, CHAIR, "#action <@U0G9QF9C6> fix the build", "100.2", first_at)
        service.end_meeting(s, meeting=first, user_id=CHAIR, now=first_at + timedelta(hours=1))
        fix = actions.get_item(s, team_id=TEAM, number=2)
        actions.set_status(fix, status="done", user_id=MEMBER, now=first_at + timedelta(hours=2))
        doc = publish.gather(
            s, meeting=first, directory=directory, hooks=hooks, settings=_settings(), now=T0
        )
        assert [a.number for a in doc.actions_done] == [2]
        assert doc.actions_done[0].done_by_name == "@kenji"
        assert [a.number for a in doc.actions_new] == [1]
        assert doc.day == "2026-11-22" and doc.date == "Sunday 22 November 2026"
        # Not a chair: refused before anything is written.
        with pytest.raises(PermissionDenied, match="Only a chair"):
            publish.publish(
                s,
                meeting=first,
                user_id=MEMBER,
                directory=directory,
                hooks=hooks,
                settings=_settings(),
                now=T0,
            )
        assert s.query(ChannelArchive).count() == 0 and first.status == "ended"
        publish.publish(
            s,
            meeting=first,
            user_id=CHAIR,
            directory=directory,
            hooks=hooks,
            settings=_settings(),
            now=T0,
        )
        assert first.log_html and 'id="l-2"' in first.log_html

    second_at = T0 + timedelta(days=7)
    with db.write() as s:
        plan = actions.get_item(s, team_id=TEAM, number=1)
        actions.set_status(plan, status="done", user_id=CHAIR, now=second_at - timedelta(days=1))
        second = _start(s, second_at, name="Ops review")
        assert second.name == "Ops review"
        _say(s, second, MEMBER, "hi all", "200.1", second_at)
        _say(s, second, CHAIR, "#topic Status", "200.2", second_at)
        _say(s, second, MEMBER, "typo", "200.3", second_at)
        service.edit_from_message(
            s,
            meeting=second,
            ts="200.3",
            text="fixed",
            user_id=MEMBER,
            now=second_at,
            tz_of=lambda u: "UTC",
        )
        _say(s, second, MEMBER, "take this back", "200.4", second_at)
        service.delete_from_message(s, meeting=second, ts="200.4")
        _say(s, second, MEMBER, "hi all", "200.1", second_at)  # delivered twice: logged once
        service.end_meeting(s, meeting=second, user_id=CHAIR, now=second_at)
        doc = publish.gather(
            s, meeting=second, directory=directory, hooks=hooks, settings=_settings(), now=second_at
        )
        # #2 was reviewed as done in the first minutes; #1 was closed since.
        assert [(a.number, a.done_by_name) for a in doc.actions_done] == [(1, "@maria")]
        assert [(e.name, e.body.text) for e in doc.log] == [
            ("kenji", "hi all"),
            ("maria", "#topic Status"),
            ("kenji", "fixed"),
        ]
        assert doc.topics[0].log_url.endswith("/log.html#l-2")
        assert doc.archive_url.startswith("https://minutes.example.org/minutes/archive/")


def test_next_session_steps_over_the_channels_other_series(db: Database) -> None:
    def slot(series: int, days: int) -> MeetingSlot:
        start = T0 + timedelta(days=days)
        return MeetingSlot(series, f"series {series}", CHANNEL, start, start, "UTC")

    calendar = sorted(
        [slot(8, 1), slot(9, 2), slot(8, 3), slot(7, 5), slot(7, 12)], key=lambda x: x.start
    )
    hooks = FeatureHooks()
    hooks.next_meeting.append(
        lambda _s, _t, _c, now: next((x for x in calendar if x.start > now), None)
    )
    with db.write() as s:
        own = _start(s, T0, series=slot(7, 0))
        assert publish.next_of_series(s, meeting=own, hooks=hooks, now=T0) == slot(7, 5)
        own.series_id = 99  # a series with no more occurrences
        assert publish.next_of_series(s, meeting=own, hooks=hooks, now=T0) is None
        own.series_id = None
        assert publish.next_of_series(s, meeting=own, hooks=hooks, now=T0) is None


def test_sample_renders_every_section() -> None:
    doc = document.sample("https://minutes.example.org", T0)
    html = document.render(doc, "html", template=None, templates_dir=None)
    for status in ("done", "overdue", "carried", "new"):
        assert f'class="status {status}"' in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">' in html
    assert "&lt;b&gt;docs&lt;/b&gt;" in html
