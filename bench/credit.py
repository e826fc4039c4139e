"""Benchmark: a credit review (and its apply) over a portfolio with payment history.

Target (issue 4): review 10,000 customers with 100,000 receivables of history under 10 s.
The portfolio is two years of invoices, most paid (a payment and its allocation each, some
late), the rest open, a few broken promises and disputes: every factor has work to do.

    python bench/credit.py [--customers N] [--receivables M] [--url POSTGRESQL_URL]

With --url the portfolio goes into a new schema of that database, dropped at the end, so
nothing already there is touched.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import AS_OF, BATCH, STAMP, customer_rows, scratch_schema  # noqa: E402
from ledger.models import (  # noqa: E402
    Activity,
    Allocation,
    Customer,
    Payment,
    Promise,
    PromiseReceivable,
    Receivable,
)

PAID_SHARE = 0.8  # of invoices already due
HISTORY_DAYS = 730


def _history(
    rng: random.Random, n: int, customers: int, as_of: date
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One invoice and, if it is paid, the payment that settled it (ids = n)."""
    issue = as_of - timedelta(days=rng.randint(0, HISTORY_DAYS))
    due = issue + timedelta(days=rng.choice((30, 45, 60)))
    amount = Decimal(rng.randint(500_00, 200_000_00)) / 100
    row = {
        "id": n,
        "number": f"H{n:09d}",
        "customer_id": rng.randint(1, customers),
        "issue_date": issue,
        "due_date": due,
        "amount": amount,
        "balance": amount,
        "currency": "CNY",
        "resume_stage": None,
        "created_at": STAMP,
        "updated_at": STAMP,
        "stage": "overdue" if due < as_of else "current",
        "stage_since": issue,
    }
    if due >= as_of or rng.random() >= PAID_SHARE:
        return row, None
    late = int(rng.triangular(-20, 45, -5))  # mostly on time, a long tail of late payers
    paid_on = min(as_of - timedelta(days=1), max(issue, due + timedelta(days=late)))
    row.update(balance=Decimal("0.00"), stage="paid", stage_since=paid_on)
    payment = {
        "id": n,
        "reference": f"HP{n:09d}",
        "customer_id": row["customer_id"],
        "date": paid_on,
        "amount": amount,
        "unapplied": Decimal("0.00"),
        "invoice_number": row["number"],
        "kind": "payment",
        "order_id": None,
        "created_at": STAMP,
    }
    return row, payment


def generate(engine: Engine, customers: int, receivables: int, as_of: date, seed: int = 1) -> None:
    """Bulk-insert the portfolio in one transaction (not part of the timing)."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        rows = list(customer_rows(rng, customers))
        for start in range(0, len(rows), BATCH):
            conn.execute(Customer.__table__.insert(), rows[start : start + BATCH])
        invoices: list[dict[str, Any]] = []
        payments: list[dict[str, Any]] = []
        for n in range(1, receivables + 1):
            invoice, payment = _history(rng, n, customers, as_of)
            invoices.append(invoice)
            if payment is not None:
                payments.append(payment)
            if len(invoices) == BATCH or n == receivables:
                _flush(conn, invoices, payments, rng, as_of)
                invoices, payments = [], []


def _flush(
    conn: Any,
    invoices: list[dict[str, Any]],
    payments: list[dict[str, Any]],
    rng: random.Random,
    as_of: date,
) -> None:
    conn.execute(Receivable.__table__.insert(), invoices)
    if payments:
        conn.execute(Payment.__table__.insert(), payments)
        conn.execute(
            Allocation.__table__.insert(),
            [
                {"payment_id": p["id"], "receivable_id": p["id"], "amount": p["amount"]}
                for p in payments
            ],
        )
    open_late = [r for r in invoices if r["stage"] == "overdue"]
    promises = [
        {
            "id": r["id"],  # one promise per receivable: its id will do
            "customer_id": r["customer_id"],
            "promised_date": as_of - timedelta(days=30),
            "amount": None,
            "status": "broken",
            "created_on": as_of - timedelta(days=40),
            "broken_on": as_of - timedelta(days=29),
        }
        for r in open_late
        if rng.random() < 0.05
    ]
    disputes = [
        {
            "on_date": as_of - timedelta(days=rng.randint(1, 400)),
            "actor": "bench",
            "action": "dispute",
            "entity": "receivable",
            "entity_id": r["id"],
            "subject": r["number"],
            "rule_id": "manual",
            "policy_hash": "",
            "details": {},
            "at": STAMP,
        }
        for r in invoices
        if rng.random() < 0.01
    ]
    if promises:
        conn.execute(Promise.__table__.insert(), promises)
        conn.execute(PromiseReceivable.__table__.insert(),
                     [{"promise_id": p["id"], "receivable_id": p["id"]} for p in promises])
    if disputes:
        conn.execute(Activity.__table__.insert(), disputes)


def main(argv: list[str] | None = None) -> int:
    from ledger.db import make_engine
    from ledger.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--url", help="a PostgreSQL database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        url = (
            stack.enter_context(scratch_schema(args.url))
            if args.url
            else f"sqlite:///{tempfile.mkdtemp(prefix='arflow-credit-')}/bench.db"
        )
        engine = make_engine(url)
        try:
            upgrade(engine)
            run(engine, args.customers, args.receivables)
        finally:
            engine.dispose()
    return 0


def run(engine: Engine, customers: int = 10_000, receivables: int = 100_000) -> None:
    """Generate, then time the review, the apply and a second (idempotent) apply."""
    from engine import load_policy
    from ledger.db import session_scope
    from workflows.credit import apply, review

    policy = load_policy(Path(__file__).resolve().parent.parent / "rules")
    started = time.perf_counter()
    generate(engine, customers, receivables, AS_OF)
    print(
        f"generated {customers} customers, {receivables} receivables "
        f"in {time.perf_counter() - started:.2f} s ({engine.dialect.name})"
    )
    with session_scope(engine) as session:
        started = time.perf_counter()
        proposals = review(session, policy, AS_OF)
        seconds = time.perf_counter() - started
    ratings: dict[str, int] = {}
    for p in proposals:
        ratings[p.rating] = ratings.get(p.rating, 0) + 1
    print(
        f"credit review: {len(proposals)} customers in {seconds:.2f} s "
        f"(target < 10 s); ratings {dict(sorted(ratings.items()))}"
    )
    with session_scope(engine) as session:
        started = time.perf_counter()
        result = apply(session, policy, AS_OF)
    print(
        f"credit review --apply: {result.changed} changed, {result.tasks} tasks "
        f"in {time.perf_counter() - started:.2f} s"
    )
    with session_scope(engine) as session:
        started = time.perf_counter()
        again = apply(session, policy, AS_OF)
    print(
        f"apply again (idempotent): {again.changed} changed in "
        f"{time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
