"""Security: signatures, and injection through every echoed field.

The injection tests speak as a plain member (not a Slack admin, not a bot admin) and
use commands that succeed and echo what was typed: each asserts the success, that the
echo is the escaped form (`&lt;!channel&gt;`, never a live `<!channel>`), and that
nothing sent to Slack pings, links or evaluates. The sweep over every subcommand is a
net for the answers that refuse.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest

from bot.app import registry
from bot.minutes.models import MeetingItem
from tests.conftest import RunningBot
from tests.harness.rooms import Room, deliver_all, dm_texts, new_ts
from tests.harness.slackclient import Response, _collect_text, sign

FAMILIES = registry().families

MEMBER = "U0MEMBER1"  # a plain member: no Slack admin, no bot admin
CHANNEL = "C0123ABCD"
TRIAGE = "C0TRIAGE1"

EVIL = "<!channel> <!here> <!everyone> <http://evil.example|click me> {{ 1234*5678 }} <script>alert(1)</script>"
# Short enough for a meeting series' or a product's name (80 characters), without quotes.
EVIL_NAME = "<!channel> <!here> <!everyone> {{ 1234*5678 }} <script>x</script>"
# What must never reach Slack unescaped from user text.
FORBIDDEN = [
    re.compile(r"<!channel>"),
    re.compile(r"<!here>"),
    re.compile(r"<!everyone>"),
    re.compile(r"<http://evil"),
    re.compile(r"7006652"),  # {{ 1234*5678 }} evaluated
    re.compile(r"<script>"),
]
CRASHED = "Something went wrong on our side"


def _outputs(rb: RunningBot, ack_bodies: list[str]) -> list[str]:
    rb.deliver()
    texts = list(ack_bodies)
    for call in rb.fake.calls:
        texts.append(json.dumps(call.params, ensure_ascii=False))
    return texts


def _assert_clean(texts: list[str], context: str) -> None:
    for text in texts:
        # JSON-encoded bodies escape nothing relevant; check the raw string.
        for pattern in FORBIDDEN:
            assert not pattern.search(text), f"{context}: {pattern.pattern} in {text[:400]}"


def _assert_escaped_echo(text: str, context: str, *, evil: str = EVIL) -> None:
    """`text` echoes `evil`: every piece of it is there, escaped, and none is live."""
    for mention in ("channel", "here", "everyone"):
        assert f"&lt;!{mention}&gt;" in text, f"{context}: no escaped <!{mention}> in {text[:600]}"
    assert "&lt;script&gt;" in text, f"{context}: {text[:600]}"
    assert "{{ 1234*5678 }}" in text, f"{context}: the template syntax is not shown as typed"
    if "evil.example" in evil:
        # A typed link is shown with its address (item text), or escaped whole (names).
        shown = ("click me (http://evil.example)", "&lt;http://evil.example|click me&gt;")
        assert any(form in text for form in shown), f"{context}: {text[:600]}"
    _assert_clean([text], context)


def _shown(message: dict[str, object]) -> str:
    """A message's text and every text of its blocks."""
    parts = [str(message.get("text", ""))]
    _collect_text(message.get("blocks"), parts)
    return "\n".join(parts)


@pytest.fixture
def member(running_sqlite: RunningBot) -> RunningBot:
    """A bot whose CHANNEL has MEMBER in it: a plain member, refused what admins may do."""
    rb = running_sqlite
    rb.fake.add_user(MEMBER, tz="Europe/Paris", name="sam")
    rb.fake.add_channel(CHANNEL, "wg-security", members=[MEMBER, "U1"])
    refused = rb.command("/wg", "admins add <@U2>", user_id=MEMBER, channel_id=CHANNEL)
    assert refused.reply_text.startswith(":no_entry:"), refused.reply_text
    return rb


def _as_member(rb: RunningBot, command: str, text: str, acks: list[str]) -> str:
    resp = rb.command(command, text, user_id=MEMBER, channel_id=CHANNEL, channel_name="wg-security")
    assert resp.status == 200 and CRASHED not in resp.reply_text, resp.text[:300]
    acks.append(resp.text)
    return resp.reply_text


