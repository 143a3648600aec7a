"""Make docs/minutes-page.png: a sample meeting held through the real bot, its HTML
minutes shot in headless Chromium.

    .venv/bin/python scripts/screenshot_minutes.py [--out docs/minutes-page.png] [--width 820]

The bot runs in-process against the test suite's fake Slack (as the tests do): two
meetings of one channel, typed as signed Slack events by three people in Paris, Los
Angeles and Tokyo, so the page shows the action review (done, overdue, carried over,
new), links, and entries linked to the log. Needs Chromium (scripts/ensure-chromium).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import FakeClock  # noqa: E402
from bot.migrate import upgrade  # noqa: E402
from tests.conftest import RunningBot, start_bot  # noqa: E402
from tests.harness.fakeslack import FakeSlack  # noqa: E402
from tests.harness.rooms import Room, deliver_all  # noqa: E402

CHANNEL = "C07OPSWG01"
ALICE, BOB, CHIE = "U07ALICE01", "U07BOBBY02", "U07CHIE003"
START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 16:00 in Paris, 07:00 LA, 00:00 Tokyo


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    raise SystemExit("Chromium is not installed: run scripts/ensure-chromium first.")


def _fake_slack() -> FakeSlack:
    fake = FakeSlack()
    fake.start()
    fake.add_user(ALICE, tz="Europe/Paris", name="alice")
    fake.add_user(BOB, tz="America/Los_Angeles", name="bob")
    fake.add_user(CHIE, tz="Asia/Tokyo", name="chie")
    fake.add_channel(CHANNEL, "wg-operators", members=[ALICE, BOB, CHIE])
    return fake


class Channel(Room):
    """The room, its slash commands sent with the channel's name as Slack does."""

    def cmd(self, text: str, user: str = ALICE, command: str = "/minutes") -> str:
        resp = self.running.sender.command(
            command, text, user_id=user, channel_id=self.channel, channel_name="wg-operators"
        )
        assert resp.status == 200, resp.status
        return resp.reply_text


def _meetings(running: RunningBot) -> str:
    """Two weekly meetings; returns the public id of the second one's minutes."""
    room = Channel(running, CHANNEL, "T1")
    room.cmd("start Operators WG weekly", user=ALICE)
    room.say(f"#action <@{BOB}|bob> draft the upgrade checklist due 2026-11-27", user=ALICE)
    room.say(f"#action <@{CHIE}|chie> collect the survey answers", user=ALICE)
    room.say(f"#action <@{ALICE}|alice> book the summit room due 2026-12-15", user=CHIE)
    room.cmd("end", user=ALICE)
    room.publish(ALICE)

    running.advance(timedelta(days=3))
    running.command("/action", "done 2", user_id=CHIE, channel_id=CHANNEL)
    running.advance(timedelta(days=4))

    room.cmd("start Operators WG weekly", user=ALICE)
    room.cmd("here ACME Cloud", user=ALICE)
    room.cmd("here Example Telecom", user=BOB)
    room.cmd("here Kumo Networks", user=CHIE)
    room.say("good morning from Los Angeles", user=BOB)
    running.advance(timedelta(minutes=2))
    room.say("#topic Upgrade checklist", user=ALICE)
    room.say("the draft is at <https://etherpad.example.org/p/upgrades|the etherpad>", user=BOB)
    room.say("#agreed publish the checklist on the wiki before the next release", user=ALICE)
    room.say(f"#action <@{BOB}|bob> move the checklist to the wiki", user=ALICE)
    running.advance(timedelta(minutes=20))
    room.say("#topic Summit session", user=ALICE)
    room.say("#idea a joint session with the telco working group", user=CHIE)
    room.say("#link https://summit.example.org/cfp call for proposals", user=CHIE)
    room.say("#help who can review the abstract?", user=CHIE)
    room.say(f"#action <@{CHIE}|chie> <@{ALICE}|alice> submit the abstract", user=ALICE)
    running.advance(timedelta(minutes=25))
    room.cmd("end", user=ALICE)
    running.command("/action", "done 5", user_id=CHIE, channel_id=CHANNEL)
    running.advance(timedelta(minutes=45))
    published = room.publish(ALICE)
    deliver_all(running)
    return published.public_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "minutes-page.png"))
    parser.add_argument("--width", type=int, default=820)
    parser.add_argument("--height", type=int, default=1200)
    args = parser.parse_args(argv)
    chromium = _chromium()
    with tempfile.TemporaryDirectory(prefix="wgbot-shot-") as tmp:
        db = Path(tmp) / "wgbot.db"
        upgrade(f"sqlite:///{db}")
        fake = _fake_slack()
        running = start_bot(f"sqlite:///{db}", fake, clock=FakeClock(START))
        try:
            public_id = _meetings(running)
            out = Path(args.out).resolve()
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    f"--user-data-dir={Path(tmp) / 'profile'}",
                    f"--window-size={args.width},{args.height}",
                    f"--screenshot={out}",
                    f"{running.url}/minutes/{public_id}.html",
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        finally:
            running.stop()
            fake.stop()
    print(f"{out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
