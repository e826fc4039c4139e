"""Benchmark: ageing and KPIs over 1,000,000 receivables, in SQL, on SQLite and PostgreSQL.

Target (issue 6): ageing and the KPIs of a month each under 5 s on either database.

    python bench/report.py [--receivables 1000000] [--customers 20000] [--url POSTGRESQL_URL]
                           [--skip-sqlite] [--skip-postgresql] [--monthly]

The portfolio is bench/generate.py's (due dates from 60 days ahead to a year late, 12 %
paid, 10 % partly paid), with a dated payment and its allocation for every receivable
paid in full or in part, so a past as-of has later payments to add back. PostgreSQL gets
a new schema of --url (dropped afterwards); SQLite a temp file (removed afterwards).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.generate import AS_OF, generate, scratch_schema, scratch_sqlite  # noqa: E402
from ledger.db import make_engine  # noqa: E402
from ledger.migrate import upgrade  # noqa: E402
from ledger.reports import ageing, kpis, monthly_kpis  # noqa: E402

TARGET_SECONDS = 5.0
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

# one payment (and allocation) per receivable paid in full or in part, ids = receivable ids
PAYMENTS = """
INSERT INTO payment (id, reference, customer_id, date, amount, unapplied, kind, created_at)
SELECT id, 'BP' || id, customer_id,
       CASE WHEN stage = 'paid' THEN stage_since ELSE issue_date END,
       amount - balance, 0, 'payment', created_at
FROM receivable WHERE balance < amount
"""
ALLOCATIONS = """
INSERT INTO allocation (id, payment_id, receivable_id, amount)
SELECT id, id, id, amount - balance FROM receivable WHERE balance < amount
"""


def populate(engine: Engine, receivables: int, customers: int) -> str:
    stats = generate(engine, receivables, customers)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(PAYMENTS))
        conn.execute(text(ALLOCATIONS))
        conn.execute(text("ANALYZE"))  # fresh statistics, as a live database has
    return (
        f"{stats.receivables:,} receivables, {stats.customers:,} customers in "
        f"{stats.seconds + time.perf_counter() - started:.1f} s"
    )


def timed(label: str, work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    verdict = "ok" if seconds < TARGET_SECONDS else f"OVER {TARGET_SECONDS:.0f} s"
    print(f"  {label:<42} {seconds:6.2f} s  {verdict}   {summary(result)}", flush=True)
    return seconds


def summary(result: Any) -> str:
    if isinstance(result, list):
        return f"{len(result)} months"
    if hasattr(result, "totals"):
        return ", ".join(f"{t.currency} {t.total:,.2f} ({t.count:,})" for t in result.totals)
    return f"DSO {result.dso_simple}, CEI {result.cei}, AR {result.receivables_end:,.2f}"


def measure(name: str, engine: Engine, monthly: bool) -> dict[str, float]:
    """Each report in a fresh session, so no query is served from an earlier one's cache."""
    print(f"{name}:", flush=True)
    past = AS_OF - timedelta(days=90)
    start = AS_OF.replace(day=1) - timedelta(days=1)
    month = (start.replace(day=1), start)
    jobs: dict[str, Callable[[Session], Any]] = {
        f"ageing as of {AS_OF}": lambda s: ageing(s, AS_OF),
        f"ageing as of {past} (payments after it)": lambda s: ageing(s, past),
        "ageing by customer": lambda s: ageing(s, AS_OF, by="customer"),
        f"KPIs {month[0]}..{month[1]} (CNY)": lambda s: kpis(s, *month),
    }
    if monthly:
        jobs["KPIs monthly, 24 months (not a target)"] = lambda s: monthly_kpis(s, AS_OF, 24)
    times: dict[str, float] = {}
    for label, job in jobs.items():
        with Session(engine) as session:
            times[label] = timed(label, lambda job=job, session=session: job(session))
    return times


def run_sqlite(args: argparse.Namespace) -> dict[str, float]:
    with scratch_sqlite(None, "report.db", keep=False) as path:
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        print(f"SQLite: {populate(engine, args.receivables, args.customers)}", flush=True)
        try:
            return measure("SQLite", engine, args.monthly)
        finally:
            engine.dispose()


def run_postgresql(args: argparse.Namespace) -> dict[str, float]:
    with scratch_schema(args.url) as url:
        engine = make_engine(url)
        upgrade(engine)
        print(f"PostgreSQL: {populate(engine, args.receivables, args.customers)}", flush=True)
        try:
            return measure("PostgreSQL", engine, args.monthly)
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--url", default=PG_URL, help="PostgreSQL database for a scratch schema")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument("--monthly", action="store_true", help="also time a 24-month series")
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    if not args.skip_sqlite:
        results.update({f"SQLite {k}": v for k, v in run_sqlite(args).items()})
    if not args.skip_postgresql:
        results.update({f"PostgreSQL {k}": v for k, v in run_postgresql(args).items()})
    targets = {k: v for k, v in results.items() if "not a target" not in k}
    return 0 if all(t < TARGET_SECONDS for t in targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
