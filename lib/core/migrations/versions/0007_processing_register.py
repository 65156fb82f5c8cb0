"""access answers: the per-store processing register (Art. 15 information), demo records

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lib.core.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """One register per store (its sections as JSON, who changed and who reviewed it, when), and
    the demo store's other blocks of a customer (metafields, draft orders, store credit)."""
    instant = lib.core.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "processing_registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("reviewed_at", instant, nullable=True),
        sa.Column("reviewed_by", sa.String(length=320), nullable=True),
        sa.Column("updated_at", instant, nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_processing_registers_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_registers")),
        sa.UniqueConstraint("store_id", name=op.f("uq_processing_registers_store_id")),
    )
    shopify_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "demo_records",
        sa.Column("id", shopify_id, autoincrement=False, nullable=False),
        sa.Column("customer_id", shopify_id, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("created_at", instant, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["demo_customers.id"],
            name=op.f("fk_demo_records_customer_id_demo_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_records")),
    )
    op.create_index(op.f("ix_demo_records_customer_id"), "demo_records", ["customer_id"])


def downgrade() -> None:
    """Drop the registers and the demo store's other blocks."""
    op.drop_index(op.f("ix_demo_records_customer_id"), table_name="demo_records")
    op.drop_table("demo_records")
    op.drop_table("processing_registers")
