"""staff workflow: request owners, staff-made requests, reminders, merged duplicates

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:20:00

`requests.owner_email` is the staff member who looks after a request (*My requests*, due-soon
reminders to them); `requests.reminded_at` when the one reminder to an unverified guest went
out; `requests.merged_into_id` the open request a duplicate was merged into. `staff_intakes`
records how a request taken by staff arrived (phone, letter, email) and how the caller's
identity was checked, or that the Verify Request link was sent instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lib.core.models.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Three nullable request columns and the intake table.

    Plain ADD COLUMNs, so a large requests table is not copied; SQLite cannot add a foreign
    key to an existing table (and does not enforce one unless asked), so only PostgreSQL gets it.
    """
    op.add_column("requests", sa.Column("owner_email", sa.String(320), nullable=True))
    op.add_column("requests", sa.Column("reminded_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("requests", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            "fk_requests_merged_into_id_requests",
            "requests",
            "requests",
            ["merged_into_id"],
            ["id"],
        )
    op.create_index("ix_requests_owner_due", "requests", ["owner_email", "due_on"])
    op.create_table(
        "staff_intakes",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("medium", sa.String(16), nullable=False),
        sa.Column("recorded_by", sa.String(320), nullable=False),
        sa.Column("identity_check", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_staff_intakes_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_staff_intakes")),
    )


def downgrade() -> None:
    """Drop the intake table and the three columns."""
    op.drop_table("staff_intakes")
    op.drop_index("ix_requests_owner_due", table_name="requests")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_requests_merged_into_id_requests", "requests", type_="foreignkey")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("merged_into_id")
        batch.drop_column("reminded_at")
        batch.drop_column("owner_email")
