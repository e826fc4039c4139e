"""Statements of account: an outbox message may carry attachments built at send time
(``attach``: e.g. ["statement"], from a reminder step's ``attach: statement``).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (no batch copy of the table: reminder rows point at outbox rows)
    op.add_column("outbox", sa.Column("attach", sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade() -> None:
    op.drop_column("outbox", "attach")
