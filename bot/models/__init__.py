"""SQLAlchemy models; importing this package registers every table on Base.metadata."""

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
