"""Minutes people use, through the signed HTTP path: the action review, links, titles
and dates in the meeting's home zone, the log and the channel's archive pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.minutes.models import ChannelArchive
from bot.services import hooks
from tests.conftest import RunningBot
from tests.harness.rooms import Room, deliver_all

PAGE_PATHS = ("{base}.html", "{base}.md", "{base}/log.html")


def _get(running: RunningBot, url: str) -> str:
    path = url.removeprefix("http://wgbot.test")
    resp = running.sender.get(path)
    assert resp.status == 200, (path, resp.status)
    return resp.text


def _md_row(md: str, number: int) -> str:
    rows = [line for line in md.splitlines() if line.startswith(f"| {number} |")]
    assert len(rows) == 1, (number, rows)
    return rows[0]


def test_action_review_done_overdue_carried_new(running: RunningBot, room: Room) -> None:
    # First meeting (Paris chair): four new items; #4 is closed before publishing.
    room.cmd("start Ops sync")
    room.say("#action <@U2|bob> draft the charter due 2026-11-25")
    room.say("#action <@U3|chie> book the venue", user="U2")
    room.say("#action <@U1|alice> fix the wiki", user="U3")
    room.say("#action <@U2|bob> old one")
    room.cmd("end")
    closed = running.command("/action", "done 4", user_id="U2", channel_id="C1")
    assert "Done" in closed.reply_text
    first = room.publish()
    md1 = _get(running, f"http://wgbot.test/minutes/{first.public_id}.md")
    # Closed before publishing: reviewed as done (and by whom), not as new.
    assert _md_row(md1, 4) == "| 4 | old one | @bob |  | done by @bob, 2026-11-23 |"
    assert _md_row(md1, 1).endswith("| new |") and _md_row(md1, 2).endswith("| new |")

    # Between the meetings, chie (Tokyo) closes #2; #1's due day passes.
    running.advance(timedelta(days=3))
    assert "Done" in running.command("/action", "done 2", user_id="U3").reply_text

    running.advance(timedelta(days=4))  # Monday 2026-11-30
    room.cmd("start Ops sync")
    room.say("#action <@U3|chie> send the notes")
    room.say("#action <@U2|bob> new thing")
    room.cmd("end")
    running.command("/action", "done 5", user_id="U3", channel_id="C1")
    second = room.publish()
    md = _get(running, f"http://wgbot.test/minutes/{second.public_id}.md")
    assert _md_row(md, 2) == "| 2 | book the venue | @chie |  | done by @chie, 2026-11-26 |"
    assert _md_row(md, 5) == "| 5 | send the notes | @chie |  | done by @chie, 2026-11-30 |"
    # Bob's date, with his zone (the meeting's is Paris).
    assert (
        _md_row(md, 1)
        == "| 1 | draft the charter | @bob | 2026-11-25 (America/Los_Angeles) | overdue |"
    )
    assert _md_row(md, 3) == "| 3 | fix the wiki | @alice |  | carried over |"
    assert _md_row(md, 6) == "| 6 | new thing | @bob |  | new |"
    # Done before the last minutes were published: reviewed there, not again here.
    assert "old one" not in md
    # Done, then overdue, carried over, new.
    order = [md.index(f"| {n} | ") for n in (2, 5, 1, 3, 6)]
    assert order == sorted(order)

    text = room.posted_text()
    assert "~#2~ book the venue — <@U3> · _done_ by <@U3>, 2026-11-26" in text
    assert "*#1* draft the charter — <@U2> · due <!date^" in text
    assert "|2026-11-25> · :warning: _overdue_" in text
    assert "*#6* new thing — <@U2> · _new_" in text
    html = _get(running, f"http://wgbot.test/minutes/{second.public_id}.html")
    assert '<span class="status done">done</span> by @chie, 2026-11-26' in html
    assert '<span class="status overdue">overdue</span>' in html


def test_title_file_names_and_header_share_the_home_zone_date(
    running: RunningBot, room: Room
) -> None:
    # 20:30 UTC on Monday the 23rd is already Tuesday the 24th in Tokyo.
    running.clock.set(datetime(2026, 11, 23, 20, 30, tzinfo=UTC))
    started = room.cmd("start", user="U3")
    meeting = room.meeting()
    assert meeting.name == "#general meeting, 2026-11-24" and meeting.tz == "Asia/Tokyo"
    assert "#general meeting, 2026-11-24" in started
    room.say("#topic Budget", user="U3")
    running.advance(timedelta(minutes=2))
    room.say("good evening from Paris", user="U1")  # 21:32 on the 23rd there
    room.say("#info morning in LA", user="U2")  # 12:32 on the 23rd there
    running.advance(timedelta(minutes=40))
    room.cmd("end", user="U3")
    published = room.publish("U3")

    names = sorted(f.filename for f in running.fake.uploaded_files)
    assert names == [
        "minutes-2026-11-24-general-meeting.html",
        "minutes-2026-11-24-general-meeting.md",
    ]
    md = _get(running, f"http://wgbot.test/minutes/{published.public_id}.md")
    html = _get(running, f"http://wgbot.test/minutes/{published.public_id}.html")
    assert md.startswith("# #general meeting, 2026-11-24\n")
    assert "Tuesday 24 November 2026 | 05:30–06:12 Asia/Tokyo (UTC+0900)" in md
    assert "<title>#general meeting, 2026-11-24 – minutes</title>" in html
    assert "Meeting – Meeting Minutes" not in html and "2026-11-23" not in html
    text = room.posted_text()
    assert "#general meeting, 2026-11-24 – minutes" in text
    assert "Tuesday 24 November 2026 · 05:30–06:12 Asia/Tokyo" in text
    log = _get(running, f"http://wgbot.test/minutes/{published.public_id}/log.html")
    assert '>05:32:00</a></span><span class="who">alice</span>' in log  # Tokyo time
    assert "Times in Asia/Tokyo." in log


def test_next_session_comes_from_the_meetings_own_series(
    running: RunningBot, room: Room, scheduled_slot: list[hooks.MeetingSlot]
) -> None:
    now = running.clock.now()

    def slot(series: int, name: str, start: datetime) -> hooks.MeetingSlot:
        return hooks.MeetingSlot(
            series_id=series,
            name=name,
            channel_id="C1",
            start=start,
            end=start + timedelta(hours=1),
            tz="America/Los_Angeles",
            chairs=("U2",),
        )

    scheduled_slot.extend(
        [
            slot(7, "LCOO weekly", now - timedelta(minutes=5)),
            slot(7, "LCOO weekly", now + timedelta(days=7)),
            # Another series in the same channel, sooner: not this meeting's next session.
            slot(8, "Docs team", now + timedelta(days=2)),
            slot(8, "Docs team", now + timedelta(days=4)),
        ]
    )
    room.cmd("start", user="U1")
    assert room.meeting().name == "LCOO weekly"
    room.cmd("end")
    room.publish()
    text = room.posted_text()
    assert "*D. Next session:*" in text
    assert f"<!date^{int((now + timedelta(days=7)).timestamp())}^" in text
    assert "Docs team" not in text

    # A meeting of no series has no next session, though the channel has meetings.
    running.advance(timedelta(hours=2))
    room.cmd("start Ad hoc", user="U3")
    assert room.meeting().series_id is None
    room.cmd("end", user="U3")
    adhoc = room.publish("U3")
    md = _get(running, f"http://wgbot.test/minutes/{adhoc.public_id}.md")
    assert "Next session" not in md and "Docs team" not in md


def test_log_and_archive_pages(running: RunningBot, room: Room) -> None:
    room.cmd("start First sync")
    room.say("#topic Kickoff")
    room.cmd("end")
    first = room.publish()

    running.advance(timedelta(days=7))
    room.cmd("start Second sync")
    room.say("hello from Tokyo", user="U3")
    room.say("#topic Plans")
    room.say("#info see https://example.org/plan?a=1&b=2. Or javascript:alert(1)", user="U2")
    secret = room.say("oops, my password is hunter2", user="U2")
    room.delete(secret, user="U2")
    typo = room.say("a tpyo here", user="U3")
    room.edit(typo, "a typo fixed here", user="U3")
    room.cmd("idea try pairing", user="U2")
    room.cmd("end")
    second = room.publish()

    running.advance(timedelta(days=7))
    room.cmd("start Third sync")  # ended, never published: not in the archive
    room.cmd("end")
    deliver_all(running)

    base = f"/minutes/{second.public_id}"
    for path in (f"{base}.html", f"{base}.md", f"{base}/log.html"):
        resp = running.sender.get(path)
        assert resp.status == 200
        assert resp.header("Cache-Control", "").startswith("private")
        assert resp.header("X-Content-Type-Options") == "nosniff"
        assert "default-src 'none'" in (resp.header("Content-Security-Policy") or "")

    log = running.sender.get(f"{base}/log.html").text
    # Readable on a phone: the viewport follows the device, the layout narrows.
    for page in (log, running.sender.get(f"{base}.html").text):
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert "@media (max-width: 36rem)" in page and "<script" not in page
    lines = re.findall(
        r'<div class="line[^"]*" id="(l-\d+)"><span class="time"><a href="#l-\d+">'
        r'(\d\d:\d\d:\d\d)</a></span><span class="who">([^<]*)</span>'
        r'<span class="text">(.*?)</span></div>',
        log,
    )
    said = [(who, re.sub(r"<[^>]+>", "", text)) for _, _, who, text in lines]
    assert said == [
        ("chie", "hello from Tokyo"),
        ("alice", "#topic Plans"),
        ("bob", "#info see https://example.org/plan?a=1&amp;b=2. Or javascript:alert(1)"),
        ("chie", "a typo fixed here"),
        ("bob", "#idea try pairing"),
    ]
    assert "hunter2" not in log and "tpyo" not in log
    assert all(t == "13:00:00" for _, t, _, _ in lines)  # Paris time of the chair
    assert '<a href="https://example.org/plan?a=1&amp;b=2" rel=' in log
    assert 'href="javascript' not in log

    # The minutes' entries link to the lines of the log that recorded them.
    html = running.sender.get(f"{base}.html").text
    anchors = dict(
        re.findall(r'href="http://wgbot\.test' + base + r'/log\.html#(l-\d+)"[^>]*>([\d.]+)', html)
    )
    texts = {anchor: text for anchor, _, _, text in lines}
    assert texts[next(a for a, n in anchors.items() if n == "1.")].endswith("Plans")
    assert "#info see" in texts[next(a for a, n in anchors.items() if n == "1.1")]
    assert "#idea try pairing" in texts[next(a for a, n in anchors.items() if n == "1.2")]
    md = running.sender.get(f"{base}.md").text
    assert "- 1.1. Link" not in md
    assert "see <https://example.org/plan?a=1&b=2>. Or javascript:alert(1)" in md

    # One archive per channel, at a random address linked from the minutes and Slack.
    archive_url = re.search(r'href="(http://wgbot\.test/minutes/archive/[^"]+)"', html)
    assert archive_url is not None
    assert archive_url.group(1) in room.posted_text()
    first_html = running.sender.get(f"/minutes/{first.public_id}.html").text
    assert archive_url.group(1) in first_html  # the same archive for every meeting
    with running.bot.rt.db.read() as s:
        (row,) = s.query(ChannelArchive).all()
        assert len(row.public_id) >= 24 and "C1" not in row.public_id
    archive = _get(running, archive_url.group(1))
    assert archive.index("Second sync") < archive.index("First sync")
    assert "Third sync" not in archive
    assert f"{second.public_id}/log.html" in archive and "2026-11-30" in archive
    resp = running.sender.get(archive_url.group(1).removeprefix("http://wgbot.test"))
    assert resp.header("Cache-Control", "").startswith("private")
    assert resp.header("X-Content-Type-Options") == "nosniff"
    # Unknown or unpublished: not found.
    assert running.sender.get("/minutes/archive/" + "x" * 24 + ".html").status == 404
    third = room.meeting()
    assert running.sender.get(f"/minutes/{third.public_id}/log.html").status == 404


def test_publish_by_someone_not_a_chair_writes_nothing(running: RunningBot, room: Room) -> None:
    room.cmd("start Guarded")
    room.say("#topic Secrets", user="U1")
    room.say("chatter", user="U2")
    room.cmd("end")
    deliver_all(running)
    before = len(running.fake.messages("C1"))
    resp = running.sender.block_action(
        "minutes_publish", str(room.meeting().id), user_id="U2", channel_id="DU2"
    )
    assert resp.status == 200
    deliver_all(running)
    answer = running.fake.ephemerals[-1]["text"]
    assert "Only a chair of *Guarded* (<@U1>) can publish the minutes." in answer
    edit = running.sender.block_action(
        "minutes_edit", str(room.meeting().id), user_id="U3", channel_id="DU3"
    )
    assert edit.status == 200
    deliver_all(running)
    assert (
        "Only a chair of *Guarded* (<@U1>) can edit the minutes."
        in (running.fake.ephemerals[-1]["text"])
    )
    meeting = room.meeting()
    assert meeting.status == "ended" and meeting.html is None and meeting.log_html is None
    assert len(running.fake.messages("C1")) == before
    assert running.fake.uploaded_files == []
    with running.bot.rt.db.read() as s:
        assert s.query(ChannelArchive).count() == 0
    assert running.sender.get(f"/minutes/{meeting.public_id}/log.html").status == 404
