"""Minutes keep a full log of what was said, and each channel has an archive page.

Revision ID: 0008_minutes_log_archive
Revises: 0007_workspace_uninstalled
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_minutes_log_archive"
down_revision: str | Sequence[str] | None = "0007_workspace_uninstalled"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("minutes_meetings") as batch_op:
        batch_op.add_column(sa.Column("log_html", sa.Text(), nullable=True))
    op.create_table(
        "minutes_log_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("source_ts", sa.String(length=32), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("said_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["minutes_meetings.id"],
            name=op.f("fk_minutes_log_lines_meeting_id_minutes_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_log_lines")),
        sa.UniqueConstraint(
            "meeting_id", "source_ts", name=op.f("uq_minutes_log_lines_meeting_id_source_ts")
        ),
    )
    with op.batch_alter_table("minutes_log_lines") as batch_op:
        batch_op.create_index("ix_minutes_log_lines_item", ["meeting_id", "item_id"], unique=False)
    op.create_table(
        "minutes_channel_archives",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("channel_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id", name=op.f("pk_minutes_channel_archives")),
        sa.UniqueConstraint("public_id", name=op.f("uq_minutes_channel_archives_public_id")),
    )


def downgrade() -> None:
    op.drop_table("minutes_channel_archives")
    with op.batch_alter_table("minutes_log_lines") as batch_op:
        batch_op.drop_index("ix_minutes_log_lines_item")
    op.drop_table("minutes_log_lines")
    with op.batch_alter_table("minutes_meetings") as batch_op:
        batch_op.drop_column("log_html")
