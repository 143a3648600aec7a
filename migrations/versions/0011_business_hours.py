"""Business-hours SLA: calendars on providers and tiers, and "waiting on reporter".

Revision ID: 0011_business_hours
Revises: 0010_housekeeping
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_business_hours"
down_revision: str | Sequence[str] | None = "0010_housekeeping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("support_providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar", sa.JSON(), nullable=True))
    with op.batch_alter_table("support_tiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar", sa.JSON(), nullable=True))
    with op.batch_alter_table("support_issues", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_calendar", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("waiting_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("support_issues", schema=None) as batch_op:
        batch_op.drop_column("waiting_reason")
        batch_op.drop_column("waiting_since")
        batch_op.drop_column("sla_calendar")
    with op.batch_alter_table("support_tiers", schema=None) as batch_op:
        batch_op.drop_column("calendar")
    with op.batch_alter_table("support_providers", schema=None) as batch_op:
        batch_op.drop_column("calendar")
