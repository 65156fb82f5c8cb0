"""languages: the customer's locale kept on each request, merchant texts per language

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:00:00

`requests.locale` is the language the customer used (the storefront page's, or later the
customer's Admin API `locale`); mails and the export package are written in it. Empty for
requests from before this revision and for webhook or staff requests until the export reads the
customer: those fall back to the shop's language. Merchant texts per language are settings
(JSON values in the `settings` table) and need no schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("requests", sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("locale")
