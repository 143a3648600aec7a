"""The vocabulary every command family shares: context, replies, routers, handler types.

A family module builds a `Router`, declares its subcommands with usage lines, and
declares its interactive handlers (buttons, modals, shortcuts, message hooks) in its
`install(registry)`. The Slack edge (bot.slack) and the console (bot.console) both
drive these same handlers; nothing in a handler sees a raw Slack payload: a modal's
fields arrive as a plain {block_id: value} dict.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import UsageError
from bot.platform import Membership, Prefetched
from bot.render import blocks as bk
from bot.runtime import Runtime
from bot.services import permissions
from bot.slackfmt import escape


@dataclass
class Ctx:
    """Who asked, where, and the transaction the request owns."""

    rt: Runtime
    session: Session
    team_id: str
    user_id: str
    channel_id: str
    now: datetime
    channel_name: str = ""
    trigger_id: str | None = None
    console: bool = False
    # Every installed command family, for the help that lists them.
    families: Mapping[str, Router] = field(default_factory=dict)
    # What was asked of Slack for this request before its transaction opened.
    prefetched: Prefetched = field(default_factory=Prefetched)

    def membership(self, channel_id: str) -> Membership:
        """The bot's membership of a channel, made sure of (joined if public) for this request.

        The first time in a request this rolls the transaction back (NeedsSlack); the
        Dispatcher asks Slack outside it and runs the handler again.
        """
        if self.console:
            return Membership(channel_id=channel_id, is_member=True)
        return self.prefetched.membership(channel_id)

    @property
    def settings(self) -> Any:
        return self.rt.settings

    def is_admin(self) -> bool:
        """A Slack admin or owner, a WGBOT_ADMINS user or a bot admin of this workspace."""
        return permissions.is_bot_admin(
            self.session,
            directory=self.rt.directory,
            configured=self.settings.bot_admins,
            team_id=self.team_id,
            user_id=self.user_id,
        )


@dataclass
class Reply:
    """An answer to the person who asked (ephemeral unless `public`)."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    public: bool = False
    # A modal to open with the request's trigger_id instead of (or besides) answering.
    view: dict[str, Any] | None = None

    @classmethod
    def markup(cls, markup: str, *, fallback: str | None = None, public: bool = False) -> Reply:
        blocks = bk.from_markup(markup)
        text = fallback if fallback is not None else bk.plain_text(blocks)[:3000]
        return cls(text=text, blocks=blocks[: bk.MAX_MESSAGE_BLOCKS], public=public)


@dataclass
class ViewResult:
    """The outcome of a modal submission: field errors keep it open, else it closes."""

    errors: dict[str, str] = field(default_factory=dict)
    notice: Reply | None = None
    notice_channel: str | None = None
    update_view: dict[str, Any] | None = None


@dataclass(frozen=True)
class MessageEvent:
    """A message seen in a channel (new, edited or deleted), as plain data."""

    channel_id: str
    user_id: str
    text: str
    ts: str
    thread_ts: str | None = None
    subtype: str | None = None  # None, "message_changed" or "message_deleted"
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionInfo:
    """A click on one of our buttons or menus."""

    action_id: str
    value: str
    channel_id: str
    message_ts: str | None
    view_id: str | None = None
    private_metadata: str = ""


@dataclass(frozen=True)
class ShortcutMessage:
    channel_id: str
    ts: str
    user_id: str
    text: str
    permalink: str | None = None


Handler = Callable[[Ctx, str], Reply]
ActionHandler = Callable[[Ctx, ActionInfo], Reply | None]
ViewHandler = Callable[[Ctx, dict[str, Any], str], ViewResult]
ShortcutHandler = Callable[[Ctx, ShortcutMessage], Reply]
MessageHook = Callable[[Ctx, MessageEvent], None]


@dataclass
class Subcommand:
    name: str
    usage: str
    summary: str
    fn: Handler
    aliases: tuple[str, ...] = ()
    writes: bool = True


class Router:
    """One command family: subcommands with usage lines, and a help answer."""

    def __init__(
        self,
        family: str,
        summary: str,
        *,
        examples: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> None:
        self.family = family
        self.summary = summary
        self.examples = list(examples)
        # Rules the whole family follows (how dates are read), shown under the examples.
        self.notes = list(notes)
        self.subcommands: dict[str, Subcommand] = {}
        self._order: list[Subcommand] = []
        self.default: Subcommand | None = None
        self.empty: Subcommand | None = None

    def sub(
        self,
        name: str,
        usage: str,
        summary: str,
        *,
        aliases: tuple[str, ...] = (),
        writes: bool = True,
        default: bool = False,
        empty: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Declare a subcommand; `default` takes text whose first word is no subcommand."""

        def deco(fn: Handler) -> Handler:
            sc = Subcommand(name, usage, summary, fn, aliases, writes)
            self._order.append(sc)
            for key in (name, *aliases):
                if key:
                    self.subcommands[key] = sc
            if default:
                self.default = sc
            if empty:
                self.empty = sc
            return fn

        return deco

    def usage_lines(self) -> list[str]:
        return [sc.usage for sc in self._order]

    def usage_for(self, name: str) -> str:
        sc = self.subcommands.get(name)
        return sc.usage if sc else "\n".join(self.usage_lines())

    def resolve(self, text: str) -> tuple[Subcommand | None, str]:
        text = text.strip()
        if not text:
            return (self.empty, "") if self.empty else (None, "")
        word, _, rest = text.partition(" ")
        sc = self.subcommands.get(word.lower())
        if sc is not None:
            return sc, rest.strip()
        if self.default is not None:
            return self.default, text
        return None, text

    def writes(self, text: str) -> bool:
        sc, _ = self.resolve(text)
        return sc.writes if sc else False

    def dispatch(self, ctx: Ctx, text: str) -> Reply:
        sc, rest = self.resolve(text)
        if sc is None:
            if not text.strip() or text.strip().lower() == "help":
                return self.help()
            word = text.strip().split()[0]
            raise UsageError(
                f"`/{self.family}` has no subcommand `{escape(word[:40])}`.",
                usage="\n".join(self.usage_lines()),
            )
        try:
            return sc.fn(ctx, rest)
        except UsageError as exc:
            # Bad input always comes with the right form: readers deep in the grammar
            # (a date, a zone) name the word but do not know which command read it.
            if exc.usage is None:
                exc.usage = sc.usage
            raise

    def help(self) -> Reply:
        from bot.render import render

        return Reply.markup(render("help_family.slack.j2", family=self))


# -- parsing helpers shared by the families ------------------------------------------


def split_args(text: str, usage: str) -> list[str]:
    """Shell-like words ("quoted names" stay whole); smart quotes are accepted."""
    normalized = (
        text.replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2018", "'")
        .replace("\u2019", "'")
    )
    try:
        return shlex.split(normalized)
    except ValueError:
        raise UsageError("A quote is not closed.", usage=usage) from None
