"""Collecting by customer: tasks about an account (the receivables they concern linked in
``task_receivable``, existing per-invoice tasks merged: one open task per customer, kind
and assignee), contacts, customer promises and payment plans, write-offs.

Revision ID: 0006
Revises: 0005
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def _stamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    _account_tasks()
    _contacts()
    _promises()
    op.create_table(
        "writeoff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("receivable_id", sa.Integer(), sa.ForeignKey("receivable.id"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.String(), nullable=False),
        _stamp("created_at"),
    )
    op.create_index("ix_writeoff_receivable_id", "writeoff", ["receivable_id"])


def _account_tasks() -> None:
    op.create_table(
        "task_receivable",
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), primary_key=True),
        sa.Column("receivable_id", sa.Integer(), sa.ForeignKey("receivable.id"),
                  primary_key=True),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("left_reason", sa.String(length=32), nullable=False),
    )
    op.create_index("ix_task_receivable_receivable", "task_receivable",
                    ["receivable_id", "left_on"])
    bind = op.get_bind()
    task = sa.table("task", *(sa.column(n) for n in (
        "id", "kind", "status", "customer_id", "receivable_id", "assignee", "due_date",
        "created_on", "closed_on", "note", "at_risk", "overdue_since", "receivable_stage")))
    link = sa.table("task_receivable", *(sa.column(n) for n in (
        "task_id", "receivable_id", "added_on", "left_on", "left_reason")))
    # every task: an open task about the customer shares its key with per-invoice ones
    rows = bind.execute(sa.select(task).order_by(task.c.id)).all()
    groups: dict[tuple[object, ...], list[sa.Row]] = defaultdict(list)
    links: dict[tuple[int, int], dict[str, object]] = {}
    for row in rows:
        if row.status != "open":
            if row.receivable_id is None:
                continue
            links[(row.id, row.receivable_id)] = {
                "task_id": row.id, "receivable_id": row.receivable_id,
                "added_on": row.created_on, "left_on": row.closed_on or row.created_on,
                "left_reason": ""}
        else:
            groups[(row.customer_id, row.kind, row.assignee)].append(row)
    for group in groups.values():
        keeper = group[0]
        for row in (r for r in group if r.receivable_id is not None):
            links.setdefault((keeper.id, row.receivable_id), {
                "task_id": keeper.id, "receivable_id": row.receivable_id,
                "added_on": row.created_on, "left_on": None, "left_reason": ""})
        if len(group) > 1:
            bind.execute(sa.update(task).where(task.c.id == keeper.id).values(
                due_date=min(r.due_date for r in group), at_risk=None, overdue_since=None,
                receivable_stage=None))
            for row in group[1:]:
                bind.execute(sa.update(task).where(task.c.id == row.id).values(
                    status="merged", closed_on=row.created_on,
                    note=f"merged into task {keeper.id}"))
    with op.batch_alter_table("task") as batch:
        batch.drop_index("ix_task_receivable_id")
        batch.drop_column("receivable_id")
    # linked after: SQLite's batch copies and drops ``task``, refused while links refer to it
    if links:
        bind.execute(sa.insert(link), list(links.values()))
    op.create_index("uq_task_open", "task", ["customer_id", "kind", "assignee"], unique=True,
                    sqlite_where=OPEN, postgresql_where=OPEN)


def _contacts() -> None:
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("mobile", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("wechat", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("billing", sa.Boolean(), nullable=False),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.UniqueConstraint("customer_id", "name", name="uq_contact_name"),
    )
    op.create_index("ix_contact_customer_id", "contact", ["customer_id"])


def _promises() -> None:
    op.create_table(
        "payment_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
    )
    op.create_index("ix_payment_plan_customer_id", "payment_plan", ["customer_id"])
    op.create_table(
        "promise_receivable",
        sa.Column("promise_id", sa.Integer(), sa.ForeignKey("promise.id"), primary_key=True),
        sa.Column("receivable_id", sa.Integer(), sa.ForeignKey("receivable.id"),
                  primary_key=True),
    )
    op.create_index("ix_promise_receivable_receivable_id", "promise_receivable",
                    ["receivable_id"])
    with op.batch_alter_table("promise") as batch:
        batch.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
    covered = [{"promise_id": pid, "receivable_id": rid} for pid, rid in op.get_bind().execute(
        sa.text("SELECT id, receivable_id FROM promise"))]
    op.execute("UPDATE promise SET customer_id = (SELECT customer_id FROM receivable "
               "WHERE receivable.id = promise.receivable_id)")
    with op.batch_alter_table("promise") as batch:
        batch.drop_index("ix_promise_receivable_id")
        batch.drop_column("receivable_id")
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_promise_customer_id", "customer", ["customer_id"], ["id"])
        batch.create_foreign_key("fk_promise_plan_id", "payment_plan", ["plan_id"], ["id"])
        batch.create_index("ix_promise_customer_id", ["customer_id"])
        batch.create_index("ix_promise_plan_id", ["plan_id"])
    if covered:  # after the batch, as the task links (SQLite copies and drops ``promise``)
        op.bulk_insert(sa.table("promise_receivable", sa.column("promise_id"),
                                sa.column("receivable_id")), covered)


def downgrade() -> None:
    op.drop_index("ix_writeoff_receivable_id", table_name="writeoff")
    op.drop_table("writeoff")
    # a promise keeps its first receivable; plans and the other links are gone
    with op.batch_alter_table("promise") as batch:
        batch.add_column(sa.Column("receivable_id", sa.Integer(), nullable=True))
    op.execute("UPDATE promise SET receivable_id = (SELECT min(receivable_id) FROM "
               "promise_receivable WHERE promise_id = promise.id)")
    op.execute("DELETE FROM promise WHERE receivable_id IS NULL")
    # before the batch: SQLite's copies and drops ``promise``, refused while links refer to it
    op.drop_index("ix_promise_receivable_receivable_id", table_name="promise_receivable")
    op.drop_table("promise_receivable")
    with op.batch_alter_table("promise") as batch:
        batch.drop_index("ix_promise_plan_id")
        batch.drop_index("ix_promise_customer_id")
        batch.drop_constraint("fk_promise_plan_id", type_="foreignkey")
        batch.drop_constraint("fk_promise_customer_id", type_="foreignkey")
        batch.drop_column("plan_id")
        batch.drop_column("customer_id")
        batch.alter_column("receivable_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_promise_receivable_id", "receivable", ["receivable_id"],
                                 ["id"])
        batch.create_index("ix_promise_receivable_id", ["receivable_id"])
    op.drop_index("ix_payment_plan_customer_id", table_name="payment_plan")
    op.drop_table("payment_plan")
    op.drop_index("ix_contact_customer_id", table_name="contact")
    op.drop_table("contact")
    # a task keeps its first receivable
    op.drop_index("uq_task_open", table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("receivable_id", sa.Integer(), nullable=True))
    op.execute("UPDATE task SET receivable_id = (SELECT min(receivable_id) FROM "
               "task_receivable WHERE task_id = task.id)")
    op.drop_index("ix_task_receivable_receivable", table_name="task_receivable")
    op.drop_table("task_receivable")  # before the batch, as for promises
    with op.batch_alter_table("task") as batch:
        batch.create_foreign_key("fk_task_receivable_id", "receivable", ["receivable_id"],
                                 ["id"])
        batch.create_index("ix_task_receivable_id", ["receivable_id"])
