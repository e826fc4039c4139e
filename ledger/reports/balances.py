"""Balances on a past day summed by group, in a few set-wise scans instead of a row join.

balance(D) of a receivable = balance today + its allocations from payments dated after D
+ its write-offs approved after D (see history). Summed over a group, that splits into
parts that each scan one table once:

  + balances today of the receivables issued by D
  + allocations from payments dated after D to receivables issued by D
  + write-offs approved after D of receivables issued by D
  - the first two for receivables written off by D (the third has none: the write-off that
    leaves nothing is a receivable's last)

A receivable counts as open on D if its balance then is above zero: open today, or zero
today but paid after D. Grouping expressions may use the receivable (R) and customer (C)
tables; every part joins the customer only when a group needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, select
from sqlalchemy.sql import Select
from sqlmodel import Session

from ledger.reports.history import A, C, P, R, S, W, approved_after, cents, day

Key = tuple[Any, ...]


def grouped_balances(
    session: Session,
    as_of: date,
    groups: Sequence[Any],
    currency: str | None = None,
    with_customer: bool = False,
    issued_by: date | None = None,
    where: Sequence[Any] = (),
    split: Any = None,
) -> dict[Key, tuple[int, ...]]:
    """{group values: (balance cents on ``as_of``, open receivables)} for non-empty groups.

    ``issued_by`` (default ``as_of``) limits the receivables to those issued by then (the
    roll rates follow a month-end's receivables to the next); ``where`` adds conditions
    on R or C; with a ``split`` condition a third value is the balance where it holds."""
    base = R.join(C, C.c.id == R.c.customer_id) if with_customer else R
    issued = [R.c.issue_date <= day(min(as_of, issued_by or as_of)), *where]
    if currency is not None:
        issued.append(R.c.currency == currency)
    written = and_(S.c.to_stage == "written_off", S.c.on_date <= day(as_of))
    paid_later = P.c.date > day(as_of)
    zero_now = cents(R.c.balance) == 0
    open_now = func.sum(case((cents(R.c.balance) > 0, 1), else_=0))
    reopened = func.count(distinct(case((zero_now, R.c.id))))
    # closed today by a later write-off and by no later payment (those count as reopened)
    unpaid_later = ~exists().where(A.c.receivable_id == R.c.id, P.c.id == A.c.payment_id,
                                   paid_later)
    written_later = func.count(distinct(case((and_(zero_now, unpaid_later), R.c.id))))

    def part(amount: Any) -> list[Any]:
        extra = [] if split is None else [func.sum(case((split, amount), else_=0))]
        return [*groups, func.sum(amount), *extra]

    now, later, undone = cents(R.c.balance), cents(A.c.amount), cents(W.c.amount)
    parts: list[tuple[int, Select[Any]]] = [
        (1, select(*part(now), open_now).select_from(base)),
        (
            1,
            select(*part(later), reopened)
            .select_from(
                base.join(A, A.c.receivable_id == R.c.id).join(P, P.c.id == A.c.payment_id)
            )
            .where(paid_later),
        ),
        (
            1,
            select(*part(undone), written_later)
            .select_from(base.join(W, W.c.receivable_id == R.c.id))
            .where(approved_after(as_of)),
        ),
        (
            -1,
            select(*part(now), open_now)
            .select_from(base.join(S, S.c.receivable_id == R.c.id))
            .where(written),
        ),
        (
            -1,
            select(*part(later), reopened)
            .select_from(
                base.join(S, S.c.receivable_id == R.c.id)
                .join(A, A.c.receivable_id == R.c.id)
                .join(P, P.c.id == A.c.payment_id)
            )
            .where(written, paid_later),
        ),
    ]
    width = len(groups)
    totals: dict[Key, list[int]] = {}
    for sign, stmt in parts:
        stmt = stmt.where(*issued).group_by(*groups)
        for row in session.execute(stmt):
            amount, *extra = row[width:-1]
            sums = totals.setdefault(tuple(row[:width]), [0, 0, 0])
            sums[0] += sign * int(amount or 0)
            sums[1] += sign * int(row[-1] or 0)
            sums[2] += sign * int(extra[0] or 0) if extra else 0
    size = 2 if split is None else 3
    return {k: tuple(v[:size]) for k, v in totals.items() if v[0] or v[1]}
