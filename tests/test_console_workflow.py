"""The console alone does what Slack does: buttons, forms, the clock, files and pages."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.console import Console
from bot.meetings.models import MeetingSeries
from bot.migrate import upgrade
from bot.minutes.models import Meeting
from bot.support.models import SupportIssue


def run_console(
    tmp_path: Path,
    lines: list[str],
    *,
    user: str = "maria",
    tz: str = "Europe/Paris",
    start: datetime | None = None,
) -> tuple[str, Console]:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    out = io.StringIO()
    console = Console(
        Settings(database_url=url),
        user=user,
        channel="swg",
        tz=tz,
        out=out,
        clock=FakeClock(start or datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),
        files_dir=tmp_path / "files",
    )
    console.run(lines, interactive=False)
    return out.getvalue(), console


def meetings(console: Console) -> list[Meeting]:
    with console.bot.rt.db.read() as s:
        rows = s.query(Meeting).order_by(Meeting.id).all()
        s.expunge_all()
        return rows


def test_a_whole_meeting_from_start_to_published_minutes_in_the_console(tmp_path: Path) -> None:
    out, console = run_console(
        tmp_path,
        [
            "/minutes start Weekly sync",
            ":as li Asia/Tokyo",
            "hello everyone",
            "/minutes here NTT",
            ":as maria",
            "#topic Release plan",
            "#agreed ship on friday",
            "#topic Typo topci",
            ":as li",
            "#info the notes are on the wiki",
            "#action @li write the release notes due 2026-12-20",
            ":as maria",
            "/minutes end",
            # Li does not chair: the draft's button and the command are refused.
            ":as li",
            ":click Publish",
            "/minutes publish",
            "/minutes edit",
            ":as maria",
            ":click Edit",
        ],
    )
    (meeting,) = meetings(console)
    assert meeting.status == "ended"
    assert out.count("Only a chair of *Weekly sync* (@maria) can publish the minutes") == 2
    assert "Only a chair of *Weekly sync* (@maria) can edit the minutes" in out
    # The draft came to maria with numbered buttons.
    draft = out[out.index("[bot posts in DM to @maria]") :]
    assert "[1 Edit]  [2 Publish]" in draft
    # The edit form: its field with what it holds, then (the input ended) closed unsent.
    assert "[a form opens: Edit the minutes]" in out
    assert re.search(r"\[\d+\] #topic Typo topci", out)
    assert out.rstrip().endswith("(form closed; nothing was sent)")

    form = out[out.index("[a form opens") :]
    items = re.findall(r"^    (\[\d+\] #.*)$", form, re.M)
    assert len(items) == 5 and items[3].endswith("#info the notes are on the wiki")
    fixed = [item.replace("Typo topci", "Typo topic") for item in items]
    out, console = run_console(
        tmp_path,
        [":click Edit", "/minutes draft", ":click Edit", *fixed, ".", ":click 9", ":click Publish"],
        start=datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
    )
    # A new console has shown no buttons yet; /minutes draft shows them again.
    assert out.startswith(":warning: No buttons were shown")
    assert "Saved: 1 changed, 0 removed, 0 added." in out
    assert ":warning: There is no button 9; the buttons are [1 Edit]  [2 Publish]." in out
    (meeting,) = meetings(console)
    assert meeting.status == "published"
    posted = out[out.index("[bot posts in #swg]") :]
    assert "*1. Release plan*" in posted and "*2. Typo topic*" in posted
    assert "*Decision:* ship on friday" in posted
    assert "write the release notes — @li" in posted
    # The uploads are in the files folder, where the console says.
    files = tmp_path / "files"
    for ext in ("md", "html"):
        (saved,) = files.glob(f"minutes-*-weekly-sync.{ext}")
        assert f"saved as {saved}" in out
    assert "### 2. Typo topic" in (next(files.glob("minutes-*.md"))).read_text()

    # The published pages, fetched from the bot itself.
    url = re.search(r"http://localhost:3000/minutes/[\w-]+\.md", out)
    assert url is not None
    out, console = run_console(
        tmp_path,
        [f":open {url.group(0)}", f":open {url.group(0)[:-3]}.html", ":open /minutes/nope.html"],
    )
    page = files / f"minutes-{meeting.public_id}.md"
    assert f"saved as {page}]" in out
    assert "### 1. Release plan" in page.read_text() and "### 1. Release plan" in out
    html = (files / f"minutes-{meeting.public_id}.html").read_text()
    assert "ship on friday" in html and "Typo topic" in html
    assert ":mag: The bot has no page at /minutes/nope.html." in out

    # The meeting's log and the channel's archive, linked from the minutes, likewise.
    log = re.search(r"http://localhost:3000/minutes/[\w-]+/log\.html", posted)
    archive = re.search(r"http://localhost:3000/minutes/archive/[\w-]+\.html", posted)
    assert log is not None and archive is not None
    out, console = run_console(tmp_path, [f":open {log.group(0)}", f":open {archive.group(0)}"])
    log_file = files / f"minutes-{meeting.public_id}-log.html"
    assert f"saved as {log_file}]" in out
    assert "hello everyone" in log_file.read_text()
    (archive_file,) = files.glob("minutes-archive-*.html")
    assert f"saved as {archive_file}]" in out and "Weekly sync" in archive_file.read_text()


def test_each_reader_sees_times_in_their_own_zone(tmp_path: Path) -> None:
    out, _ = run_console(
        tmp_path,
        [
            ":as ken America/Los_Angeles",
            '/meeting schedule "SWG" every tuesday at 16:00 UTC for 1h remind 1h',
            "/meeting list",
            ":as yuki Asia/Tokyo",
            "/meeting list",
            "/meeting next",
            ":as ken",
        ],
        user="ken",
    )
    ken_list, yuki_list = out.split("[only you see this]")[2:4]
    # The same token, read by each in their zone.
    assert "Tue 2026-12-08 08:00 PST" in ken_list and "JST" not in ken_list
    assert "Wed 2026-12-09 01:00 JST" in yuki_list and "PST" not in yuki_list
    # The bot knows both zones: the next meeting for every member, in each one's zone.
    nxt = out.split("[only you see this]")[4]
    assert "Los Angeles (UTC-08:00): *08:00* — @ken" in nxt
    assert "Tokyo (UTC+09:00): *01:00* Wed 2026-12-09 — @yuki" in nxt
    assert out.rstrip().endswith("(you are now @ken, in America/Los_Angeles)")


def test_advance_fires_reminders_at_their_minute_across_a_dst_change(tmp_path: Path) -> None:
    out, _ = run_console(
        tmp_path,
        [
            '/meeting schedule "SWG" every monday at 9:00 America/Los_Angeles remind 1d,1h',
            ":as yuki Asia/Tokyo",
            ":as ken",
            ":advance 2d",
            ":advance 1h30m",
            ":at 2027-03-15 08:30",
            ":now",
        ],
        user="ken",
        tz="America/Los_Angeles",
        start=datetime(2027, 3, 12, 18, 0, tzinfo=UTC),  # Fri 10:00 PST
    )
    # US clocks went forward on Sun 2027-03-14: the meeting is at 16:00 UTC, not 17:00.
    day_before = out.index("-- Sun 2027-03-14 09:00 PDT --")
    hour_before = out.index("-- Mon 2027-03-15 08:00 PDT --")
    assert day_before < hour_before
    assert "*SWG* starts in 1 day" in out[day_before:hour_before]
    assert "*SWG* starts in 1 hour" in out[hour_before:]
    assert out.count("starts in") == 2  # each reminder once, none early
    assert "(the bot's clock is now Sun 2027-03-14 12:30 PDT)" in out
    assert "(the bot's clock is at Mon 2027-03-15 08:30 PDT)" in out


def test_bad_console_input_is_named_and_changes_nothing(tmp_path: Path) -> None:
    out, console = run_console(
        tmp_path,
        [
            ":click Publish",
            ":at 2026-12-01 09:00",
            ":at next tuesday",
            ":advance soon",
            ":advance 0m",
            ":as li Mars/Olympus",
            '/meeting schedule "SWG" every tuesday at 16:00 UTC',
            '/meeting schedule "Clash" on 2026-12-08 at 16:30 UTC',
            ":click Publish",
            ":now",
        ],
    )
    assert ":warning: No buttons were shown, so there is nothing to click." in out
    assert (
        ":warning: Tue 2026-12-01 09:00 CET is in the past: the bot's clock is at "
        "Wed 2026-12-02 10:00 CET and only moves forward." in out
    )
    assert out.count("Say when as `:at 2027-03-26 09:00`") == 1
    assert out.count("Say how long as `:advance 4h`") == 2
    assert "Unknown time zone `Mars/Olympus`" in out and "you are now @li" not in out
    assert "No button says “Publish”; the buttons are [1 Schedule anyway]." in out
    assert "(the bot's clock is at Wed 2026-12-02 10:00 CET)" in out
    with console.bot.rt.db.read() as s:
        assert [r.name for r in s.query(MeetingSeries)] == ["SWG"]


def test_clash_confirmed_with_the_button_or_by_command(tmp_path: Path) -> None:
    out, console = run_console(
        tmp_path,
        [
            '/meeting schedule "SWG" every tuesday at 16:00 UTC',
            '/meeting schedule "Clash" on 2026-12-08 at 16:30 UTC',
            ":click Schedule anyway",
            '/meeting schedule "Other" on 2026-12-08 at 16:45 UTC anyway',
        ],
    )
    assert "[1 Schedule anyway]" in out
    assert "(you press [Schedule anyway])" in out
    assert "Scheduled *Clash* (#2)" in out and "Scheduled *Other* (#3)" in out
    with console.bot.rt.db.read() as s:
        assert sorted(r.name for r in s.query(MeetingSeries)) == ["Clash", "Other", "SWG"]


def test_a_form_is_asked_field_by_field_and_its_errors_asked_again(tmp_path: Path) -> None:
    out, console = run_console(
        tmp_path,
        [
            "/meeting schedule",
            "Design review",  # name
            "every wednesday",  # repeats
            "25:99",  # time: refused by the form's handler, asked again
            "",  # zone: keeps the shown one (yours)
            "90m",  # duration
            "2026-13-40",  # starting: not a date, asked again at once
            "2026-12-09",
            "",  # channel: this one
            "none",  # reminders
            "",  # agenda
            "",  # join
            "16:00",  # the time again
        ],
    )
    assert "[a form opens: Schedule a meeting]" in out
    assert "* Time zone — Europe/Paris, UTC+5:30, PT, Tokyo …" in out
    assert "  now: Europe/Paris" in out
    assert ":warning: Give the date as YYYY-MM-DD." in out
    assert re.search(r":warning: Time: .*25:99", out)
    assert "(the form stays open: answer again, or :cancel)" in out
    assert "Scheduled *Design review* (#1) in #swg" in out
    with console.bot.rt.db.read() as s:
        (row,) = s.query(MeetingSeries).all()
        assert (row.home_tz, row.duration_minutes, row.reminder_offsets) == (
            "Europe/Paris",
            90,
            [],
        )


def test_piped_console_saves_uploads_in_the_files_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'c.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--user", "maria", "--files", "out/here"],
        input='/meeting schedule "SWG" every tuesday at 16:00 UTC\n/meeting ics SWG\n:files\n',
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    (ics,) = (tmp_path / "out" / "here").glob("*.ics")
    assert "BEGIN:VCALENDAR" in ics.read_text()
    assert f"saved as out/here/{ics.name}]" in proc.stdout
    assert f"saved in {tmp_path / 'out' / 'here'}" in proc.stdout


def test_issue_card_buttons_and_the_assign_form(tmp_path: Path) -> None:
    out, console = run_console(
        tmp_path,
        [
            "/support add product lustre",
            "/issue file S2 lustre: disk full",
            ":click Assign",
            "@joe",
            # The reporter never acknowledges their own issue: joe does.
            ":as joe",
            ":click Acknowledge",
            ":click Close",
        ],
    )
    assert "[1 Acknowledge]  [2 Assign]  [3 Waiting on reporter]  [4 Close]" in out
    assert "[a form opens: Assign issue #1]" in out and "  now: @maria" in out
    assert "Issue #1 is now assigned to @joe." in out
    assert ":eyes: You acknowledged issue #1" in out
    with console.bot.rt.db.read() as s:
        (issue,) = s.query(SupportIssue).all()
        assert (issue.assignee, issue.status) == ("UJOE", "closed")


def test_app_home_in_the_console_is_each_readers_own(tmp_path: Path) -> None:
    out, _ = run_console(
        tmp_path,
        [
            ":as ken America/Los_Angeles",
            '/meeting schedule "SWG" every tuesday at 16:00 UTC for 1h',
            "/action add @ken draft the charter due 2026-12-10",
            ":home",
            ":as yuki Asia/Tokyo",
            "/action add @yuki book the room",
            ":home",
        ],
        user="ken",
    )
    # Each tab: its indented lines, up to the console's next output.
    ken_home, yuki_home = (
        part.split("\n[")[0].split("\n(")[0] for part in out.split("[your App Home]")[1:3]
    )
    # Ken's tab: his meeting at his hour, his item with its due date; not yuki's item.
    assert "Tue 2026-12-08 08:00 PST" in ken_home
    assert "draft the charter" in ken_home and "book the room" not in ken_home
    # Yuki's tab: the same meeting in Tokyo's calendar, and only her item.
    assert "Wed 2026-12-09 01:00 JST" in yuki_home
    assert "book the room" in yuki_home and "draft the charter" not in yuki_home
