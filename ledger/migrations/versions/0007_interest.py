"""Late-payment interest: a per-customer waiver (flag and reason) set by a credit manager.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMNs: a batch would copy and drop ``customer``, which SQLite refuses
    # once other tables' rows refer to it
    op.add_column("customer", sa.Column("interest_waived", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("customer", sa.Column("interest_waiver_reason", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("customer", "interest_waiver_reason")
    op.drop_column("customer", "interest_waived")
