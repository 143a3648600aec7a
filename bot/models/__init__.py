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

# Feature tables register on Base.metadata when their modules are imported.
import bot.support.models  # noqa: E402,F401
import bot.meetings.models  # noqa: E402,F401
import bot.actions.models  # noqa: E402,F401
import bot.minutes.models  # noqa: E402,F401

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
