"""What the bot would send to Slack, printed; uploaded files saved in a folder."""

from __future__ import annotations

import base64
import itertools
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.console.text import Button, blocks_text, indent
from bot.outbox.delivery import CallResult

# (text, reader's user id or None for the console's current user) -> what they read.
Readable = Callable[[str, str | None], str]


def safe_filename(name: str) -> str:
    """A file name that stays inside the folder it is written to."""
    base = re.sub(r"[^\w.+-]+", "-", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(".-")
    return base[:120] or "file"


class ConsoleTransport:
    """Prints what the bot would send to Slack, numbering its buttons for `:click`."""

    def __init__(
        self,
        out: TextIO,
        channel_names: dict[str, str],
        readable: Readable,
        *,
        files_dir: Path,
        on_button: Callable[[Button], int],
    ) -> None:
        self.out = out
        self.names = channel_names
        self.readable = readable
        self.files_dir = files_dir
        self.on_button = on_button
        # Printed once before the next output: the moment a step of `:advance` reached.
        self.stamp: str | None = None
        # App Home tabs are published whenever they change; print one only when asked.
        self.show_home_of: str | None = None
        self._ts = itertools.count(1)

    def _where(self, channel: str) -> str:
        if channel.startswith(("U", "W")):
            return "DM to " + self.readable(f"<@{channel}>", None)
        return "#" + self.names.get(channel, channel)

    def call(self, team_id: str, method: str, payload: dict[str, Any]) -> CallResult:
        channel = str(payload.get("channel") or payload.get("user_id") or "")
        ts = str(payload.get("ts") or f"{time.time():.0f}.{next(self._ts):06d}")
        is_dm = channel.startswith(("U", "W"))
        # Who reads it: the person a DM or an ephemeral message is for, else whoever types.
        reader = (
            channel if is_dm else payload.get("user") if method == "chat.postEphemeral" else None
        )
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            body = self._body(payload, channel, ts, reader)
            if method == "chat.postMessage":
                title = f"[bot posts in {self._where(channel)}]"
            elif method == "chat.postEphemeral":
                who = self.readable(f"<@{reader}>", None)
                title = f"[bot, only to {who} in {self._where(channel)}]"
            else:
                title = f"[bot edits its message in {self._where(channel)}]"
            self._write(f"{title}\n{indent(body)}\n")
        elif method == "reactions.add":
            self._write(f"[bot reacts :{payload.get('name')}:]\n")
        elif method in ("files.upload", "files.uploadV2"):
            self._upload(payload, channel)
        elif method == "views.publish":
            if payload.get("user_id") == self.show_home_of:
                self.show_home_of = None
                view = payload.get("view") or {}
                body = self._body({"blocks": view.get("blocks", [])}, channel, ts, channel)
                self._write(f"[your App Home]\n{indent(body)}\n")
        else:
            self._write(f"[bot calls {method}]\n")
        self.out.flush()
        return CallResult(ok=True, channel=channel, ts=ts)

    def _body(self, payload: dict[str, Any], channel: str, ts: str, reader: Any) -> str:
        blocks = payload.get("blocks")
        if not blocks:
            return self.readable(str(payload.get("text", "")), reader)

        def press(element: dict[str, Any]) -> int:
            return self.on_button(Button.of(element, channel, ts, str(reader) if reader else None))

        return self.readable(blocks_text(blocks, press), reader)

    def _upload(self, payload: dict[str, Any], channel: str) -> None:
        content = base64.b64decode(payload.get("content_b64", ""))
        name = safe_filename(str(payload.get("filename") or "upload"))
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / name
        path.write_bytes(content)
        self._write(
            f"[bot uploads {name} ({len(content)} bytes) to {self._where(channel)}; "
            f"saved as {path}]\n"
        )

    def _write(self, text: str) -> None:
        if self.stamp is not None:
            self.out.write(self.stamp + "\n")
            self.stamp = None
        self.out.write(text)

    def find_posted(
        self, team_id: str, channel: str, outbox_id: int, since: datetime
    ) -> tuple[str, str] | None:
        return None
