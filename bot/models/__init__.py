"""The core's tables. Features keep their own models; bot.schema gathers them all."""

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
