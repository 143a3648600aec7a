"""Tables of the meetings feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.types import UtcDateTime


class MeetingSeries(Base):
    """A meeting series: a wall-clock time in a home zone, repeated by an RRULE."""

    __tablename__ = "meeting_series"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_meeting_series_channel", "team_id", "channel_id"),
        Index("ix_meeting_series_next_reminder", "next_reminder_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)  # per workspace, shown to users
    name: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[str] = mapped_column(String(32))
    home_tz: Mapped[str] = mapped_column(String(64))  # IANA name or UTC±HH:MM
    # The first occurrence; its wall-clock time in home_tz is the series' time.
    dtstart: Mapped[datetime] = mapped_column(UtcDateTime)
    rrule: Mapped[str] = mapped_column(Text, default="")  # "" = one-off
    # Skipped local dates: [{"date": "2026-12-15", "reason": "..."}]
    exdates: Mapped[list[Any]] = mapped_column(default=list)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    chairs: Mapped[list[Any]] = mapped_column(default=list)
    agenda_url: Mapped[str | None] = mapped_column(String(500))
    join_url: Mapped[str | None] = mapped_column(String(500))
    reminder_offsets: Mapped[list[Any]] = mapped_column(default=list)  # minutes before
    created_by: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Reminders due before this instant were not owed (the series did not exist yet).
    reminders_from: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When this series next owes a reminder; NULL means "work it out at the next
    # tick" (set on every change), so the reminder job reads only what is due.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # `rotate`: a second slot every other occurrence takes, {"dtstart": ISO, "tz": key},
    # so that the inconvenient hour moves around the group. None: one slot.
    rotation: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # ISO country codes whose public holidays this series skips (["US", "FR"]).
    skip_holidays: Mapped[list[Any] | None] = mapped_column(default=None)


class CalendarFeed(Base):
    """The secret token of a channel's calendar subscription feed."""

    __tablename__ = "meeting_calendar_feeds"
    __table_args__ = (UniqueConstraint("token"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
