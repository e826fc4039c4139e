"""The cycle benchmark: one full daily cycle, against the rules engine alone on the same facts.

    python bench/cycle.py [--receivables 100000] [--customers 10000] [--db PATH] [--keep]

DESIGN.md: "nothing else in a cycle should cost more than the engine does". So the
targets are: the whole cycle (SQL facts, rules, lifecycle, writes, audit) takes at most
2.0x the time durable_rules alone needs to assert and retract the same facts, and the
process stays under 1 GB peak RSS.

The engine-alone figure is measured first, in a child process, on the same database
state the cycle then sees: its fact lists do not count toward the cycle's peak RSS, and
its durable_rules ruleset cannot clash with the one the cycle registers.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.generate` when run as `python bench/cycle.py`

from bench.generate import AS_OF, generate, scratch_sqlite  # noqa: E402

RATIO_TARGET = 2.0
RSS_TARGET_MB = 1024.0


def build_facts(
    url: str, as_of: date, chunk_size: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    """The receivable and customer fact dicts the cycle builds, built as it builds them."""
    from sqlmodel import Session

    from ledger.db import make_engine
    from ledger.facts import customer_facts, receivable_facts, receivable_rows

    started = time.perf_counter()
    engine = make_engine(url)
    with Session(engine) as session:
        customers = customer_facts(session, as_of)
        receivables = [
            receivable_facts(row, customers[row["customer_id"]])
            for rows in receivable_rows(session, as_of, chunk_size)
            for row in rows
        ]
    engine.dispose()
    customer_list = [{"id": cid, **values} for cid, values in customers.items()]
    return receivables, customer_list, time.perf_counter() - started


def engine_alone(url: str, policy_dir: str, as_of: date, chunk_size: int) -> dict[str, float]:
    """In the child: SQL fact time, and durable_rules time on exactly the cycle's facts."""
    from engine import load_policy
    from engine.benchmark import raw_engine_seconds

    policy = load_policy(Path(policy_dir))
    receivables, customers, facts_seconds = build_facts(url, as_of, chunk_size)
    return {
        "facts_seconds": facts_seconds,
        "receivable_facts": len(receivables),
        "customer_facts": len(customers),
        "engine_seconds": raw_engine_seconds(policy, receivables, "receivable")
        + raw_engine_seconds(policy, customers, "customer"),
    }


def peak_rss_mb() -> float:
    """This process's peak resident set (Linux reports ru_maxrss in KiB, macOS in bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / (1024 * 1024)


def run(args: argparse.Namespace, db: Path) -> int:
    from engine import load_policy
    from ledger.db import make_engine
    from ledger.migrate import upgrade
    from workflows.cycle import run_cycle

    url = f"sqlite:///{db}"
    engine = make_engine(url)
    upgrade(engine)
    stats = generate(
        engine, args.receivables, args.customers, as_of=AS_OF, seed=args.seed, cold=args.cold
    )
    print(
        f"generated  {stats.receivables:,} receivables ({stats.active:,} active, "
        f"{stats.to_settle:,} paid since yesterday, {stats.disputed:,} disputed) over "
        f"{stats.customers:,} customers in {stats.seconds:.1f} s "
        f"[{'cold' if args.cold else 'warm'} stages] -> {db}",
        flush=True,
    )
    policy = load_policy(args.policy)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        alone = pool.apply(engine_alone, (url, str(args.policy), AS_OF, args.chunk_size))
    print(
        f"engine     {alone['engine_seconds']:.2f} s durable_rules alone, assert+retract of "
        f"{alone['receivable_facts']:,} receivable + {alone['customer_facts']:,} customer "
        f"facts (building them in SQL: {alone['facts_seconds']:.2f} s)",
        flush=True,
    )
    rss_before = current_rss_mb()
    started = time.perf_counter()
    summary = run_cycle(engine, policy, AS_OF, chunk_size=args.chunk_size)
    cycle_seconds = time.perf_counter() - started
    peak = peak_rss_mb()
    engine.dispose()
    print(
        f"cycle      {cycle_seconds:.2f} s as of {AS_OF}: {summary.evaluated:,} evaluated, "
        f"{summary.stage_moves:,} stage moves, {summary.settled:,} settled, "
        f"{summary.warnings_opened:,} warnings opened, {summary.tasks_opened:,} tasks"
    )
    return report(cycle_seconds, alone["engine_seconds"], peak, rss_before)


def report(cycle_seconds: float, engine_seconds: float, peak_mb: float, before_mb: float) -> int:
    """The verdict against the targets; exit status 1 when one is missed."""
    ratio = cycle_seconds / engine_seconds if engine_seconds else float("inf")
    ratio_ok, rss_ok = ratio <= RATIO_TARGET, peak_mb < RSS_TARGET_MB
    print(
        f"ratio      {ratio:.2f}x cycle / engine alone   target <= {RATIO_TARGET:.1f}x   "
        f"{'ok' if ratio_ok else 'MISSED'}"
    )
    print(
        f"peak RSS   {peak_mb:,.0f} MB (before the cycle {before_mb:,.0f} MB)   "
        f"target < {RSS_TARGET_MB / 1024:.0f} GB   {'ok' if rss_ok else 'MISSED'}"
    )
    return 0 if ratio_ok and rss_ok else 1


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="SQLite file to create (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="open receivables all in 'current' (a first cycle after import)",
    )
    parser.add_argument("--policy", type=Path, default=ROOT / "rules")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=5000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db is not None and args.db.exists():
        print(f"bench/cycle.py: {args.db} exists; give a new file", file=sys.stderr)
        return 2
    with scratch_sqlite(args.db, "cycle.db", args.keep) as db:
        return run(args, db)


if __name__ == "__main__":
    sys.exit(main())
