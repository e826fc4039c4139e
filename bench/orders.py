"""Order-check latency: workflows.orders.check for random customers of a large portfolio.

    python bench/orders.py [--customers 10000] [--receivables 100000] [--orders 20000]
                           [--calls 1000] [--db PATH | --url postgresql://...] [--keep]

Issue 4's target is p95 under 20 ms at 10,000 customers over the API. The API comes
later, so this times the function an API request will call: one Session per call (as a
request would have), customer facts for that one customer in one SQL statement (open AR,
open orders net of their prepayments, broken promises), the order checks through
durable_rules, and the strictest decision. The first call (ruleset registration) is a
warm-up and not counted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.generate` when run as `python bench/orders.py`

from bench.generate import AS_OF, STAMP, generate, scratch_schema  # noqa: E402

TARGET_P95_MS = 20.0
STATUSES = ("approved", "approved", "prepay", "held", "invoiced", "cancelled")


def add_orders(engine: Any, orders: int, seed: int) -> None:
    """Open and closed orders spread over the customers, a third with a prepayment."""
    from sqlalchemy import select

    from ledger.models import Customer, Payment, SalesOrder

    rng = random.Random(seed)
    with engine.begin() as conn:
        ids = list(conn.execute(select(Customer.__table__.c.id)).scalars())
        rows = [
            {
                "number": f"SO{n:08d}",
                "customer_id": rng.choice(ids),
                "amount": Decimal(rng.randint(1_000, 500_000)),
                "currency": "CNY",
                "status": rng.choice(STATUSES),
                "decision": "approve",
                "fired": [],
                "exposure_after": Decimal(0),
                "prepayment_amount": Decimal(0),
                "created_on": AS_OF - timedelta(days=rng.randint(0, 60)),
                "decided_by": "",
                "note": "",
            }
            for n in range(1, orders + 1)
        ]
        conn.execute(SalesOrder.__table__.insert(), rows)
        found = conn.execute(
            select(
                SalesOrder.__table__.c.id,
                SalesOrder.__table__.c.customer_id,
                SalesOrder.__table__.c.amount,
            )
        ).all()
        prepaid = [
            {
                "reference": f"PRE{oid:08d}",
                "customer_id": cid,
                "date": AS_OF,
                "amount": amount / 3,
                "unapplied": (amount / 3).quantize(Decimal("0.01")),
                "kind": "prepayment",
                "order_id": oid,
                "created_at": STAMP,
            }
            for oid, cid, amount in found
            if oid % 3 == 0
        ]
        for row in prepaid:
            row["amount"] = row["unapplied"]
        conn.execute(Payment.__table__.insert(), prepaid)
        add_rates(conn)


def add_rates(conn: Any) -> None:
    """A rate for every other currency the portfolio owes in: an order check converts a
    customer's foreign exposure to the book currency (CNY) and refuses without a rate."""
    from sqlalchemy import select

    from ledger.models import FxRate, Receivable

    known = {"USD": "7.10", "EUR": "7.70", "HKD": "0.91", "JPY": "0.048"}
    r = Receivable.__table__
    codes = conn.execute(select(r.c.currency).where(r.c.currency != "CNY").distinct()).scalars()
    conn.execute(FxRate.__table__.insert(), [
        {"on_date": AS_OF - timedelta(days=1), "currency": code,
         "rate": Decimal(known.get(code, "5")), "source": "bench", "created_at": STAMP}
        for code in codes] or [{"on_date": AS_OF, "currency": "USD", "rate": Decimal("7.1"),
                                "source": "bench", "created_at": STAMP}])


def measure(engine: Any, calls: int, seed: int) -> list[float]:
    """Milliseconds per check, one Session per call."""
    from sqlalchemy import select
    from sqlmodel import Session

    from engine import load_policy
    from ledger.models import Customer
    from workflows.orders import check

    policy = load_policy(ROOT / "rules")
    with Session(engine) as session:
        codes = list(session.execute(select(Customer.code)).scalars())
    rng = random.Random(seed)
    with Session(engine) as session:  # warm-up: registers the ruleset
        check(session, policy, codes[0], Decimal("1000.00"), "CNY", AS_OF)
    timings: list[float] = []
    for _ in range(calls):
        code = rng.choice(codes)
        amount = Decimal(rng.randint(100, 1_000_000))
        started = time.perf_counter()
        with Session(engine) as session:
            check(session, policy, code, amount, "CNY", AS_OF)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    from ledger.db import make_engine
    from ledger.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="a new SQLite file (default: a temp file)")
    parser.add_argument(
        "--url",
        help="a PostgreSQL database: the bench runs in a new schema of it, dropped afterwards",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp SQLite file")
    args = parser.parse_args(argv)
    folder = None
    with ExitStack() as stack:
        if args.url:
            url = stack.enter_context(scratch_schema(args.url))
        else:
            if args.db is None:
                folder = Path(tempfile.mkdtemp(prefix="arflow-orders-"))
                args.db = folder / "bench.db"
            url = f"sqlite:///{args.db}"
        engine = make_engine(url)
        try:
            upgrade(engine)
            stats = generate(engine, args.receivables, args.customers, seed=args.seed)
            add_orders(engine, args.orders, args.seed)
            with engine.begin() as conn:  # planner statistics, as a live database has them
                conn.exec_driver_sql("ANALYZE")
            print(
                f"{engine.dialect.name}: {stats.customers} customers, {stats.receivables} "
                f"receivables, {args.orders} orders (a third prepaid)"
            )
            timings = measure(engine, args.calls, args.seed)
        finally:
            engine.dispose()
            if folder is not None and not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
    cuts = statistics.quantiles(timings, n=100)
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    verdict = "ok" if p95 < TARGET_P95_MS else "OVER TARGET"
    print(
        f"order check x{len(timings)}: p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms, "
        f"max {max(timings):.2f} ms (target p95 < {TARGET_P95_MS:.0f} ms: {verdict})"
    )
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
