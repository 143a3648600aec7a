"""A modal filled in the console: its fields asked in turn, then submitted as Slack would."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, TextIO

from bot.console.text import indent

CANCEL = ":cancel"
END_OF_TEXT = "."


class Cancelled(Exception):
    """The person typed :cancel (or the input ended) while filling a form."""


@dataclass
class Field:
    """One input block of a modal, as the console asks for it."""

    block_id: str
    label: str
    kind: str
    optional: bool
    multiline: bool = False
    initial: Any = None
    hint: str = ""
    placeholder: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)


def _text(obj: Any) -> str:
    return str((obj or {}).get("text", "")) if isinstance(obj, dict) else ""


def fields_of(view: dict[str, Any], current_channel: str) -> list[Field]:
    """The input blocks of a modal, with what each starts with."""
    out: list[Field] = []
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el = block.get("element") or {}
        kind = str(el.get("type", ""))
        options = [(_text(o.get("text")), str(o.get("value", ""))) for o in el.get("options", [])]
        initial: Any = el.get("initial_value")
        if kind == "static_select" and el.get("initial_option"):
            initial = el["initial_option"].get("value")
        elif kind == "users_select":
            initial = el.get("initial_user")
        elif kind in ("conversations_select", "channels_select"):
            initial = el.get("initial_conversation") or el.get("initial_channel")
            if initial is None and el.get("default_to_current_conversation"):
                initial = current_channel
        elif kind == "datepicker":
            initial = el.get("initial_date")
        elif kind == "timepicker":
            initial = el.get("initial_time")
        out.append(
            Field(
                block_id=str(block.get("block_id", "")),
                label=_text(block.get("label")),
                kind=kind,
                optional=bool(block.get("optional")),
                multiline=bool(el.get("multiline")),
                initial=initial,
                hint=_text(block.get("hint")),
                placeholder=_text(el.get("placeholder")),
                options=options,
            )
        )
    return out


class FormFiller:
    """Asks for each field of a modal with the console's input lines."""

    def __init__(
        self,
        out: TextIO,
        read_line: Callable[[str], str | None],
        *,
        user_id: Callable[[str], str],
        channel_id: Callable[[str], str],
        readable: Callable[[str], str],
    ) -> None:
        self.out = out
        self.read_line = read_line
        self.user_id = user_id
        self.channel_id = channel_id
        self.readable = readable

    def show(self, view: dict[str, Any], fields: list[Field]) -> None:
        title = _text(view.get("title")) or "a form"
        submit = _text(view.get("submit")) or "Submit"
        self.out.write(
            f"[a form opens: {title}] — {len(fields)} field(s); Enter keeps what is shown, "
            f"`-` empties a field, {CANCEL} closes the form; then it is sent ({submit})\n"
        )
        for block in view.get("blocks", []):
            if block.get("type") in ("section", "context"):
                text = _text(block.get("text")) or "  ".join(
                    _text(e) for e in block.get("elements", [])
                )
                if text:
                    self.out.write(indent(self.readable(text)) + "\n")

    def ask_all(self, fields: Iterable[Field], values: dict[str, Any]) -> None:
        for f in fields:
            values[f.block_id] = self.ask(f)

    def ask(self, f: Field) -> Any:
        while True:
            self._describe(f)
            try:
                value = self._read(f)
            except ValueError as exc:
                self.out.write(f"  :warning: {exc}\n")
                continue
            if value in (None, "", []) and not f.optional:
                self.out.write(f"  :warning: {f.label} is required.\n")
                continue
            return value

    def _describe(self, f: Field) -> None:
        flag = " (optional)" if f.optional else ""
        example = f.placeholder
        if example and not example.lower().startswith("e.g."):
            example = f"e.g. {example}"
        notes = [n for n in (f.hint, example) if n]
        self.out.write(f"* {f.label}{flag}" + (f" — {'; '.join(notes)}" if notes else "") + "\n")
        if f.options:
            for i, (text, value) in enumerate(f.options, start=1):
                mark = " (chosen)" if value == f.initial else ""
                self.out.write(f"    {i}. {text}{mark}\n")
        elif f.initial not in (None, ""):
            shown = self.readable(_initial_text(f))
            if f.multiline:
                self.out.write("  now:\n" + indent(indent(shown)) + "\n")
            else:
                self.out.write(f"  now: {shown}\n")
        if f.multiline:
            self.out.write(f"  (type the text, then a line with only `{END_OF_TEXT}`)\n")

    def _line(self, prompt: str) -> str:
        line = self.read_line(prompt)
        if line is None or line.strip() == CANCEL:
            raise Cancelled
        return line.rstrip("\r\n")

    def _read(self, f: Field) -> Any:
        if f.multiline:
            lines: list[str] = []
            while (line := self._line("  | ")).strip() != END_OF_TEXT:
                lines.append(line)
            if not lines:
                return f.initial
            return None if lines == ["-"] else "\n".join(lines)
        answer = self._line(f"  {f.label}: ").strip()
        if not answer:
            return f.initial
        if answer == "-":
            return [] if f.kind.startswith("multi_") else None
        return self._parse(f, answer)

    def _parse(self, f: Field, answer: str) -> Any:
        if f.kind in ("static_select", "external_select"):
            return self._option(f, answer)
        if f.kind == "multi_static_select":
            return [self._option(f, a.strip()) for a in answer.split(",") if a.strip()]
        if f.kind == "users_select":
            return self.user_id(answer.split()[0].lstrip("@"))
        if f.kind == "multi_users_select":
            return [self.user_id(a.lstrip("@")) for a in re.split(r"[\s,]+", answer) if a]
        if f.kind in ("conversations_select", "channels_select"):
            return self.channel_id(answer.split()[0].lstrip("#"))
        if f.kind == "datepicker":
            try:
                return date.fromisoformat(answer).isoformat()
            except ValueError:
                raise ValueError("Give the date as YYYY-MM-DD.") from None
        if f.kind == "timepicker":
            try:
                return time.fromisoformat(answer).strftime("%H:%M")
            except ValueError:
                raise ValueError("Give the time as HH:MM.") from None
        return answer

    @staticmethod
    def _option(f: Field, answer: str) -> str:
        if answer.isdigit() and 1 <= int(answer) <= len(f.options):
            return f.options[int(answer) - 1][1]
        for text, value in f.options:
            if answer.lower() in (text.lower(), value.lower()):
                return value
        raise ValueError(f"Choose one of 1–{len(f.options)}.")


def _initial_text(f: Field) -> str:
    if f.kind == "users_select":
        return f"<@{f.initial}>"
    if f.kind in ("conversations_select", "channels_select"):
        return f"<#{f.initial}>"
    return str(f.initial)
