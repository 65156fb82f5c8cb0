"""erasure: identities in redactable records, keyed email hashes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:20:00
"""

from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Placeholder: filled in by the change that owns this revision."""


def downgrade() -> None:
    """Placeholder: filled in by the change that owns this revision."""
