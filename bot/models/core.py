"""Workspace-level tables every feature uses: users, outbox, events, counters, marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base
from bot.models.types import UtcDateTime


class Workspace(Base):
    """A Slack workspace (team) this deployment serves."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    default_channel: Mapped[str | None] = mapped_column(String(32))
    digest_channel: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set by app_uninstalled / tokens_revoked: the outbox posts nothing more there
    # until a request from the workspace shows the app is back.
    uninstalled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Dates such as 9/10 are read day first (10 September) rather than month first.
    day_first: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class BotAdmin(Base):
    """A user who may administer the bot in a workspace besides Slack admins."""

    __tablename__ = "bot_admins"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class SlackUser(Base):
    """What we know of a Slack user: cached users.info plus their own preferences."""

    __tablename__ = "slack_users"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    real_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_bot: Mapped[bool] = mapped_column(default=False)
    # Working hours for fair-slot suggestions, minutes after local midnight.
    work_start: Mapped[int | None] = mapped_column(Integer)
    work_end: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ChannelMembers(Base):
    """A cached conversations.members answer, for per-reader time zones."""

    __tablename__ = "channel_members"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    members: Mapped[list[Any]] = mapped_column(default=list)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A Slack Web API call the bot owes; delivered once by the delivery worker."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # Lane heads are found by (lane, status, id): independent of how many rows
        # were sent before, so the table's history never slows delivery down.
        Index("ix_outbox_lane", "lane", "status", "id"),
        # Deleting a row looks up the rows that refer to it (ON DELETE SET NULL): without
        # this index, pruning old rows would scan the whole table once per row.
        Index("ix_outbox_ref_id", "ref_id"),
        UniqueConstraint("team_id", "dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(64))
    # Messages of one lane (a channel or a user) are delivered in id order.
    lane: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]] = mapped_column()
    # Optional idempotency key: enqueueing the same key twice keeps one row.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # chat.update / reactions of a message posted by an earlier outbox row.
    ref_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when an attempt's outcome is unknown (timeout, crash mid-call): before
    # posting again the worker looks for the message in the channel's history.
    maybe_sent: Mapped[bool] = mapped_column(default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What Slack answered that later rows need: channel and ts of a posted message.
    result_channel: Mapped[str | None] = mapped_column(String(32))
    result_ts: Mapped[str | None] = mapped_column(String(32))


class ProcessedEvent(Base):
    """Slack retries events; an event_id is handled once."""

    __tablename__ = "processed_events"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Counter(Base):
    """Per-workspace sequences (issue numbers, action items) that never reuse a value."""

    __tablename__ = "counters"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class JobMark(Base):
    """A fact that something happened once (a reminder sent, an SLA warning posted)."""

    __tablename__ = "job_marks"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JobRun(Base):
    """The scheduler's own record: which process ran a task last, and its last failure."""

    __tablename__ = "job_runs"

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    # host:pid of the process that ran it (the scheduler's leader at the time).
    process: Mapped[str] = mapped_column(String(120), default="")
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
