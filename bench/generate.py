"""A fast synthetic portfolio for benchmarks: rows straight into the tables.

Benchmarks need 100k+ receivables in seconds, so this skips the CSV importer (which
validates and allocates row by row) and bulk-inserts with SQLAlchemy Core executemany,
in batches so memory stays flat whatever the size. Deterministic for a given seed.

Due dates are spread so a cycle has every kind of work: not yet due, just due, a few
weeks late, months late; some receivables are paid (closed), a few were paid since the
last cycle (balance zero, still open: the cycle settles them), a few are disputed.
Stages are "warm" by default: each open receivable already sits in the stage the
example policy (shared/POLICY.md) gave it yesterday, so the cycle does one day's work.
``cold=True`` leaves every open receivable in ``current``, as after a first import.

    python bench/generate.py PATH.db [--receivables N] [--customers M] [--cold]
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select

from ledger.models import Customer, Receivable

T = TypeVar("T")
AS_OF = date(2025, 6, 16)  # a Monday and a Chinese business day
STAMP = datetime(2025, 1, 1, tzinfo=UTC)  # metadata timestamps: fixed, not the clock
BATCH = 10_000
SEGMENTS = ("manufacturing", "distribution", "retail", "export")
RATINGS = ("A", "B", "C", "D", "E", None)
COLLECTORS = ("li.na", "wang.wei", "zhang.min", "chen.jie")
TERMS = (30, 45, 60, 90)
# (share, lowest, highest days overdue on as_of); negative = days before the due date
OVERDUE_SPREAD = ((0.30, -60, 0), (0.35, 1, 30), (0.20, 31, 90), (0.15, 91, 360))
_SPANS = [(low, high) for _, low, high in OVERDUE_SPREAD]
_WEIGHTS = [share for share, _, _ in OVERDUE_SPREAD]
PAID_SHARE = 0.12  # closed: stage paid
PAID_SINCE_YESTERDAY = 0.01  # balance zero, stage still open
DISPUTED_SHARE = 0.005
PARTIAL_SHARE = 0.10


@dataclass
class GenStats:
    customers: int = 0
    receivables: int = 0
    paid: int = 0
    to_settle: int = 0
    disputed: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def active(self) -> int:
        return self.receivables - self.paid


def customer_rows(rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    for n in range(1, count + 1):
        segment = rng.choice(SEGMENTS)
        export = segment == "export"
        yield {
            "code": f"B{n:07d}",
            "name": f"客户{n:07d}有限公司" if not export else f"Buyer {n}",
            "email": f"ar{n}@example.cn",
            "language": "en" if export else "zh-CN",
            "segment": segment,
            "country": "US" if export else "CN",
            "rating": rng.choice(RATINGS),
            "credit_limit": None if rng.random() < 0.03 else Decimal(rng.randint(2, 100) * 10_000),
            "payment_terms_days": rng.choice(TERMS),
            "collector": rng.choice(COLLECTORS),
            "reminders_paused_until": None,
            "created_at": STAMP,
            "updated_at": STAMP,
        }


def warm_stage(due: date, balance: Decimal, issue: date, day: date) -> tuple[str, date]:
    """The stage (and since when) the example policy would have given it on ``day``."""
    late = (day - due).days
    if late >= 90:
        return "legal", due + timedelta(days=90)
    if late >= 30 or (late >= 15 and balance >= 100_000):
        return "escalated", due + timedelta(days=30 if late >= 30 else 15)
    if late >= 1:
        return "overdue", due + timedelta(days=1)
    if late >= -7:
        return "due_soon", due - timedelta(days=7)
    return "current", issue


def receivable_row(
    rng: random.Random, n: int, customer: tuple[int, int, str], as_of: date, cold: bool
) -> dict[str, Any]:
    customer_id, terms, currency = customer
    low, high = rng.choices(_SPANS, weights=_WEIGHTS)[0]
    due = as_of - timedelta(days=rng.randint(low, high))
    issue = due - timedelta(days=terms)
    amount = Decimal(min(2_000_000_00, max(500_00, int(30_000_00 * math.exp(rng.gauss(0, 1))))))
    amount = amount / 100
    row = {
        "number": f"R{n:09d}",
        "customer_id": customer_id,
        "issue_date": issue,
        "due_date": due,
        "amount": amount,
        "balance": amount,
        "currency": currency,
        "resume_stage": None,
        "created_at": STAMP,
        "updated_at": STAMP,
    }
    roll = rng.random()
    if roll < PAID_SHARE:
        paid_on = min(as_of - timedelta(days=1), max(issue, due + timedelta(rng.randint(-5, 20))))
        return {**row, "balance": Decimal("0.00"), "stage": "paid", "stage_since": paid_on}
    stage, since = (
        ("current", issue) if cold else warm_stage(due, amount, issue, as_of - timedelta(days=1))
    )
    row.update(stage=stage, stage_since=min(since, as_of - timedelta(days=1)))
    roll -= PAID_SHARE
    if roll < PAID_SINCE_YESTERDAY:
        row["balance"] = Decimal("0.00")
    elif roll < PAID_SINCE_YESTERDAY + DISPUTED_SHARE:
        row.update(stage="disputed", resume_stage=stage)
    elif roll < PAID_SINCE_YESTERDAY + DISPUTED_SHARE + PARTIAL_SHARE:
        row["balance"] = (amount * Decimal(rng.randint(10, 90)) / 100).quantize(Decimal("0.01"))
    return row


def generate(
    engine: Engine,
    receivables: int = 100_000,
    customers: int = 10_000,
    *,
    as_of: date = AS_OF,
    seed: int = 1,
    cold: bool = False,
) -> GenStats:
    """Insert ``customers`` and ``receivables`` rows in one transaction; return what was made."""
    started = time.perf_counter()
    rng = random.Random(seed)
    stats = GenStats(customers=customers, receivables=receivables)
    c, r = Customer.__table__, Receivable.__table__
    with engine.begin() as conn:
        rows = list(customer_rows(rng, customers))
        for start in range(0, len(rows), BATCH):
            conn.execute(c.insert(), rows[start : start + BATCH])
        found = conn.execute(
            select(c.c.id, c.c.payment_terms_days, c.c.segment).order_by(c.c.id)
        ).all()
        pool = [(cid, terms, "USD" if seg == "export" else "CNY") for cid, terms, seg in found]
        batch: list[dict[str, Any]] = []
        for n in range(1, receivables + 1):
            batch.append(receivable_row(rng, n, rng.choice(pool), as_of, cold))
            if len(batch) == BATCH or n == receivables:
                _count(stats, batch)
                conn.execute(r.insert(), batch)
                batch = []
    stats.seconds = time.perf_counter() - started
    return stats


def _count(stats: GenStats, batch: list[dict[str, Any]]) -> None:
    for row in batch:
        stats.stages[row["stage"]] = stats.stages.get(row["stage"], 0) + 1
        stats.paid += row["stage"] == "paid"
        stats.to_settle += row["stage"] != "paid" and row["balance"] == 0
        stats.disputed += row["stage"] == "disputed"


def main(argv: list[str] | None = None) -> int:
    from ledger.db import make_engine
    from ledger.migrate import upgrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a new SQLite file")
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="every open receivable in current")
    args = parser.parse_args(argv)
    if args.db.exists():
        print(f"generate: {args.db} exists; give a new file", file=sys.stderr)
        return 2
    engine = make_engine(f"sqlite:///{args.db}")
    upgrade(engine)
    stats = generate(engine, args.receivables, args.customers, seed=args.seed, cold=args.cold)
    print(
        f"{stats.customers} customers, {stats.receivables} receivables "
        f"({stats.active} active, {stats.to_settle} to settle, {stats.disputed} disputed) "
        f"in {stats.seconds:.2f} s; stages {dict(sorted(stats.stages.items()))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())


@contextmanager
def scratch_sqlite(path: Path | None, name: str, keep: bool) -> Iterator[Path]:
    """A SQLite file for one bench run: ``path``, or one in a temp folder; removed after
    (with its WAL files) unless ``keep``."""
    tmp = None if path else Path(tempfile.mkdtemp(prefix="arflow-bench-"))
    db = path or tmp / name  # type: ignore[operator]
    try:
        yield db
    finally:
        if not keep:
            for file in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                file.unlink(missing_ok=True)
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def scratch_schema(url: str) -> Iterator[str]:
    """A URL into a new schema of the PostgreSQL database at ``url``, dropped afterwards:
    a bench never writes into a schema that holds anything else."""
    from sqlalchemy import text

    from ledger.db import make_engine

    schema = f"arflow_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_on_scratch(url: str | None, prefix: str, run: Callable[[str, Path], T]) -> T:
    """``run(database_url, home)`` on a throwaway database: a new schema of the PostgreSQL
    database at ``url`` (dropped after), or a new SQLite file; ``home`` a temp folder."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if url:
            with scratch_schema(url) as scratch:
                return run(scratch, folder)
        return run(f"sqlite:///{folder / 'bench.db'}", folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
