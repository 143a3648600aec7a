"""Resolution deadlines escalate too: when an issue passed its resolution deadline.

Revision ID: 0013_resolution_escalation
Revises: 0012_time_as_written
"""

from collections.abc import Sequence
from datetime import UTC, datetime

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

    # Deadlines missed before this release were never escalated; doing it now would send
    # the contacts a burst about old issues at the first tick. They count as known.
    bind = op.get_bind()
    now = datetime.now(UTC)
    at = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    op.execute(
        sa.text(
            "UPDATE support_issues SET resolution_escalated_at = resolution_due"
            " WHERE is_open AND resolution_due IS NOT NULL AND resolution_due <= :now"
        ).bindparams(sa.bindparam("now", at, type_=sa.DateTime(timezone=True)))
    )


def downgrade() -> None:
    with op.batch_alter_table("support_issues", schema=None) as batch_op:
        batch_op.drop_index("ix_support_issues_resolution")
        batch_op.drop_column("resolution_escalated_at")
