"""The HTML minutes in a real headless browser: content shown, user text never run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI, RunningBot
from tests.harness.rooms import Room

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','yes')\">"


def dump_dom(url: str, profile: Path) -> str:
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.browser
@pytest.mark.skipif(
    not HAVE_CHROMIUM and not IN_CI,
    reason="headless Chromium is not installed (apt-get install chromium, or scripts/ensure-chromium)",
)
def test_html_minutes_in_headless_chromium(running_sqlite: RunningBot, tmp_path: Path) -> None:
    running, room = running_sqlite, Room(running_sqlite)
    room.cmd(f"start Evil {SCRIPT} meeting")
    room.cmd(f"here ACME {IMG}")
    room.say(f"#topic Release {SCRIPT} plan")
    room.say(f"#info a note {IMG} here", user="U2")
    room.say("#agreed ship on <https://example.org/release|the date> & celebrate")
    room.say(f"#action <@U2|bob> check {SCRIPT} quoting")
    room.say("#info not links: javascript:alert(1) data:text/html,x ftp://example.org/f", user="U3")
    room.cmd("end")
    meeting = room.publish()
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    try:
        dom = dump_dom(f"{running.url}/minutes/{meeting.public_id}.html", profile)
        log = dump_dom(f"{running.url}/minutes/{meeting.public_id}/log.html", profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    # The content is there…
    assert "Meeting Minutes" in dom
    assert "A. Attendees" in dom and "ACME" in dom and "alice" in dom
    assert "1.</a> Release" in dom and "Decision:" in dom
    # An http(s) address is a link, shown in full; other schemes stay text.
    link = '<a href="https://example.org/release" rel="nofollow noopener noreferrer">'
    assert f"ship on the date ({link}https://example.org/release</a>) &amp; celebrate" in dom
    assert "javascript:alert(1) data:text/html,x ftp://example.org/f" in dom
    assert 'href="javascript' not in dom and 'href="data' not in dom and 'href="ftp' not in dom
    # The log shows every line, as text, anchored.
    assert 'id="l-1"' in log and "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in log
    assert "<script" not in log.lower() and "<img" not in log.lower()
    assert "check" in dom and "@bob" in dom
    # …as text: nothing users typed became markup, and nothing ran.
    assert "<title>Evil &lt;script&gt;document.title='pwned'&lt;/script&gt; meeting" in dom
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "&lt;img src=x onerror=" in dom
    assert "<script" not in dom.lower()
    assert "<img" not in dom.lower()
    assert 'data-pwned="yes"' not in dom
    assert "<title>pwned</title>" not in dom
