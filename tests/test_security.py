"""Security: signatures, injection through every echoed field, workspace isolation."""

from __future__ import annotations

import json
import re
import time

import pytest

from bot.app import registry
from tests.conftest import RunningBot
from tests.harness.slackclient import sign

FAMILIES = registry().families

EVIL = "<!channel> <!here> <!everyone> <http://evil.example|click me> {{ 1234*5678 }} <script>alert(1)</script>"
# What must never reach Slack unescaped from user text.
FORBIDDEN = [
    re.compile(r"<!channel>"),
    re.compile(r"<!here>"),
    re.compile(r"<!everyone>"),
    re.compile(r"<http://evil"),
    re.compile(r"7006652"),  # {{ 1234*5678 }} evaluated
    re.compile(r"<script>"),
]


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


def _all_subcommands() -> list[tuple[str, str]]:
    return [
        (name, sc.name)
        for name, router in sorted(FAMILIES.items())
        for sc in sorted(
            {s.name: s for s in router.subcommands.values()}.values(), key=lambda s: s.name
        )
    ]


@pytest.mark.parametrize(("family", "sub"), _all_subcommands())
def test_injection_never_pings_links_or_evaluates(
    running_sqlite: RunningBot, family: str, sub: str
) -> None:
    rb = running_sqlite
    acks = []
    for text in (
        f"{sub} {EVIL}",
        f'{sub} "{EVIL}"',
        f"{sub} {EVIL}: {EVIL}",
        f"{sub} <@U1> {EVIL}",
    ):
        resp = rb.command(f"/{family}", text, user_id="UADMIN")
        assert resp.status == 200
        acks.append(resp.text)
    _assert_clean(_outputs(rb, acks), f"/{family} {sub}")


def test_message_capture_escapes_user_text(running_sqlite: RunningBot) -> None:
    rb = running_sqlite
    rb.command("/minutes", "start injection test", user_id="U1")
    for prefix in (
        "#topic",
        "#info",
        "#agreed",
        "#action <@U2>",
        "#link",
        "#idea",
        "#help",
        "#meetingname",
    ):
        rb.sender.message(f"{prefix} {EVIL}", user_id="U1")
    end = rb.command("/minutes", "end", user_id="U1")
    _assert_clean(_outputs(rb, [end.text]), "live meeting capture")


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
    assert "U7" not in running.command("/wg", "admins list").reply_text
    assert "U8" not in running.command("/wg", "admins list").reply_text
