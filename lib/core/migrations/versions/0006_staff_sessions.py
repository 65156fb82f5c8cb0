"""sign-in: staff identities bound to issuer and subject, server-side sessions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lib.core.models.base import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Role rows record the account bound to them; each sign-in gets a revocable row."""
    with op.batch_alter_table("staff_roles") as batch:
        batch.add_column(sa.Column("issuer", sa.String(500), nullable=True))
        batch.add_column(sa.Column("subject", sa.String(255), nullable=True))
        batch.add_column(sa.Column("bound_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_index("uq_staff_roles_issuer_subject", ["issuer", "subject"], unique=True)
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
    )
    op.create_index("ix_staff_sessions_issuer_subject", "staff_sessions", ["issuer", "subject"])
    op.create_index(op.f("ix_staff_sessions_email"), "staff_sessions", ["email"])


def downgrade() -> None:
    """Drop the sessions and the bindings (roles stay, matched by email again)."""
    op.drop_index(op.f("ix_staff_sessions_email"), table_name="staff_sessions")
    op.drop_index("ix_staff_sessions_issuer_subject", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    with op.batch_alter_table("staff_roles") as batch:
        batch.drop_index("uq_staff_roles_issuer_subject")
        batch.drop_column("bound_at")
        batch.drop_column("subject")
        batch.drop_column("issuer")
