"""Tables of the minutes feature."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.types import UtcDateTime


class Meeting(Base):
    """A meeting run live in a channel, from start to published minutes."""

    __tablename__ = "minutes_meetings"
    __table_args__ = (
        # live_channel is the channel id while live and NULL afterwards: NULLs never
        # collide, so the database itself keeps one live meeting per channel.
        UniqueConstraint("team_id", "live_channel"),
        Index("ix_minutes_meetings_channel", "team_id", "channel_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    channel_name: Mapped[str] = mapped_column(String(100), default="")
    live_channel: Mapped[str | None] = mapped_column(String(32))
    # The unguessable id of the public pages (/minutes/<public_id>.html).
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="live")  # live, ended, published
    chairs: Mapped[list[Any]] = mapped_column(default=list)
    started_by: Mapped[str] = mapped_column(String(32))
    series_id: Mapped[int | None] = mapped_column(Integer)
    agenda_url: Mapped[str | None] = mapped_column(Text)
    # The zone the minutes' header shows times in: the series' home zone, else the
    # zone of whoever started the meeting.
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    scheduled_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(32))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    template: Mapped[str | None] = mapped_column(String(100))
    markdown: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    # The full log of what was said, rendered once at publishing like the minutes.
    log_html: Mapped[str | None] = mapped_column(Text)


class MeetingItem(Base):
    """One captured line of the minutes: a topic, a decision, a note, an action…"""

    __tablename__ = "minutes_items"
    __table_args__ = (
        Index("ix_minutes_items_order", "meeting_id", "position"),
        Index("ix_minutes_items_source", "team_id", "meeting_id", "source_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("minutes_meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(String(32))
    # The Slack message it came from (edits and deletions follow it); None for commands.
    source_ts: Mapped[str | None] = mapped_column(String(32))
    action_number: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LogLine(Base):
    """One line said in the channel while the meeting was live (its full log)."""

    __tablename__ = "minutes_log_lines"
    __table_args__ = (
        # A message delivered twice (Slack retries) is logged once; NULLs never collide.
        UniqueConstraint("meeting_id", "source_ts"),
        Index("ix_minutes_log_lines_item", "meeting_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("minutes_meetings.id", ondelete="CASCADE"))
    # The Slack message (edits and deletions follow it); None for a /minutes command,
    # which is logged as the item it recorded (item_id).
    source_ts: Mapped[str | None] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    said_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChannelArchive(Base):
    """The unguessable id of a channel's archive page, listing its published minutes."""

    __tablename__ = "minutes_channel_archives"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Attendee(Base):
    """Someone present at a meeting, their company and how many lines they said."""

    __tablename__ = "minutes_attendees"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("minutes_meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    company: Mapped[str | None] = mapped_column(String(200))
    lines: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)


class ChannelTemplate(Base):
    """The minutes template a channel chose (default when absent)."""

    __tablename__ = "minutes_channel_templates"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    template: Mapped[str] = mapped_column(String(100))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)
