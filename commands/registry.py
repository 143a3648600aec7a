"""What each feature declares in its `install(registry)`, held by the running bot.

The composition root (bot.app) creates one Registry, calls every feature's install
with it, and hands it to the Slack edge, the console, the scheduler, the web pages
and the command line. Nothing is registered by importing a module.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.commands.base import (
    ActionHandler,
    Ctx,
    MessageHook,
    Router,
    ShortcutHandler,
    ViewHandler,
)
from bot.db import Database
from bot.jobs import PeriodicTask, TaskFn
from bot.pages import PageHandler, PageRoutes
from bot.services.hooks import FeatureHooks

HomeSection = Callable[[Ctx], list[dict[str, Any]]]
# `channel_ids(team_id, names)`: the ids of these channel names (without "#") in the
# workspace, asked of Slack; a name Slack does not know (or the bot cannot see) is
# left out. Raises bot.errors.SlackUnavailable when Slack cannot be asked.
ChannelIds = Callable[[str, Sequence[str]], dict[str, str]]


@dataclass(frozen=True)
class CliCommand:
    """A `wgbot NAME …` subcommand, run on the migrated database; returns the exit status.

    `this_workspace()` asks Slack which workspace SLACK_BOT_TOKEN belongs to (None
    without a token or an answer), for tools that act on "the" workspace;
    `channel_ids` turns channel names into ids (see ChannelIds). Both ask Slack, so
    call them before opening a transaction.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Database, Callable[[], str | None], ChannelIds], int]


@dataclass
class Registry:
    """Every command family, button, form, shortcut, message hook, job, page and CLI verb."""

    families: dict[str, Router] = field(default_factory=dict)
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    action_prefixes: dict[str, ActionHandler] = field(default_factory=dict)
    views: dict[str, ViewHandler] = field(default_factory=dict)
    shortcuts: dict[str, ShortcutHandler] = field(default_factory=dict)
    message_hooks: list[MessageHook] = field(default_factory=list)
    home_sections: list[HomeSection] = field(default_factory=list)
    home_order: dict[HomeSection, int] = field(default_factory=dict)
    tasks: dict[str, PeriodicTask] = field(default_factory=dict)
    pages: PageRoutes = field(default_factory=PageRoutes)
    cli: dict[str, CliCommand] = field(default_factory=dict)
    # Extension points between features (what a meeting is, reminder sections).
    hooks: FeatureHooks = field(default_factory=FeatureHooks)

    # A name declared twice is a wiring mistake: fail at start-up, not at the first click.
    @staticmethod
    def _claim(table: dict[str, Any], key: str, what: str, value: Any) -> None:
        if key in table:
            raise ValueError(f"{what} {key!r} is declared twice")
        table[key] = value

    def family(self, router: Router) -> None:
        self._claim(self.families, router.family, "command family", router)

    def action(self, action_id: str, fn: ActionHandler, *, prefix: bool = False) -> None:
        """A button or menu; with `prefix`, every action_id starting with it."""
        table = self.action_prefixes if prefix else self.actions
        self._claim(table, action_id, "action", fn)

    def view(self, callback_id: str, fn: ViewHandler) -> None:
        self._claim(self.views, callback_id, "view", fn)

    def shortcut(self, callback_id: str, fn: ShortcutHandler) -> None:
        self._claim(self.shortcuts, callback_id, "shortcut", fn)

    def on_message(self, fn: MessageHook) -> None:
        self.message_hooks.append(fn)

    def home_section(self, fn: HomeSection, *, order: int = 50) -> None:
        """A section of the App Home tab; sections show by `order`, then as installed."""
        self.home_order[fn] = order
        self.home_sections.append(fn)
        self.home_sections.sort(key=lambda f: self.home_order.get(f, 50))

    def periodic(self, name: str, fn: TaskFn, *, every: float) -> None:
        self._claim(self.tasks, name, "periodic task", PeriodicTask(name, fn, every))

    def page(self, pattern: str, fn: PageHandler) -> None:
        """A GET page for paths matching `pattern` (anchored)."""
        self.pages.add(pattern, fn)

    def command_line(self, command: CliCommand) -> None:
        self._claim(self.cli, command.name, "command-line subcommand", command)

    def find_action(self, action_id: str) -> ActionHandler | None:
        if action_id in self.actions:
            return self.actions[action_id]
        for prefix, fn in self.action_prefixes.items():
            if action_id.startswith(prefix):
                return fn
        return None

    def family_pattern(self) -> re.Pattern[str]:
        """Matches `/family` for every declared family."""
        return re.compile("^/(" + "|".join(re.escape(n) for n in sorted(self.families)) + ")$")


Installer = Callable[[Registry], None]


def build_registry(installers: Iterable[Installer]) -> Registry:
    registry = Registry()
    for install in installers:
        install(registry)
    return registry
