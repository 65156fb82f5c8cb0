"""store connections: per-store OAuth / client-credentials / static tokens, encrypted

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lib.core.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One connection row per store: mode, encrypted tokens, their expiry, scopes and state."""
    instant = lib.core.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "store_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=24), nullable=False),
        sa.Column("api_url", sa.String(length=255), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("access_expires_at", instant, nullable=True),
        sa.Column("refresh_expires_at", instant, nullable=True),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("connected_at", instant, nullable=False),
        sa.Column("refreshed_at", instant, nullable=False),
        sa.Column("updated_at", instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_store_connections_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_connections")),
        sa.UniqueConstraint("store_id", name=op.f("uq_store_connections_store_id")),
    )


def downgrade() -> None:
    """Drop the connections (their tokens with them)."""
    op.drop_table("store_connections")
