"""Output hygiene: what people type reaches calendar feeds and HTML pages without stray breaks.

Issue 15: a meeting name with a lone carriage return, a vertical tab or U+2028 reached
the calendar feed raw (an injected DTSTART for readers that split lines on any line
break; a control character that strict clients reject, breaking the whole feed).
Minutes pages and feeds are served `Cache-Control: private` with `nosniff`.
"""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from jinja2 import DictLoader

from bot.render import environment
from bot.textsafe import clean
from tests.conftest import RunningBot
from tests.harness.rooms import Room

BREAKS = "\r\x0b\x0c\x85\u2028\u2029"
# Every C0 and C1 control, DEL, and the separators: none may reach a feed or a page raw.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def test_clean_turns_breaks_into_spaces_and_drops_other_controls() -> None:
    assert clean("a\rb\x0bc\x0cd\x85e\u2028f\u2029g") == "a b c d e f g"
    assert clean("bell\x07 esc\x1b[31m csi\x9b del\x7f nul\x00") == "bell esc[31m csi del nul"
    assert clean("one\ntwo\tthree\r\nfour") == "one\ntwo\tthree\nfour"
    assert clean("one\ntwo\r\nthree", newlines=False) == "one two three"
    assert clean("lone \ud800 surrogate, é ü 日本") == "lone  surrogate, é ü 日本"


def _feed_path(rb: RunningBot) -> str:
    listing = rb.command("/meeting", "list", user_id="U1").reply_text
    found = re.search(r"http://wgbot\.test(/calendar/[A-Za-z0-9_-]+\.ics)", listing)
    assert found, listing
    return found.group(1)


@pytest.mark.parametrize("brk", ["\r", "\x0b", "\u2028", "\x85", "\x0c"])
def test_a_break_in_a_meeting_name_cannot_inject_a_property(
    running_sqlite: RunningBot, brk: str
) -> None:
    rb = running_sqlite
    name = f"SWG{brk}DTSTART:19700101T000000Z{brk}X\x1b"
    answer = rb.command(
        "/meeting", f'schedule "{name}" every tuesday at 16:00 Europe/Paris', user_id="U1"
    ).reply_text
    assert "Scheduled" in answer, answer
    rb.command("/meeting", 'schedule "Ops" every wednesday at 9am Asia/Tokyo', user_id="U3")
    resp = rb.sender.get(_feed_path(rb))
    assert resp.status == 200
    body = resp.body.decode("utf-8")
    # Read the way the loosest reader reads it: every Unicode line break ends a line.
    for line in body.splitlines():
        assert not line.startswith("DTSTART:1970"), line
    # Only CRLF ends a line; nothing else a strict reader refuses is left.
    assert FORBIDDEN.search(body.replace("\r\n", "")) is None
    cal = Calendar.from_ical(resp.body)
    summaries = sorted(str(ev["SUMMARY"]) for ev in cal.walk("VEVENT"))
    assert summaries == ["Ops", "SWG DTSTART:19700101T000000Z X"]
    assert all(len(ev["DTSTART"].to_ical()) > 8 for ev in cal.walk("VEVENT"))
    assert FORBIDDEN.search(str(cal["X-WR-CALNAME"])) is None


def test_feed_and_minutes_are_private_and_nosniff(running: RunningBot) -> None:
    running.command("/meeting", 'schedule "SWG" every tuesday at 16:00 UTC', user_id="U1")
    feed = running.sender.get(_feed_path(running))
    assert feed.status == 200
    room = Room(running)
    room.cmd("start Hygiene")
    room.say("#topic Budget")
    room.cmd("end")
    published = room.publish("U1")
    pages = [
        feed,
        running.sender.get(f"/minutes/{published.public_id}.html"),
        running.sender.get(f"/minutes/{published.public_id}.md"),
        running.sender.get(f"/minutes/{published.public_id}/log.html"),
    ]
    for page in pages:
        assert page.status == 200
        cache = (page.header("Cache-Control") or "").lower()
        assert "private" in cache and "public" not in cache, cache
        assert page.header("X-Content-Type-Options") == "nosniff"


def test_html_minutes_carry_no_control_characters(running_sqlite: RunningBot) -> None:
    room = Room(running_sqlite)
    room.cmd("start Board\u2028meeting\x1b[2J")
    room.say("#topic Budget\x07 review\x9b", user="U1")
    room.say("#info see\x0cnotes\u2029here\x1b", user="U2")
    room.cmd("end")
    published = room.publish("U1")
    html = running_sqlite.sender.get(f"/minutes/{published.public_id}.html")
    assert html.status == 200
    assert FORBIDDEN.search(html.text.replace("\r\n", "\n")) is None
    assert "Board meeting[2J" in html.text
    assert "Budget review" in html.text
    assert "see notes here" in html.text
    # The Slack text keeps what Slack shows (its escaping), newlines included.
    assert "Budget" in room.posted_text()


def test_only_html_templates_are_cleaned() -> None:
    # The bot's environment, with its finalize and autoescape rules, on two tiny templates.
    env = environment().overlay(
        loader=DictLoader({"t.slack.j2": "{{ v }}", "t.md.j2": "{{ v }}", "t.html.j2": "{{ v }}"})
    )
    value = "a\u2028b\nc\x1bd"
    assert env.get_template("t.html.j2").render(v=value) == "a b\ncd"
    # Slack mrkdwn and Markdown keep their layout: newlines are theirs.
    assert env.get_template("t.slack.j2").render(v=value) == value
    assert env.get_template("t.md.j2").render(v=value) == value
