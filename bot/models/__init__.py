"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

# ruff: noqa: I001  (the core tables first, then each feature's tables)
from bot.models.base import Base
from bot.models.core import (
    BotAdmin,
    ChannelMembers,
    Counter,
    JobMark,
    OutboxMessage,
    ProcessedEvent,
    SlackUser,
    Workspace,
)

# Feature tables register on Base.metadata when their modules are imported.
import bot.support.models
import bot.meetings.models
import bot.actions.models
import bot.minutes.models  # noqa: F401

__all__ = [
    "Base",
    "BotAdmin",
    "ChannelMembers",
    "Counter",
    "JobMark",
    "OutboxMessage",
    "ProcessedEvent",
    "SlackUser",
    "Workspace",
]
