"""Truthful notices: an outbox message keeps, beside the receivables it demands
(``items``), the customer's other open items it shows apart (``other_items``).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (no batch copy of the table: reminder rows point at outbox rows)
    op.add_column(
        "outbox",
        sa.Column("other_items", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    op.drop_column("outbox", "other_items")
