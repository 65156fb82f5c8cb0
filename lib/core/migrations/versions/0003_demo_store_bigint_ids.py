"""demo store: 64-bit ids (Shopify's numeric ids, e.g. 7000000000001, exceed 32 bits)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:00:00

Widens every demo-store id and every column that references one. PostgreSQL's `integer` is
32-bit, so these become `bigint` there. SQLite's INTEGER already holds 64 bits, and an
`INTEGER PRIMARY KEY` is the table's rowid (a `BIGINT` one would not be), so SQLite keeps its
columns as they are rather than copying every demo table for no change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {
    "demo_customers": ("id",),
    "demo_orders": ("id", "customer_id"),
    "demo_line_items": ("id", "order_id"),
}
"""Every demo-store id column and every column holding one, by table (parents first)."""


def _alter(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=old, type_=new, existing_nullable=False)


def upgrade() -> None:
    _alter(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    _alter(sa.BigInteger(), sa.Integer())
