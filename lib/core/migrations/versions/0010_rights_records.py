"""correction asks, appeals, the demo store's privacy state

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:50:00

`correction_asks` holds what a correction request asks to change and the per-field outcome;
`appeals` links an appeal request to the refused request (one appeal each) with who refused it;
`demo_customer_privacy` is the demo store's `dataSaleOptOut` and SMS consent per customer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lib.core.models.base import UTCDateTime
from lib.core.models.demo_store import ShopifyId

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Three new tables; nothing existing changes."""
    op.create_table(
        "correction_asks",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_correction_asks_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_correction_asks")),
    )
    op.create_table(
        "appeals",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("refused_request_id", sa.Integer(), nullable=False),
        sa.Column("refused_by", sa.String(320), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_appeals_request_id_requests"
        ),
        sa.ForeignKeyConstraint(
            ["refused_request_id"], ["requests.id"], name="fk_appeals_refused_request_id_requests"
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("refused_request_id", name=op.f("uq_appeals_refused_request_id")),
    )
    op.create_table(
        "demo_customer_privacy",
        sa.Column("customer_id", ShopifyId, autoincrement=False, nullable=False),
        sa.Column("data_sale_opt_out", sa.Boolean(), nullable=False),
        sa.Column("sms_marketing_state", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["demo_customers.id"],
            name="fk_demo_customer_privacy_customer_id_demo_customers",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_demo_customer_privacy")),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("demo_customer_privacy")
    op.drop_table("appeals")
    op.drop_table("correction_asks")
