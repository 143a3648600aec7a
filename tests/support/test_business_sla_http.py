"""Business-hours SLA clocks and "waiting on reporter", through the signed HTTP path.

Whamcloud (extended tier: S1 first response 4 h, resolution 48 h; S2 8 h / 120 h)
works Mon–Fri 09:00–17:00 in Paris with French public holidays. The reporter, chie
(U3), is in Tokyo; the provider's contact, bob (U2), in Los Angeles; the admin in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.support import business_hours, catalog_file
from bot.support.models import SupportIssue, SupportIssueEvent, SupportProvider
from tests.conftest import RunningBot
from tests.harness.slackclient import Response
from tests.support.conftest import CATALOG, load_catalog
from tests.support.helpers import all_text, buttons, card

PARIS_HOURS = "zone Europe/Paris days mon-fri hours 09:00-17:00 holidays FR"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _thread(rb: RunningBot, channel: str, parent_ts: str) -> list[str]:
    return [
        all_text(m)
        for m in rb.fake.messages(channel)
        if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
    ]


def _issue(rb: RunningBot, number: int) -> SupportIssue:
    with rb.bot.rt.db.read() as s:
        issue = s.scalars(
            select(SupportIssue).where(SupportIssue.team_id == "T1", SupportIssue.number == number)
        ).one()
        s.expunge(issue)
        return issue


def _events(rb: RunningBot, number: int) -> list[str]:
    with rb.bot.rt.db.read() as s:
        return list(
            s.scalars(
                select(SupportIssueEvent.text)
                .join(SupportIssue, SupportIssue.id == SupportIssueEvent.issue_id)
                .where(SupportIssue.team_id == "T1", SupportIssue.number == number)
                .order_by(SupportIssueEvent.id)
            )
        )


def _ephemeral(resp: Response) -> str:
    """The answer only the asker sees."""
    data = resp.json()
    assert data.get("response_type", "ephemeral") == "ephemeral", data
    return resp.reply_text


@pytest.fixture
def paris(desk: RunningBot) -> RunningBot:
    """The desk with Whamcloud on Paris business hours, set by an admin."""
    refused = desk.command("/support", f"calendar Whamcloud {PARIS_HOURS}", user_id="U1")
    assert "admin" in refused.reply_text.lower()
    text = desk.command(
        "/support", f"calendar Whamcloud {PARIS_HOURS}", user_id="UADMIN"
    ).reply_text
    assert "Mon–Fri 09:00–17:00 Europe/Paris, FR holidays" in text, text
    return desk


def test_clock_skips_christmas_and_the_weekend(paris: RunningBot) -> None:
    # Thu 24 Dec 16:00 in Paris is Fri 00:00 in Tokyo, where chie files.
    filed = utc(2026, 12, 24, 15, 0)
    paris.clock.set(filed)
    paris.fake.add_channel("CDIG", "wg-digest")
    paris.command("/wg", "settings digest-channel <#CDIG|wg-digest>", user_id="UADMIN")
    paris.command("/issue", "file S1 lustre: MDS down after failover", user_id="U3")
    paris.deliver()
    parent = card(paris, "CLUSTRE", 1)["ts"]
    assert "Mon–Fri 09:00–17:00 Europe/Paris, FR holidays" in all_text(card(paris, "CLUSTRE", 1))
    # 1 h on Thursday; Friday 25 is Christmas, then the weekend; 3 h on Monday 28:
    # first response due Mon 12:00 Paris (11:00 UTC), warned at 3 h (10:00 UTC).
    issue = _issue(paris, 1)
    assert issue.response_due == utc(2026, 12, 28, 11, 0)
    assert issue.warn_at == utc(2026, 12, 28, 10, 0)
    # 48 h: Thu 1 + Mon–Thu 32 + (New Year's Day off) Mon 4 Jan 8 + Tue 5 Jan 7 → 16:00.
    assert issue.resolution_due == utc(2027, 1, 5, 15, 0)
    # On the wall clock the 4 h would have run out on Christmas Eve night.
    for moment in (utc(2026, 12, 24, 19, 1), utc(2026, 12, 25, 12, 0), utc(2026, 12, 27, 23)):
        paris.run_jobs(at=moment)
    paris.run_jobs(at=utc(2026, 12, 28, 9, 59))
    assert _thread(paris, "CLUSTRE", parent) == []
    paris.run_jobs(at=utc(2026, 12, 28, 10, 1))
    assert len(_thread(paris, "CLUSTRE", parent)) == 1
    paris.run_jobs(at=utc(2026, 12, 28, 10, 59))
    assert paris.fake.messages("U2") == []
    paris.run_jobs(at=utc(2026, 12, 28, 11, 1))
    assert len(paris.fake.messages("U2")) == 1
    shown = paris.command("/issue", "show 1", user_id="U2").reply_text
    assert "business hours, Mon–Fri 09:00–17:00 Europe/Paris, FR holidays" in shown
    # Monday's digest names the calendar the provider's clocks count.
    digests = [all_text(m) for m in paris.fake.messages("CDIG")]
    digest = next(d for d in digests if "2026-W53" in d)
    assert "Whamcloud" in digest
    assert "clock: Mon–Fri 09:00–17:00 Europe/Paris, FR holidays" in digest


def test_dst_change_in_the_provider_zone(paris: RunningBot) -> None:
    # Fri 26 Mar 2027 16:30 CET; Paris springs forward on Sunday 28 (Easter), and
    # Easter Monday is a French holiday: 30 min on Friday, 3.5 h on Tuesday from 09:00
    # CEST (07:00 UTC) → due 12:30 CEST = 10:30 UTC, warned at 3 h = 09:30 UTC.
    paris.clock.set(utc(2027, 3, 26, 15, 30))
    paris.command("/issue", "file S1 lustre: OSS flapping", user_id="U3")
    paris.deliver()
    parent = card(paris, "CLUSTRE", 1)["ts"]
    paris.run_jobs(at=utc(2027, 3, 29, 12, 0))  # Easter Monday: nothing
    paris.run_jobs(at=utc(2027, 3, 30, 9, 29))
    assert _thread(paris, "CLUSTRE", parent) == []
    paris.run_jobs(at=utc(2027, 3, 30, 9, 31))
    assert len(_thread(paris, "CLUSTRE", parent)) == 1
    paris.run_jobs(at=utc(2027, 3, 30, 10, 29))
    assert paris.fake.messages("U2") == []
    paris.run_jobs(at=utc(2027, 3, 30, 10, 31))
    assert len(paris.fake.messages("U2")) == 1


def test_tier_calendar_applies_unless_the_provider_has_one(desk: RunningBot) -> None:
    text = desk.command(
        "/support",
        "calendar tier:premium zone America/New_York days mon-fri hours 8-18",
        user_id="UADMIN",
    ).reply_text
    assert "premium" in text and "America/New_York" in text
    # Saturday: the premium S1 hour (F5 OpenStack Team) starts on Monday 08:00 New York.
    desk.clock.set(utc(2027, 1, 9, 15, 0))
    desk.command("/issue", "file S1 lbaas: VIP down", user_id="U1")
    assert _issue(desk, 1).response_due == utc(2027, 1, 11, 14, 0)
    desk.command("/support", "calendar tier:premium none", user_id="UADMIN")
    desk.command("/issue", "file S1 lbaas: VIP down again", user_id="U1")
    assert _issue(desk, 2).response_due == utc(2027, 1, 9, 16, 0)
    # The first issue keeps the calendar it was filed with.
    assert "America/New_York" in desk.command("/issue", "show 1").reply_text


def test_waiting_on_reporter_pauses_resolution(paris: RunningBot) -> None:
    paris.clock.set(utc(2027, 1, 11, 9, 0))  # Mon 10:00 Paris
    paris.command("/issue", "file S2 lustre: slow metadata", user_id="U3")
    paris.command("/issue", "ack 1", user_id="U2")
    paris.deliver()
    due_before = _issue(paris, 1).resolution_due
    assert due_before is not None
    # Tue 12 Jan 10:00 Paris: bob presses "Waiting on reporter" on the card.
    paris.clock.set(utc(2027, 1, 12, 9, 0))
    msg = card(paris, "CLUSTRE", 1)
    assert "issue_wait" in buttons(msg)
    resp = paris.sender.block_action(
        "issue_wait", "1", user_id="U2", channel_id="CLUSTRE", message=msg
    )
    assert resp.status == 200
    paris.deliver()
    msg = card(paris, "CLUSTRE", 1)
    assert "Waiting on reporter" in all_text(msg) and "issue_wait" not in buttons(msg)
    again = _ephemeral(paris.command("/issue", "wait 1 need the logs", user_id="U2"))
    assert "already waiting" in again
    # Someone else's reply does not end the wait.
    paris.clock.set(utc(2027, 1, 13, 12, 0))
    paris.command("/issue", "reply 1 same here on our cluster", user_id="U1")
    assert _issue(paris, 1).waiting_since == utc(2027, 1, 12, 9, 0)
    # Thu 14 Jan 15:00 Paris: chie answers from Tokyo (23:00 there). Paused business
    # time: Tue 10–17 (7 h) + Wed (8 h) + Thu 09–15 (6 h) = 21 h.
    paris.clock.set(utc(2027, 1, 14, 14, 0))
    text = paris.command("/issue", "reply 1 logs attached: mds.log", user_id="U3").reply_text
    assert "runs again" in text
    after = _issue(paris, 1)
    assert after.waiting_since is None and after.resolution_due is not None
    cal = business_hours.make(zone="Europe/Paris", days="mon-fri", hours="9-17", holidays="FR")
    assert cal.between(due_before, after.resolution_due) == 21 * 60
    assert after.resolution_due - due_before >= timedelta(hours=21)
    history = _events(paris, 1)
    assert "waiting on reporter" in history
    assert history[-1] == "reporter answered, clock resumed after 21h"
    shown = paris.command("/issue", "show 1", user_id="U1").reply_text
    assert "reporter answered, clock resumed after 21h" in shown
    assert "logs attached" in shown
    # A second reply is only a reply.
    paris.command("/issue", "reply 1 and the client log", user_id="U3")
    assert _issue(paris, 1).resolution_due == after.resolution_due


def test_wait_with_reason_then_close(paris: RunningBot) -> None:
    paris.clock.set(utc(2027, 1, 11, 9, 0))
    paris.command("/issue", "file S3 lustre: quota report wrong", user_id="U3")
    # Neither the reporter nor a bystander puts the provider's clock on hold.
    for who in ("U3", "U1"):
        refused = _ephemeral(paris.command("/issue", "wait 1 stalling", user_id=who))
        assert "can put issue #1 on hold" in refused and "Whamcloud" in refused, refused
    assert _issue(paris, 1).waiting_since is None
    text = paris.command("/issue", "wait 1 which client version?", user_id="U2").reply_text
    assert "waiting on <@U3>" in text
    assert _events(paris, 1)[-1] == "waiting on reporter: which client version?"
    paris.command("/issue", "close 1 cannot reproduce", user_id="U2")
    before = _events(paris, 1)
    text = _ephemeral(paris.command("/issue", "wait 1 more questions", user_id="U2"))
    assert "is closed" in text
    assert _events(paris, 1) == before and _issue(paris, 1).waiting_since is None


def test_bad_calendars_write_nothing(paris: RunningBot) -> None:
    cases = {
        "calendar Whamcloud zone Europe/Paris days none": "no working days",
        "calendar Whamcloud zone Mars/Olympus days mon-fri": "not a time zone",
        "calendar Whamcloud zone UTC hours 17-9": "end before they start",
        "calendar Whamcloud zone UTC holidays XX": "public holidays",
        "calendar Whamcloud days mon-fri": "time zone",
        "calendar Whamcloud zone": "needs a value",
        "calendar tier:nosuch zone UTC": "no tier",
        "calendar Whamcloud": "or `none`",
    }
    for args, expected in cases.items():
        text = _ephemeral(paris.command("/support", args, user_id="UADMIN"))
        assert expected in text, (args, text)
    with paris.bot.rt.db.read() as s:
        stored = s.scalars(
            select(SupportProvider.calendar).where(SupportProvider.name == "Whamcloud")
        ).one()
    assert business_hours.from_json(stored) == business_hours.make(
        zone="Europe/Paris", days="mon-fri", hours="09:00-17:00", holidays="FR"
    )


def test_catalog_file_calendars(
    desk: RunningBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with_calendar = (
        "tiers:\n  - name: premium\n"
        "    calendar: {zone: America/New_York, days: mon-fri, hours: 08:00-18:00}\n"
    ) + CATALOG.replace(
        "    escalation: [U2]\n",
        "    escalation: [U2]\n"
        "    calendar:\n      zone: Europe/Paris\n      days: mon-fri\n"
        "      hours: 09:00-17:00\n      holidays: FR\n",
    )
    assert load_catalog(desk, monkeypatch, tmp_path, text=with_calendar) == 0
    desk.clock.set(utc(2026, 12, 24, 15, 0))
    desk.command("/issue", "file S1 lustre: down", user_id="U3")
    assert _issue(desk, 1).response_due == utc(2026, 12, 28, 11, 0)
    # Premium S1 (1 h) from Thu 10:00 New York: 11:00 there, 16:00 UTC.
    desk.command("/issue", "file S1 lbaas: VIP down", user_id="U1")
    assert _issue(desk, 2).response_due == utc(2026, 12, 24, 16, 0)
    with desk.bot.rt.db.read() as s:
        exported = catalog_file.export_catalog(s, team_id="T1")
    doc = catalog_file.parse_catalog(exported)
    (wham,) = [p for p in doc.providers if p.name == "Whamcloud"]
    assert business_hours.from_json(wham.calendar) == business_hours.make(
        zone="Europe/Paris", days="mon-fri", hours="9-17", holidays="FR"
    )
    (premium,) = [t for t in doc.tiers if t.name == "premium"]
    assert premium.calendar is not None and premium.calendar["zone"] == "America/New_York"
    broken = with_calendar.replace("days: mon-fri", "days: none").replace(
        "role: product team\n    collaboration: integrated",
        "role: vendor\n    collaboration: integrated",
    )
    assert load_catalog(desk, monkeypatch, tmp_path, text=broken) != 0
    with desk.bot.rt.db.read() as s:
        row = s.scalars(select(SupportProvider).where(SupportProvider.name == "Whamcloud")).one()
        assert row.role == "product team" and row.calendar is not None


def test_a_wall_clock_issue_waits_in_wall_clock_time(desk: RunningBot) -> None:
    # F5 OpenStack Team has no calendar: its premium clocks run 24×7.
    desk.clock.set(utc(2027, 1, 9, 22, 0))  # Saturday night
    desk.command("/issue", "file S2 lbaas: pool members flapping", user_id="U1")
    due = _issue(desk, 1).resolution_due
    assert due == utc(2027, 1, 12, 22, 0)  # 72 h later
    too_long = _ephemeral(desk.command("/issue", "wait 1 " + "why " * 60, user_id="U3"))
    assert "longer than 200" in too_long and _issue(desk, 1).waiting_since is None
    desk.command("/issue", "wait 1 need the haproxy config", user_id="U3")
    desk.clock.set(utc(2027, 1, 10, 7, 30))  # 9.5 h later, the reporter answers
    desk.command("/issue", "reply 1 config attached", user_id="U1")
    assert _issue(desk, 1).resolution_due == due + timedelta(hours=9, minutes=30)
    assert _events(desk, 1)[-1] == "reporter answered, clock resumed after 9h 30m"
    desk.deliver()
    assert "SLA clock" not in all_text(card(desk, "CF5", 1))
