"""The console: same handlers and database as Slack, readable output, piped input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from bot.console import Console, readable
from bot.migrate import upgrade


def test_piped_console_answers_and_exits(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'c.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--user", "maria", "--tz", "Europe/Paris"],
        input="/wg help\n/wg nonsense\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "only you see this" in out
    assert "/wg help" in out
    assert "has no subcommand `nonsense`" in out
    assert "Traceback" not in out + proc.stderr
    assert (tmp_path / "c.db").exists()


def test_console_rejects_unknown_zone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'c.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--tz", "Mars/Olympus"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--tz" in proc.stderr and "Traceback" not in proc.stderr


def test_console_in_process_uses_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    out = io.StringIO()
    console = Console(Settings(database_url=url), user="maria", channel="swg", tz="UTC", out=out)
    console.run(
        ["/wg admins add <@UJOE>", "/wg admins list", ":as joe", ":in ops"], interactive=False
    )
    text = out.getvalue()
    assert "@UJOE is now a bot admin" in text
    assert "you are now @joe" in text and "you are now in #ops" in text


def test_readable_turns_slack_markup_into_text() -> None:
    assert readable("<!date^1700000000^{date}|Nov 14> &lt;b&gt; <@U1> <https://x.org|site>") == (
        "Nov 14 <b> @U1 site (https://x.org)"
    )


def test_readable_shows_dates_in_the_readers_zone_and_names_for_ids() -> None:
    text = "<!date^1795536000^{date_short_pretty} {time}|2026-11-24 16:00 UTC> <@UMARIA> <#COPS>"
    assert readable(text, tz="Asia/Tokyo", users={"UMARIA": "maria"}, channels={"COPS": "ops"}) == (
        "Wed 2026-11-25 01:00 JST @maria #ops"
    )


def test_a_date_only_token_reads_as_a_date_as_in_slack() -> None:
    # Due dates point at midday; a reader far east must not read "Fri … 21:00 JST".
    text = "due <!date^1796385600^{date_short_pretty}|2026-12-04>"
    assert readable(text, tz="Asia/Tokyo") == "due Fri 2026-12-04"
    assert readable(text, tz="America/Los_Angeles") == "due Fri 2026-12-04"


def test_console_turns_typed_mentions_into_slack_mentions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    out = io.StringIO()
    console = Console(Settings(database_url=url), user="maria", channel="swg", tz="UTC", out=out)
    console.run(["/action add @li write the charter", "/action list"], interactive=False)
    text = out.getvalue()
    assert "Owners: @li" in text and "Created by @maria in #swg" in text


def test_console_clock_words_and_file_names() -> None:
    from datetime import timedelta

    from bot.console.timing import parse_at, parse_duration
    from bot.console.transport import safe_filename

    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("0m") is None and parse_duration("soon") is None
    assert parse_duration("4h later") is None
    at = parse_at("2027-03-14  02:30", "America/Los_Angeles")
    assert at is not None and at.isoformat() == "2027-03-14T02:30:00-08:00"
    assert parse_at("2027-02-30 09:00", "UTC") is None
    assert parse_at("2027-03-01 24:00", "UTC") is None
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("minutes 2026/12 <b>.md") == "12-b-.md"
    assert safe_filename("..") == "file"
