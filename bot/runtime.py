"""What a running bot hands to every handler and job: settings, database, clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.directory import Directory
from bot.platform import Offline, Platform
from bot.services.hooks import FeatureHooks


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    directory: Directory
    # What the installed features offer each other (meetings for minutes and actions).
    hooks: FeatureHooks = field(default_factory=FeatureHooks)
    # Slack's answers that must be had before a transaction (membership of channels).
    platform: Platform = field(default_factory=Offline)
    # Called after a transaction that enqueued outbox rows commits.
    notify_outbox: Callable[[], None] = field(default=lambda: None)
