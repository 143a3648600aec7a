"""The console itself: reads lines, runs them through the bot, steers its own clock."""

from __future__ import annotations

import contextlib
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.app import Bot, build_bot
from bot.clock import ensure_aware
from bot.commands.base import ActionInfo, MessageEvent, Reply
from bot.commands.dispatch import Identity
from bot.config import Settings
from bot.console.forms import Cancelled, FormFiller, fields_of
from bot.console.text import (
    CONSOLE_TEAM,
    TYPED_CHANNEL,
    TYPED_USER,
    Button,
    blocks_text,
    channel_id_for,
    indent,
    readable,
    user_id_for,
)
from bot.console.timing import (
    MAX_JUMP,
    ConsoleClock,
    SettableClock,
    parse_at,
    parse_duration,
)
from bot.console.transport import ConsoleTransport, safe_filename
from bot.directory import Directory
from bot.errors import UsageError
from bot.jobs import run_task
from bot.meetings.models import MeetingSeries
from bot.models import SlackUser
from bot.timekit.zones import profile_zone

DEFAULT_FILES_DIR = Path("wgbot-console-files")
STEP = timedelta(minutes=1)
# A jump runs each job at most this many times on the way (besides meeting reminders).
STOPS = 120
# Text pages are printed as well as saved; HTML is only saved (open it in a browser).
_PRINTED_PAGES = ("text/plain", "text/markdown", "text/calendar")
_EXTENSIONS = {"text/html": ".html", "text/markdown": ".md", "text/calendar": ".ics"}

HELP = """Console commands:
  :as NAME [ZONE]     speak as NAME (new people get your zone, or ZONE: a city or IANA name)
  :in CHANNEL         move to #CHANNEL
  :click LABEL|N      press a button of the last answer or post (numbered [1 Publish])
  :at YYYY-MM-DD HH:MM  move the bot's clock forward to then (in your zone), running
                      every reminder and job that falls due on the way
  :advance 4h|30m|2d  move the bot's clock forward by that much, likewise
  :now                the bot's time, in your zone
  :tick               run the scheduled jobs now
  :open URL|/path     fetch one of the bot's pages (minutes, log, archive, calendar),
                      save it in the files folder and print where
  :files              where uploads and pages are saved
  :home               open your App Home tab (next meetings, items, issues)
  :quit               leave
In a form: Enter keeps what is shown, `-` empties a field, a multi-line field ends
with a line of only `.`, a choice is picked by number, :cancel closes the form."""


