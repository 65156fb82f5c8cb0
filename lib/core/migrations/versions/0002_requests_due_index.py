"""requests: index on (due_on, id) for the Requests table sorted by days left

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 01:15:00

The partial index `ix_requests_open_due` serves open requests only; sorting any other selection
(all statuses, completed, a name search) by due date had to sort every matching row. With this
index the database walks due dates in order and stops after one page.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_requests_due_on_id", "requests", ["due_on", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_requests_due_on_id", table_name="requests")
