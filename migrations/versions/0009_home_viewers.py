"""Who opened the App Home: changes republish only the tabs people have seen.

Revision ID: 0009_home_viewers
Revises: 0008_minutes_log_archive
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_home_viewers"
down_revision: str | Sequence[str] | None = "0008_minutes_log_archive"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_viewers",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_home_viewers")),
    )
    op.create_index("ix_home_viewers_stale", "home_viewers", ["stale_since"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_home_viewers_stale", table_name="home_viewers")
    op.drop_table("home_viewers")