class Console:
    def __init__(
        self,
        settings: Settings,
        *,
        user: str,
        channel: str,
        tz: str,
        out: TextIO = sys.stdout,
        clock: SettableClock | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.out = out
        self.user = user
        self.channel = channel.lstrip("#")
        self.tz = tz
        self.clock: SettableClock = clock or ConsoleClock()
        self.files_dir = files_dir or DEFAULT_FILES_DIR
        self.names: dict[str, str] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.buttons: list[Button] = []
        self._new_answer = True
        self._lines: Iterator[str] = iter(())
        self._echo = True
        self.prompt = ""
        self._last_run: dict[str, datetime] = {}
        self._remember_channel(self.channel)
        self.transport = ConsoleTransport(
            out,
            self.names,
            self._readable_for,
            files_dir=self.files_dir,
            on_button=self._shown,
        )
        self.bot: Bot = build_bot(
            settings,
            clock=self.clock,
            transport=self.transport,
            directory=Directory(
                self.clock,
                lambda _t, uid: self.users.get(uid),
                lambda _t, _cid: list(self.users),
            ),
            with_slack=False,
        )
        self._seq = itertools.count(1)
        self._recall_people()
        me = self._remember_user(user)
        if self.users[me].get("tz") != tz:
            # --tz is your zone now, also for a person an earlier session knew.
            self.users[me]["tz"] = tz
            self.bot.dispatcher.user_changed(CONSOLE_TEAM, me, self.users[me])
        self._set_prompt()

    # -- people, channels and how they read ---------------------------------------------

    def _recall_people(self) -> None:
        """The people of earlier console sessions on this database, with their zones."""
        with self.bot.rt.db.read() as session:
            rows = session.scalars(select(SlackUser).where(SlackUser.team_id == CONSOLE_TEAM))
            for row in rows:
                self.users.setdefault(
                    row.user_id,
                    {
                        "name": row.name,
                        "real_name": row.real_name or row.name,
                        "tz": row.tz or self.tz,
                        "is_admin": True,
                    },
                )

    def _remember_user(self, name: str) -> str:
        uid = user_id_for(name)
        if uid not in self.users:
            self.users[uid] = {"name": name, "real_name": name, "tz": self.tz, "is_admin": True}
            # Every console person is in every channel: a newcomer joins those known.
            if hasattr(self, "bot"):
                with self.bot.rt.db.write() as session:
                    for cid in self.names:
                        self.bot.rt.directory.member_joined(session, CONSOLE_TEAM, cid, uid)
        return uid

    def _remember_channel(self, name: str) -> str:
        cid = channel_id_for(name)
        self.names[cid] = name
        return cid

    @property
    def user_id(self) -> str:
        return user_id_for(self.user)

    def zone_of(self, user_id: str | None = None) -> str:
        return str(self.users.get(user_id or self.user_id, {}).get("tz") or self.tz)

    def _readable_for(self, text: str, reader: str | None) -> str:
        names = {uid: str(u.get("name") or uid) for uid, u in self.users.items()}
        return readable(text, tz=self.zone_of(reader), users=names, channels=self.names)

    def readable(self, text: str) -> str:
        """Slack markup as the current console user reads it."""
        return self._readable_for(text, None)

    def _set_prompt(self) -> None:
        self.prompt = f"{self.user}@#{self.channel}> "

    @property
    def identity(self) -> Identity:
        return Identity(
            team_id=CONSOLE_TEAM,
            user_id=self.user_id,
            channel_id=channel_id_for(self.channel),
            channel_name=self.channel,
            trigger_id=None,
            console=True,
        )

    def _as_slack_sends(self, text: str, *, channels: bool) -> str:
        """@name and #channel as Slack sends them with escaping on: <@U…|name>, <#C…|name>."""

        def user(m: re.Match[str]) -> str:
            uid = self._remember_user(m.group(1))
            return f"<@{uid}|{m.group(1)}>"

        text = TYPED_USER.sub(user, text)
        if channels:
            text = TYPED_CHANNEL.sub(
                lambda m: f"<#{self._remember_channel(m.group(1))}|{m.group(1)}>", text
            )
        return text

    # -- buttons --------------------------------------------------------------------------

    def _shown(self, button: Button) -> int:
        """Number a printed button; the first of a new answer replaces the old ones."""
        if self._new_answer:
            self.buttons = []
            self._new_answer = False
        self.buttons.append(button)
        return len(self.buttons)

    def show_reply(self, reply: Reply) -> None:
        if reply.view is not None:
            self._fill(reply.view)
            return
        channel_id = channel_id_for(self.channel)
        if reply.blocks:

            def press(element: dict[str, Any]) -> int:
                seen_by = None if reply.public else self.user_id
                return self._shown(Button.of(element, channel_id, None, seen_by))

            body = self.readable(blocks_text(reply.blocks, press))
        else:
            body = self.readable(reply.text)
        where = f"in #{self.channel} for everyone" if reply.public else "only you see this"
        self.out.write(f"[{where}]\n{indent(body)}\n")

    def click(self, arg: str) -> None:
        button = self._find_button(arg)
        if button is None:
            return
        self.out.write(f"(you press [{button.label}])\n")
        info = ActionInfo(
            action_id=button.action_id,
            value=button.value,
            channel_id=button.channel_id,
            message_ts=button.message_ts,
        )
        where = button.channel_id if button.channel_id[:1] in ("C", "G") else ""
        who = Identity(
            team_id=CONSOLE_TEAM,
            user_id=self.user_id,
            channel_id=where,
            channel_name=self.names.get(where, ""),
            console=True,
        )
        reply = self.bot.dispatcher.run_action(info, who)
        # Any other answer reaches you through the outbox, as in Slack.
        if reply is not None and reply.view is not None:
            self._fill(reply.view)

    def _find_button(self, arg: str) -> Button | None:
        shown = "  ".join(f"[{i} {b.label}]" for i, b in enumerate(self.buttons, start=1))
        if not self.buttons:
            self.out.write(":warning: No buttons were shown, so there is nothing to click.\n")
            return None
        if arg.isdigit():
            if 1 <= int(arg) <= len(self.buttons):
                return self.buttons[int(arg) - 1]
            self.out.write(f":warning: There is no button {arg}; the buttons are {shown}.\n")
            return None
        label = arg.strip().strip("[]").lower()
        matching = [b for b in self.buttons if b.label.lower() == label]
        # A button in someone else's direct message is theirs: yours first.
        mine = [b for b in matching if b.seen_by in (None, self.user_id)] or matching
        if len(mine) == 1:
            return mine[0]
        if not mine:
            self.out.write(
                f":warning: No button says “{arg.strip()}”; the buttons are {shown}. "
                "Click one by its label or number.\n"
            )
            return None
        numbers = ", ".join(str(self.buttons.index(b) + 1) for b in mine)
        self.out.write(
            f":warning: Several buttons say “{arg.strip()}” ({numbers}); click one by number.\n"
        )
        return None

    # -- forms ------------------------------------------------------------------------------

    def read_line(self, prompt: str) -> str | None:
        """The next input line (a form's answer); None when the input has ended."""
        self.prompt = prompt
        try:
            line = next(self._lines)
        except StopIteration:
            return None
        finally:
            self._set_prompt()
        if self._echo:
            self.out.write(f"{prompt}{line.rstrip()}\n")
        return line

    def _fill(self, view: dict[str, Any]) -> None:
        """Ask for every field of a modal, submit it, and ask again what it refuses."""
        filler = FormFiller(
            self.out,
            self.read_line,
            user_id=self._remember_user,
            channel_id=self._remember_channel,
            readable=self.readable,
        )
        fields = fields_of(view, channel_id_for(self.channel))
        filler.show(view, fields)
        values: dict[str, Any] = {}
        pending = fields
        try:
            while True:
                filler.ask_all(pending, values)
                self.out.flush()
                who = Identity(team_id=CONSOLE_TEAM, user_id=self.user_id, console=True)
                result = self.bot.dispatcher.run_view(
                    str(view.get("callback_id", "")),
                    values,
                    str(view.get("private_metadata", "")),
                    who,
                )
                if result.update_view is not None:
                    view = result.update_view
                    fields = fields_of(view, channel_id_for(self.channel))
                    filler.show(view, fields)
                    values, pending = {}, fields
                    continue
                if not result.errors:
                    return
                labels = {f.block_id: f.label for f in fields}
                for block_id, message in result.errors.items():
                    name = labels.get(block_id, block_id)
                    self.out.write(f":warning: {name}: {self.readable(message)}\n")
                pending = [f for f in fields if f.block_id in result.errors] or fields
                self.out.write("(the form stays open: answer again, or :cancel)\n")
        except Cancelled:
            self.out.write("(form closed; nothing was sent)\n")

    # -- the clock --------------------------------------------------------------------------

    def _local(self, when: datetime) -> str:
        local = when.astimezone(ZoneInfo(self.zone_of()))
        return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"

    def move_clock(self, target: datetime) -> None:
        """Move the clock to `target`, running on the way what falls due (see `_next_stop`)."""
        now = self.clock.now()
        if target <= now:
            self.out.write(
                f":warning: {self._local(target)} is in the past: the bot's clock is at "
                f"{self._local(now)} and only moves forward.\n"
            )
            return
        if target - now > MAX_JUMP:
            self.out.write(
                f":warning: That is more than {MAX_JUMP.days} days ahead; move the clock "
                "in smaller steps.\n"
            )
            return
        # Jobs run on a grid of at most STOPS steps (each minute on short jumps), and at
        # the exact minute of every meeting reminder, so that "starts in 1 hour" is true.
        grid = max(STEP, (target - now) / STOPS)
        when, next_grid = now, now + grid
        while when < target:
            stops = [target, next_grid, self._next_meeting_reminder()]
            when = min(s for s in stops if s is not None and s > when)
            while next_grid <= when:
                next_grid += grid
            self._run_due(when, grid)
        self.transport.stamp = None
        self.out.write(f"(the bot's clock is now {self._local(target)})\n")

    def _next_meeting_reminder(self) -> datetime | None:
        with self.bot.rt.db.read() as session:
            found = session.scalar(
                select(func.min(MeetingSeries.next_reminder_at)).where(
                    MeetingSeries.cancelled_at.is_(None)
                )
            )
        return ensure_aware(found) if found is not None else None

    def _run_due(self, when: datetime, grid: timedelta = STEP) -> None:
        """Run at `when` each job whose time has come, as the scheduler would."""
        self.clock.set(when)
        self.transport.stamp = f"-- {self._local(when)} --"
        done = 0
        for task in self.bot.registry.tasks.values():
            last = self._last_run.get(task.name)
            every = max(timedelta(seconds=task.every), grid)
            if last is None or when - last >= every or task.every < STEP.total_seconds():
                done += run_task(self.bot.rt, task, when)
                self._last_run[task.name] = when
        if done:
            self.bot.worker.drain()

    # -- pages ------------------------------------------------------------------------------

    def open_page(self, target: str) -> None:
        parts = urlsplit(target)
        path = parts.path if (parts.scheme in ("http", "https") or target.startswith("/")) else ""
        if not path:
            self.out.write(":warning: Give one of the bot's links, or a path like /minutes/….\n")
            return
        found = self.bot.registry.pages.find(path)
        page = found[0](self.bot.rt, found[1]) if found else None
        if page is None or page.status != 200:
            self.out.write(f":mag: The bot has no page at {path}.\n")
            return
        kind = page.content_type.split(";")[0].strip()
        name = safe_filename(path.strip("/").replace("/", "-"))
        extension = _EXTENSIONS.get(kind, ".txt")
        if not name.endswith(extension):
            name += extension
        self.files_dir.mkdir(parents=True, exist_ok=True)
        saved = self.files_dir / name
        saved.write_bytes(page.body)
        self.out.write(f"[page {path} ({kind}, {len(page.body)} bytes) saved as {saved}]\n")
        if kind in _PRINTED_PAGES:
            self.out.write(indent(page.body.decode("utf-8", "replace")) + "\n")

    # -- lines ------------------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Handle one input line; False when the console should stop."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        self._new_answer = True
        if line.startswith(":"):
            self._meta(line)
        elif line.startswith("/"):
            command, _, text = line[1:].partition(" ")
            text = self._as_slack_sends(text, channels=True)
            dispatcher = self.bot.dispatcher
            reply = (
                dispatcher.run_wg(text, self.identity)
                if command == "wg"
                else dispatcher.run_command(command.lower(), text, self.identity)
            )
            self.show_reply(reply)
        else:
            event = MessageEvent(
                channel_id=channel_id_for(self.channel),
                user_id=self.user_id,
                text=self._as_slack_sends(line, channels=False),
                ts=f"{time.time():.0f}.{next(self._seq):06d}",
            )
            self.bot.dispatcher.run_message(CONSOLE_TEAM, None, event)
        self.bot.worker.drain()
        self.out.flush()
        return True

    def _meta(self, line: str) -> None:
        word, _, arg = line.partition(" ")
        arg = arg.strip()
        if word == ":as" and arg:
            self._become(arg)
        elif word == ":in" and arg:
            self.channel = arg.lstrip("#")
            self._remember_channel(self.channel)
            self._set_prompt()
            self.out.write(f"(you are now in #{self.channel})\n")
        elif word == ":click" and arg:
            self.click(arg)
        elif word == ":at" and arg:
            when = parse_at(arg, self.zone_of())
            if when is None:
                self.out.write(":warning: Say when as `:at 2027-03-26 09:00` (in your zone).\n")
            else:
                self.move_clock(when)
        elif word == ":advance" and arg:
            delta = parse_duration(arg)
            if delta is None:
                self.out.write(":warning: Say how long as `:advance 4h`, `30m`, `2d` or `1h30m`.\n")
            else:
                self.move_clock(self.clock.now() + delta)
        elif word == ":now":
            self.out.write(f"(the bot's clock is at {self._local(self.clock.now())})\n")
        elif word == ":tick":
            self.bot.run_jobs(self.clock.now())
        elif word == ":open" and arg:
            self.open_page(arg)
        elif word == ":home":
            self.open_home()
        elif word == ":files":
            self.out.write(f"(uploads and pages are saved in {self.files_dir.resolve()})\n")
        else:
            self.out.write(HELP + "\n")

    def open_home(self) -> None:
        """What Slack's app_home_opened does: publish the tab, then show it."""
        self.transport.show_home_of = self.user_id
        self.bot.dispatcher.publish_home(
            Identity(team_id=CONSOLE_TEAM, user_id=self.user_id, channel_id="", console=True)
        )
        self.bot.worker.drain()
        if self.transport.show_home_of is not None:
            self.transport.show_home_of = None
            self.out.write(":warning: The App Home could not be shown.\n")

    def _become(self, arg: str) -> None:
        words = arg.split()
        name = words[0].lstrip("@")
        zone = None
        if len(words) > 1:
            # The same resolver as every command: `:as ana São Paulo` stores America/Sao_Paulo.
            try:
                zone = profile_zone(" ".join(words[1:]))
            except UsageError as e:
                self.out.write(f":warning: {e.message}\n")
                return
        self.user = name
        uid = self._remember_user(name)
        if zone is not None and self.users[uid].get("tz") != zone:
            self.users[uid]["tz"] = zone
            # As Slack's user_change event would: the bot learns the new zone.
            self.bot.dispatcher.user_changed(CONSOLE_TEAM, uid, self.users[uid])
        self._set_prompt()
        self.out.write(f"(you are now @{self.user}, in {self.zone_of()})\n")

    def run(self, lines: Iterable[str], *, interactive: bool) -> None:
        self._lines = iter(lines)
        # A typed answer is on the screen already; a piped one is echoed after its prompt.
        self._echo = not interactive
        if interactive:
            self.out.write(
                f"wgbot console — you are @{self.user} in #{self.channel} ({self.tz}). "
                "Type /wg help, or :help for console commands, :quit to leave.\n"
            )
            self.bot.start_background(delivery=False, scheduler=True)
        try:
            for line in self._lines:
                if not self.handle(line):
                    break
        finally:
            self.bot.worker.drain()
            self.bot.stop()


def interactive_lines(prompt: str | Callable[[], str]) -> Iterator[str]:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history)
    while True:
        try:
            yield input(prompt() if callable(prompt) else prompt)
        except EOFError:
            return
        except KeyboardInterrupt:
            print()
            return
