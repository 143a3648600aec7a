"""meetings tables

Revision ID: 0003_meetings
Revises: 0001_core
Create Date: 2026-11-23 03:24:01.885005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_meetings"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_calendar_feeds",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_meeting_calendar_feeds")),
        sa.UniqueConstraint("token", name=op.f("uq_meeting_calendar_feeds_token")),
    )
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("home_tz", sa.String(length=64), nullable=False),
        sa.Column("dtstart", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("exdates", sa.JSON(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("chairs", sa.JSON(), nullable=False),
        sa.Column("agenda_url", sa.String(length=500), nullable=True),
        sa.Column("join_url", sa.String(length=500), nullable=True),
        sa.Column("reminder_offsets", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminders_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_meeting_series_team_id_number")),
    )
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_series_channel", ["team_id", "channel_id"], unique=False)
        batch_op.create_index("ix_meeting_series_next_reminder", ["next_reminder_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_series_next_reminder")
        batch_op.drop_index("ix_meeting_series_channel")

    op.drop_table("meeting_series")
    op.drop_table("meeting_calendar_feeds")