def test_action_items_echo_escaped_text(member: RunningBot) -> None:
    rb, acks = member, list[str]()
    added = _as_member(rb, "/action", f"add {EVIL} by friday", acks)
    assert added.startswith("Recorded: *Action item #1*"), added
    _assert_escaped_echo(added, "/action add")
    for sub in ("show 1", "list", "list all"):
        shown = _as_member(rb, "/action", sub, acks)
        assert "#1" in shown, (sub, shown)
        _assert_escaped_echo(shown, f"/action {sub}")
    _assert_clean(_outputs(rb, acks), "/action")


def test_a_live_meeting_echoes_escaped_text_to_the_end(member: RunningBot) -> None:
    rb, acks = member, list[str]()
    started = _as_member(rb, "/minutes", f"start {EVIL}", acks)
    assert "has started. Chairs: <@U0MEMBER1>." in started, started
    _assert_escaped_echo(started, "/minutes start")
    said = {}
    items = ("#topic", "#info", "#action <@U0MEMBER1>", "#link", "#idea", "#help", "#agreed")
    for prefix in (*items, "#meetingname"):
        ts = new_ts()
        sent = rb.sender.message(f"{prefix} {EVIL}", user_id=MEMBER, channel_id=CHANNEL, ts=ts)
        assert (sent.status, sent.body) == (200, b"")
        said[ts] = prefix
    rb.deliver()
    for ts, prefix in said.items():
        assert rb.fake.reactions(CHANNEL, ts) == ["white_check_mark"], prefix  # recorded
    with rb.bot.rt.db.read() as s:
        stored = [(i.kind, i.text) for i in s.query(MeetingItem).order_by(MeetingItem.position)]
    # Stored as Slack sent it; escaped when shown.
    assert stored[0] == ("topic", EVIL) and len(stored) == len(items), stored
    status = _as_member(rb, "/minutes", "status", acks)
    _assert_escaped_echo(status, "/minutes status")
    ended = _as_member(rb, "/minutes", "end", acks)
    assert "has ended" in ended, ended
    deliver_all(rb)
    [draft] = [t for t in dm_texts(rb, MEMBER) if "Draft minutes" in t]
    _assert_escaped_echo(draft, "the draft minutes")
    meeting = Room(rb, CHANNEL).publish(user=MEMBER)
    assert meeting.status == "published"
    posted = [_shown(m) for m in rb.fake.messages(CHANNEL) if "Minutes of" in str(m.get("text"))]
    assert posted, rb.fake.messages(CHANNEL)
    _assert_escaped_echo("\n".join(posted), "the published minutes")
    assert meeting.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in meeting.html
    assert "<script>alert" not in meeting.html
    _assert_clean(_outputs(rb, acks), "live meeting")


def test_filing_an_issue_echoes_escaped_text(member: RunningBot) -> None:
    rb, acks = member, list[str]()
    rb.fake.add_channel(TRIAGE, "lustre-support", members=["U2"])
    # An admin writes the catalog (the product's name is evil too); the member files.
    for text, done in (
        (
            f'add provider Whamcloud role="product team" collaboration=integrated '
            f"channel=<#{TRIAGE}|lustre-support>",
            "Provider *Whamcloud* added",
        ),
        (f"add product {EVIL_NAME} aliases=lustre", "added, also known as “lustre”"),
        ("assign lustre Whamcloud extended", "*Whamcloud* now supports"),
    ):
        resp = rb.command("/support", text, user_id="UADMIN")
        assert done in resp.reply_text, resp.reply_text
        _assert_clean([resp.text], f"/support {text}")
    filed = _as_member(rb, "/issue", f"file S2 lustre: {EVIL}", acks)
    assert filed.startswith(":white_check_mark: Filed *issue #1* (S2)"), filed
    _assert_escaped_echo(filed, "/issue file")
    _assert_escaped_echo(filed, "/issue file (product)", evil=EVIL_NAME)
    commented = _as_member(rb, "/issue", f"comment 1 {EVIL}", acks)
    assert commented.startswith("Comment added to issue #1"), commented
    shown = _as_member(rb, "/issue", "show 1", acks)
    assert "#1" in shown and shown.count("&lt;!channel&gt;") >= 3, shown  # product, title, comment
    _assert_escaped_echo(shown, "/issue show")
    rb.deliver()
    cards = [
        _shown(m) for m in rb.fake.messages(TRIAGE) if m.get("text", "").startswith("Issue #1")
    ]
    assert cards, rb.fake.messages(TRIAGE)
    _assert_escaped_echo(cards[-1], "the issue card")
    _assert_clean(_outputs(rb, acks), "/issue")


