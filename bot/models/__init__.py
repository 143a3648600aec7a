"""The core's tables. Features keep their own models; bot.schema gathers them all."""

from bot.models.base import Base
from bot.models.core import (
    BotAdmin,
    ChannelMembers,
    Counter,
    JobMark,
    JobRun,
    OutboxMessage,
    ProcessedEvent,
    SlackUser,
    Workspace,
)
from bot.models.home import HomeViewer

__all__ = [
    "Base",
    "BotAdmin",
    "ChannelMembers",
    "Counter",
    "HomeViewer",
    "JobMark",
    "JobRun",
    "OutboxMessage",
    "ProcessedEvent",
    "SlackUser",
    "Workspace",
]
