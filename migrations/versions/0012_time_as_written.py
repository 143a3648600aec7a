"""Time as people write it: day-first dates per workspace, rotating series, holiday skips.

Revision ID: 0012_time_as_written
Revises: 0011_business_hours
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_time_as_written"
down_revision: str | Sequence[str] | None = "0011_business_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        # 27/9 rather than 9/27: how this workspace's members write dates.
        batch_op.add_column(
            sa.Column("day_first", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        # A second slot the series alternates with: {"dtstart": ISO UTC, "tz": key}.
        batch_op.add_column(sa.Column("rotation", sa.JSON(), nullable=True))
        # ISO country codes whose public holidays the series skips: ["US", "FR"].
        batch_op.add_column(sa.Column("skip_holidays", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_series", schema=None) as batch_op:
        batch_op.drop_column("skip_holidays")
        batch_op.drop_column("rotation")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("day_first")
