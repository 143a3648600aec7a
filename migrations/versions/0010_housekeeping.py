"""Housekeeping: indexes to prune the outbox, and the scheduler's record of its runs.

Revision ID: 0010_housekeeping
Revises: 0009_home_viewers
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_housekeeping"
down_revision: str | Sequence[str] | None = "0009_home_viewers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_ref_id", "outbox", ["ref_id"], unique=False)
    op.create_index(
        "ix_support_issues_card_outbox_id", "support_issues", ["card_outbox_id"], unique=False
    )
    op.create_table(
        "job_runs",
        sa.Column("task", sa.String(length=64), nullable=False),
        sa.Column("process", sa.String(length=120), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("task", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_index("ix_support_issues_card_outbox_id", table_name="support_issues")
    op.drop_index("ix_outbox_ref_id", table_name="outbox")
