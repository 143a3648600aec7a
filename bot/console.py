"""A local console: the same handlers, services and database, with no Slack at all.

Type slash commands (`/wg help`, `/meeting next`) and see what the bot would answer
and post. A line that is not a command is a message said in the current channel
(so `#topic …` works during a meeting). `:as NAME`, `:in CHANNEL`, `:tick` (run the
scheduled jobs now), `:help` and `:quit` steer the console itself.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.app import Bot, build_bot
from bot.commands.base import MessageEvent, Reply
from bot.commands.dispatch import Identity
from bot.config import Settings
from bot.directory import Directory
from bot.grammar import CHANNEL_MENTION, USER_MENTION
from bot.outbox.delivery import CallResult
from bot.render.blocks import plain_text

CONSOLE_TEAM = "TCONSOLE"


def user_id_for(name: str) -> str:
    return "U" + (re.sub(r"[^A-Z0-9]", "", name.upper()) or "LOCAL")[:20]


def channel_id_for(name: str) -> str:
    return "C" + (re.sub(r"[^A-Z0-9]", "", name.lstrip("#").upper()) or "GENERAL")[:20]


_DATE = re.compile(r"<!date\^(\d+)\^[^|>]*\|([^>]*)>")
_LINKS = [
    (re.compile(r"<(https?://[^|>]+)\|([^>]*)>"), r"\2 (\1)"),
    (re.compile(r"<(https?://[^>]+)>"), r"\1"),
]
# What people type in the console, turned into what Slack sends for it.
_TYPED_USER = re.compile(r"(?<![<\w])@([A-Za-z][\w.-]*)")
_TYPED_CHANNEL = re.compile(r"(?<![<\w&])#([A-Za-z][\w-]*)")


def readable(
    text: str,
    *,
    tz: str | None = None,
    users: dict[str, str] | None = None,
    channels: dict[str, str] | None = None,
) -> str:
    """Slack markup as a person reads it: date tokens in the reader's zone, names for ids."""

    def date(m: re.Match[str]) -> str:
        if tz is None:
            return m.group(2)
        local = datetime.fromtimestamp(int(m.group(1)), ZoneInfo(tz))
        return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"

    text = _DATE.sub(date, text)
    text = USER_MENTION.sub(lambda m: "@" + (users or {}).get(m.group(1), m.group(1)), text)
    text = CHANNEL_MENTION.sub(
        lambda m: "#" + (m.group(2) or (channels or {}).get(m.group(1), m.group(1))), text
    )
    for pattern, repl in _LINKS:
        text = pattern.sub(repl, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class ConsoleTransport:
    """Prints what the bot would send to Slack."""

    def __init__(
        self, out: TextIO, channel_names: dict[str, str], readable: Callable[[str], str] = readable
    ) -> None:
        self.out = out
        self.names = channel_names
        self.readable = readable
        self._ts = itertools.count(1)

    def _where(self, channel: str) -> str:
        if channel.startswith(("U", "W")):
            return "DM to " + self.readable(f"<@{channel}>")
        return "#" + self.names.get(channel, channel)

    def call(self, team_id: str, method: str, payload: dict[str, Any]) -> CallResult:
        channel = str(payload.get("channel") or payload.get("user_id") or "")
        body = self.readable(
            plain_text(payload["blocks"]) if payload.get("blocks") else str(payload.get("text", ""))
        )
        if method == "chat.postMessage":
            self._print(f"[bot posts in {self._where(channel)}]", body)
        elif method == "chat.postEphemeral":
            self._print(f"[bot, only to you in {self._where(channel)}]", body)
        elif method == "chat.update":
            self._print(f"[bot edits its message in {self._where(channel)}]", body)
        elif method == "reactions.add":
            self.out.write(f"[bot reacts :{payload.get('name')}:]\n")
        elif method == "files.upload":
            size = len(base64.b64decode(payload.get("content_b64", "")))
            self.out.write(
                f"[bot uploads {payload.get('filename')} ({size} bytes) to {self._where(channel)}]\n"
            )
        elif method == "views.publish":
            pass
        else:
            self.out.write(f"[bot calls {method}]\n")
        self.out.flush()
        return CallResult(ok=True, channel=channel, ts=f"{time.time():.0f}.{next(self._ts):06d}")

    def find_posted(
        self, team_id: str, channel: str, outbox_id: int, since: datetime
    ) -> tuple[str, str] | None:
        return None

    def _print(self, title: str, body: str) -> None:
        self.out.write(f"{title}\n{_indent(body)}\n")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def show_reply(
    reply: Reply, out: TextIO, channel: str, readable: Callable[[str], str] = readable
) -> None:
    if reply.view is not None:
        title = (reply.view.get("title") or {}).get("text", "a form")
        out.write(
            f"[a modal opens: {title}]\n{_indent(readable(plain_text(reply.view.get('blocks', []))))}\n"
        )
        out.write("  (modals need Slack; the one-line form of the command works here)\n")
        return
    body = readable(plain_text(reply.blocks) if reply.blocks else reply.text)
    where = f"in #{channel} for everyone" if reply.public else "only you see this"
    out.write(f"[{where}]\n{_indent(body)}\n")


class Console:
    def __init__(
        self, settings: Settings, *, user: str, channel: str, tz: str, out: TextIO = sys.stdout
    ) -> None:
        self.out = out
        self.user = user
        self.channel = channel.lstrip("#")
        self.tz = tz
        self.names: dict[str, str] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self._remember_user(user)
        self._remember_channel(self.channel)
        self.bot: Bot = build_bot(
            settings,
            transport=ConsoleTransport(out, self.names, self.readable),
            directory=self._directory(),
            with_slack=False,
        )
        self._seq = itertools.count(1)

    def _directory(self) -> Directory:
        from bot.clock import SystemClock

        return Directory(
            SystemClock(),
            lambda _t, uid: self.users.get(uid),
            lambda _t, _cid: list(self.users),
        )

    def _remember_user(self, name: str) -> str:
        uid = user_id_for(name)
        self.users.setdefault(
            uid, {"name": name, "real_name": name, "tz": self.tz, "is_admin": True}
        )
        return uid

    def _remember_channel(self, name: str) -> str:
        cid = channel_id_for(name)
        self.names[cid] = name
        return cid

    @property
    def identity(self) -> Identity:
        return Identity(
            team_id=CONSOLE_TEAM,
            user_id=user_id_for(self.user),
            channel_id=channel_id_for(self.channel),
            channel_name=self.channel,
            trigger_id=None,
            console=True,
        )

    def handle(self, line: str) -> bool:
        """Handle one input line; False when the console should stop."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
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
            show_reply(reply, self.out, self.channel, self.readable)
        else:
            event = MessageEvent(
                channel_id=channel_id_for(self.channel),
                user_id=user_id_for(self.user),
                text=self._as_slack_sends(line, channels=False),
                ts=f"{time.time():.0f}.{next(self._seq):06d}",
            )
            self.bot.dispatcher.run_message(CONSOLE_TEAM, None, event)
        self.bot.worker.drain()
        self.out.flush()
        return True

    def readable(self, text: str) -> str:
        names = {uid: str(u.get("name") or uid) for uid, u in self.users.items()}
        return readable(text, tz=self.tz, users=names, channels=self.names)

    def _as_slack_sends(self, text: str, *, channels: bool) -> str:
        """@name and #channel as Slack sends them with escaping on: <@U…|name>, <#C…|name>."""

        def user(m: re.Match[str]) -> str:
            uid = self._remember_user(m.group(1))
            return f"<@{uid}|{m.group(1)}>"

        text = _TYPED_USER.sub(user, text)
        if channels:
            text = _TYPED_CHANNEL.sub(
                lambda m: f"<#{self._remember_channel(m.group(1))}|{m.group(1)}>", text
            )
        return text

    def _meta(self, line: str) -> None:
        word, _, arg = line.partition(" ")
        arg = arg.strip()
        if word == ":as" and arg:
            self.user = arg.lstrip("@")
            self._remember_user(self.user)
            self.out.write(f"(you are now @{self.user})\n")
        elif word == ":in" and arg:
            self.channel = arg.lstrip("#")
            self._remember_channel(self.channel)
            self.out.write(f"(you are now in #{self.channel})\n")
        elif word == ":tick":
            self.bot.run_jobs()
        else:
            self.out.write(
                "Console commands: :as NAME (speak as someone else), :in CHANNEL, "
                ":tick (run scheduled jobs now), :quit\n"
            )

    def run(self, lines: Iterable[str], *, interactive: bool) -> None:
        if interactive:
            self.out.write(
                f"wgbot console — you are @{self.user} in #{self.channel} ({self.tz}). "
                "Type /wg help, or :help for console commands, :quit to leave.\n"
            )
            self.bot.start_background(delivery=False, scheduler=True)
        try:
            for line in lines:
                if not self.handle(line):
                    break
        finally:
            self.bot.worker.drain()
            self.bot.stop()


def interactive_lines(prompt: str) -> Iterable[str]:
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history)
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return
        except KeyboardInterrupt:
            print()
            return
