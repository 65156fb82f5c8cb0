"""staff workflow: request owners, staff-made requests, reminders

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:20:00
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: filled in by the change that owns this revision."""


def downgrade() -> None:
    """Placeholder: filled in by the change that owns this revision."""
