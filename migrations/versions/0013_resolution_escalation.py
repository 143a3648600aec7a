"""Resolution deadlines escalate too: when an issue passed its resolution deadline.

Revision ID: 0013_resolution_escalation
Revises: 0012_time_as_written
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_resolution_escalation"
down_revision: str | Sequence[str] | None = "0012_time_as_written"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_issues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resolution_escalated_at", sa.DateTime(timezone=True), nullable=True)
        )
        # The SLA tick reads open issues past their resolution deadline by this index.
        batch_op.create_index(
            "ix_support_issues_resolution", ["is_open", "resolution_due"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("support_issues", schema=None) as batch_op:
        batch_op.drop_index("ix_support_issues_resolution")
        batch_op.drop_column("resolution_escalated_at")
