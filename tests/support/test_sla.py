"""SLA clocks (warning, escalation, once each) and the weekly digest, with a controllable clock."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import T0, RunningBot
from tests.support.helpers import all_text, card


def _thread_replies(rb: RunningBot, channel: str, parent_ts: str) -> list[str]:
    return [
        all_text(m)
        for m in rb.fake.messages(channel)
        if m.get("thread_ts") == parent_ts and m["ts"] != parent_ts
    ]


def test_warning_then_escalation_once_each(desk: RunningBot) -> None:
    # Extended tier, S1: first response within 4h; the warning comes at 3h.
    desk.command("/issue", "file S1 lustre: file system down", user_id="U1")
    desk.deliver()
    parent = card(desk, "CLUSTRE", 1)["ts"]

    desk.run_jobs(at=T0 + timedelta(hours=2, minutes=59))
    assert _thread_replies(desk, "CLUSTRE", parent) == []

    desk.run_jobs(at=T0 + timedelta(hours=3, minutes=1))
    replies = _thread_replies(desk, "CLUSTRE", parent)
    assert len(replies) == 1 and "still has no first response" in replies[0]
    desk.run_jobs(at=T0 + timedelta(hours=3, minutes=30))
    assert len(_thread_replies(desk, "CLUSTRE", parent)) == 1

    assert desk.fake.messages("U2") == []
    desk.run_jobs(at=T0 + timedelta(hours=4, minutes=1))
    dms = desk.fake.messages("U2")  # Whamcloud's escalation contact
    assert len(dms) == 1 and "Escalation: issue #1" in all_text(dms[0])
    replies = _thread_replies(desk, "CLUSTRE", parent)
    assert len(replies) == 2 and "missed its first-response deadline" in replies[1]
    assert "escalated" in all_text(card(desk, "CLUSTRE", 1))

    for hours in (5, 30):
        desk.run_jobs(at=T0 + timedelta(hours=hours))
    assert len(desk.fake.messages("U2")) == 1
    assert len(_thread_replies(desk, "CLUSTRE", parent)) == 2
    assert desk.fake.violations == []


def test_acknowledged_issues_are_not_warned_or_escalated(desk: RunningBot) -> None:
    desk.command("/issue", "file S1 lustre: down")
    desk.clock.advance(timedelta(hours=1))
    desk.command("/issue", "ack 1", user_id="U2")
    desk.run_jobs(at=T0 + timedelta(hours=3, minutes=30))
    desk.run_jobs(at=T0 + timedelta(hours=5))
    assert desk.fake.messages("U2") == []
    desk.deliver()
    assert len(desk.fake.messages("CLUSTRE")) == 1  # the card, no thread replies


def test_an_acknowledged_issue_open_past_its_resolution_deadline_is_escalated_once(
    desk: RunningBot,
) -> None:
    """Acknowledging stops the first-response clock, not the resolution one (S1: 48 h)."""
    desk.command("/issue", "file S1 lustre: down", user_id="U1")
    desk.command("/issue", "file S1 lustre: also down", user_id="U1")
    desk.command("/issue", "file S1 lustre: fixed in time", user_id="U1")
    desk.clock.advance(timedelta(hours=1))
    for n in (1, 2, 3):
        desk.command("/issue", f"ack {n}", user_id="U2")
    desk.command("/issue", "close 3 patched the MDS", user_id="U2")
    # The reporter is asked about #2 at 40 h: its clock stops until they answer.
    desk.clock.set(T0 + timedelta(hours=40))
    desk.command("/issue", "wait 2 which client version?", user_id="U2")
    desk.run_jobs(at=T0 + timedelta(hours=47, minutes=59))
    assert desk.fake.messages("U2") == []
    desk.run_jobs(at=T0 + timedelta(hours=48, minutes=1))
    desk.run_jobs(at=T0 + timedelta(days=6))
    dms = [all_text(m) for m in desk.fake.messages("U2")]
    assert len(dms) == 1, dms
    assert "issue #1" in dms[0] and "still open past its resolution deadline" in dms[0]
    parent = card(desk, "CLUSTRE", 1)["ts"]
    replies = _thread_replies(desk, "CLUSTRE", parent)
    assert len(replies) == 1 and "resolution deadline" in replies[0]
    # The reporter answers #2 on day 6: its deadline moved by the pause (8 h were left).
    desk.clock.set(T0 + timedelta(days=6))
    desk.command("/issue", "reply 2 2.15.4 on every client", user_id="U1")
    desk.run_jobs(at=T0 + timedelta(days=6, hours=7, minutes=59))
    assert len(desk.fake.messages("U2")) == 1
    desk.run_jobs(at=T0 + timedelta(days=6, hours=8, minutes=1))
    dms = [all_text(m) for m in desk.fake.messages("U2")]
    assert len(dms) == 2 and "issue #2" in dms[1], dms
    assert desk.fake.violations == []


def test_late_run_escalates_without_a_stale_warning(desk: RunningBot) -> None:
    desk.command("/issue", "file S1 lustre: down")
    desk.run_jobs(at=T0 + timedelta(hours=6))
    texts = [
        all_text(m)
        for m in desk.fake.messages("CLUSTRE")
        if m.get("thread_ts") and m["ts"] != m["thread_ts"]
    ]
    assert len(texts) == 1 and "Escalation" in texts[0]


def test_best_effort_has_no_clock(desk: RunningBot) -> None:
    desk.command("/issue", "file community scripts: meh", channel_id="C1")
    desk.run_jobs(at=T0 + timedelta(days=30))
    assert len(desk.fake.messages("C1")) == 1  # the card only


def test_weekly_digest_once_per_week(desk: RunningBot) -> None:
    desk.fake.add_channel("CDIG", "wg-digest")
    desk.command("/wg", "settings digest-channel <#CDIG|wg-digest>", user_id="UADMIN")
    desk.command("/issue", "file S2 lustre: one")
    desk.command("/issue", "file lbaas: two")
    desk.command("/issue", "file lbaas: three")
    desk.command("/issue", "close 3")
    desk.run_jobs(at=T0 + timedelta(minutes=5))  # Monday after 09:00 UTC
    desk.run_jobs(at=T0 + timedelta(hours=20))
    digests = desk.fake.messages("CDIG")
    assert len(digests) == 1
    body = all_text(digests[0])
    assert "Whamcloud" in body and "F5 OpenStack Team" in body
    assert "*3*" not in body and "“three”" not in body
    assert "*2* open issue(s)" in body
    desk.run_jobs(at=T0 + timedelta(days=7))
    assert len(desk.fake.messages("CDIG")) == 2
    assert desk.fake.violations == []


def test_no_digest_without_a_channel(desk: RunningBot) -> None:
    desk.command("/issue", "file lustre: one")
    desk.run_jobs(at=T0 + timedelta(days=7))
    posted = desk.fake.messages()
    assert posted  # the issue's card at least
    assert all("Support digest" not in all_text(m) for m in posted)
