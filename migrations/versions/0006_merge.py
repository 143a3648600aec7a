"""Merge the feature branches of the schema into one head.

Revision ID: 0006_merge
Revises: 0002_support, 0003_meetings, 0004_minutes, 0005_oauth
"""

from collections.abc import Sequence

revision: str = "0006_merge"
down_revision: str | Sequence[str] | None = (
    "0002_support",
    "0003_meetings",
    "0004_minutes",
    "0005_oauth",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