def test_scheduling_a_meeting_echoes_the_escaped_name(member: RunningBot) -> None:
    rb, acks = member, list[str]()
    scheduled = _as_member(
        rb, "/meeting", f'schedule "{EVIL_NAME}" every tuesday at 16:00 UTC', acks
    )
    assert scheduled.startswith(":white_check_mark: Scheduled *&lt;!channel&gt;"), scheduled
    _assert_escaped_echo(scheduled, "/meeting schedule", evil=EVIL_NAME)
    for sub in ("list", "list all", "next"):
        shown = _as_member(rb, "/meeting", sub, acks)
        assert "every Tuesday" in shown, (sub, shown)
        _assert_escaped_echo(shown, f"/meeting {sub}", evil=EVIL_NAME)
    # The reminder a day before Tuesday 24 November 16:00 UTC, posted in the channel.
    rb.run_jobs(at=datetime(2026, 11, 23, 16, 0, 30, tzinfo=UTC))
    reminders = [_shown(m) for m in rb.fake.messages(CHANNEL) if "Reminder" in str(m.get("text"))]
    assert len(reminders) == 1, rb.fake.messages(CHANNEL)
    _assert_escaped_echo(reminders[0], "the reminder", evil=EVIL_NAME)
    _assert_clean(_outputs(rb, acks), "/meeting")


def _all_subcommands() -> list[tuple[str, str]]:
    return [
        (name, sc.name)
        for name, router in sorted(FAMILIES.items())
        for sc in sorted(
            {s.name: s for s in router.subcommands.values()}.values(), key=lambda s: s.name
        )
    ]


def _answered(resp: Response) -> bool:
    """A command is answered in its ack, or (a form it opens) with an empty ack."""
    return resp.status == 200 and (resp.body == b"" or bool(resp.reply_text.strip()))


@pytest.mark.parametrize("who", [MEMBER, "UADMIN"])
@pytest.mark.parametrize(("family", "sub"), _all_subcommands())
def test_injection_never_pings_links_or_evaluates(
    member: RunningBot, family: str, sub: str, who: str
) -> None:
    """A net: whatever the subcommand does with it (often refuse), nothing goes out live."""
    rb = member
    acks = []
    for text in (
        f"{sub} {EVIL}",
        f'{sub} "{EVIL}"',
        f"{sub} {EVIL}: {EVIL}",
        f"{sub} <@U1> {EVIL}",
    ):
        resp = rb.command(f"/{family}", text, user_id=who, channel_id=CHANNEL)
        assert _answered(resp) and CRASHED not in resp.reply_text, (text, resp.text[:300])
        acks.append(resp.text)
    _assert_clean(_outputs(rb, acks), f"/{family} {sub}")


def test_signature_checks_change_nothing(running: RunningBot) -> None:
    """Bad signatures: 401 and no state change (a write command is refused whole)."""
    body = b"command=%2Fwg&text=admins+add+%3C%40U7%3E&team_id=T1&user_id=UADMIN&channel_id=C1"
    ct = "application/x-www-form-urlencoded"
    ts = int(time.time())
    attempts = [
        running.sender.post_raw(body, ct, sign=False),
        running.sender.post_raw(body, ct, secret="wrong"),
        running.sender.post_raw(body, ct, timestamp=ts - 301),
        running.sender.post_raw(
            body.replace(b"U7", b"U8"),
            ct,
            timestamp=ts,
            signature=sign(running.sender.signing_secret, ts, body),
        ),
    ]
    assert [r.status for r in attempts] == [401, 401, 401, 401]
    assert [r.json() for r in attempts] == [{"error": "invalid request"}] * 4  # Bolt's answer
    listed = running.command("/wg", "admins list").reply_text
    assert listed.startswith("Bot admins (besides workspace admins and owners): none yet"), listed
