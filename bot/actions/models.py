"""Tables of the actions feature."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.types import UtcDateTime


class ActionItem(Base):
    """A numbered action item; numbers are per workspace and never reused."""

    __tablename__ = "action_items"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_action_items_channel", "team_id", "channel_id", "status"),
        Index("ix_action_items_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Slack user ids; an item may have several owners or none.
    owners: Mapped[list[Any]] = mapped_column(default=list)
    created_by: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    # The live meeting (minutes feature) it was recorded in, if any.
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    # The due date as the writer meant it, with their zone; due_at is when that day ends.
    due_date: Mapped[date | None] = mapped_column(Date)
    due_tz: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done, withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))
