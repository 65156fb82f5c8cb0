"""access answers: the per-store processing register (Art. 15 information)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:20:00
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: filled in by the change that owns this revision."""


def downgrade() -> None:
    """Placeholder: filled in by the change that owns this revision."""
