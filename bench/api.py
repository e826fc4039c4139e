"""The collector's pages and the ERP feed at scale: 1,000,000 receivables.

    python bench/api.py [--receivables 1000000] [--customers 50000] [--collectors 40]
                        [--calls 300] [--url postgresql://...] [--keep PATH]

Issue 5's targets: the worklist and the receivable page p95 under 100 ms; a 10,000-row
batch upsert under 5 s. The portfolio is bench/generate.py's (stages as the example policy
would have left them), spread over ``--collectors`` collectors, with what a live ledger
has around it: one open escalation task per escalated or legal receivable (assigned to
the customer's collector, its ranking inputs refreshed as the cycle leaves them) and the
stage history of every receivable that left current.
uvicorn serves the real app on 127.0.0.1 in a thread; a collector signs in through the
login form and one keep-alive client times each page; a system token posts the batches.

Default: a new SQLite file, removed after. With --url the portfolio goes into a new
schema of that PostgreSQL database, dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.*` when run as `python bench/api.py`

from bench.generate import AS_OF, generate, run_on_scratch  # noqa: E402
from bench.orders_api import start_server, system_token  # noqa: E402

PAGE_P95_MS = 100.0
BATCH_SECONDS = 5.0
BATCH_ROWS = 10_000
PASSWORD = "bench-password"


def enrich(engine: Any, collectors: int) -> None:
    """Collectors, open tasks and stage history, set-based (one statement each)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("UPDATE customer SET collector = 'col' || CAST(id % :n AS TEXT)"),
                     {"n": collectors})
        conn.execute(text(
            "INSERT INTO task (kind, status, customer_id, receivable_id, assignee, due_date,"
            " rule_id, policy_hash, created_on, note)"
            " SELECT 'call_customer', 'open', r.customer_id, r.id, c.collector, r.stage_since,"
            " 'escalated-call', '', r.stage_since, ''"
            " FROM receivable r JOIN customer c ON c.id = r.customer_id"
            " WHERE r.stage IN ('escalated', 'legal')"))
        conn.execute(text(
            "INSERT INTO stage_change (receivable_id, from_stage, to_stage, on_date, rule_id,"
            " policy_hash, actor, created_at)"
            " SELECT id, 'current', stage, stage_since, 'bench-history', '', 'cycle',"
            " CURRENT_TIMESTAMP FROM receivable WHERE stage NOT IN ('current', 'paid')"))
    from sqlmodel import Session

    from ledger.worklist import refresh_priorities

    with Session(engine) as session:  # what the cycle does at the end of each day
        refresh_priorities(session, AS_OF)
        session.commit()
    # planner statistics and (PostgreSQL) the visibility map, as autovacuum keeps them
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql"
                             else "ANALYZE")


def add_people(engine: Any, collector: str) -> None:
    from sqlmodel import Session

    from arflow.auth.passwords import hash_password
    from ledger.people_store import add_user

    with Session(engine) as session:
        add_user(session, collector, "collector", hash_password(PASSWORD), "zh-CN")
        session.commit()


def sign_in(client: Any, name: str) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = client.post("/login", data={"name": name, "password": PASSWORD,
                                           "csrf_token": token})
    if "arflow_session" not in client.cookies:
        raise RuntimeError(f"sign-in failed: {response.status_code}")


def timed_gets(client: Any, paths: list[str]) -> list[float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
        timings.append(elapsed)
    return timings


def worklist_paths(rng: random.Random, calls: int, customers: list[str]) -> list[str]:
    """What a collector does all day: the list, filtered, and paged."""
    variants = ["/worklist", "/worklist?stage=escalated", "/worklist?stage=legal",
                "/worklist?kind=call_customer", "/worklist?offset=50", "/worklist?offset=500"]
    paths = []
    for _ in range(calls):
        roll = rng.random()
        paths.append(f"/worklist?customer={rng.choice(customers)}" if roll < 0.2
                     else rng.choice(variants))
    return paths


def batch_rows(rng: random.Random, codes: list[str], start: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(start, start + BATCH_ROWS):
        due = AS_OF + timedelta(days=rng.randint(-90, 60))
        rows.append({"number": f"ERP{n:09d}", "customer_code": rng.choice(codes),
                     "issue_date": str(due - timedelta(days=30)), "due_date": str(due),
                     "amount": f"{rng.randint(500, 200_000)}.{rng.randint(0, 99):02d}",
                     "currency": "CNY"})
    return rows


def timed_post(client: Any, path: str, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = client.post(path, json=body, timeout=120)
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
    return elapsed


def percentile(timings: list[float], cut: int) -> float:
    return statistics.quantiles(timings, n=100)[cut - 1]


def run(url: str, args: argparse.Namespace, home: Path) -> dict[str, Any]:
    import httpx
    from sqlalchemy import text

    from arflow.settings import Settings
    from arflow.web import create_app, deps
    from ledger.db import make_engine
    from ledger.migrate import upgrade

    rng = random.Random(args.seed)
    engine = make_engine(url)
    figures: dict[str, Any] = {"database": engine.dialect.name}
    try:
        upgrade(engine)
        started = time.perf_counter()
        stats = generate(engine, args.receivables, args.customers, seed=args.seed)
        enrich(engine, args.collectors)
        collector = "col7"
        add_people(engine, collector)
        with engine.connect() as conn:
            mine = list(conn.execute(text(
                "SELECT code FROM customer WHERE collector = :c"), {"c": collector}).scalars())
            numbers = list(conn.execute(text(
                "SELECT r.number FROM receivable r JOIN customer c ON c.id = r.customer_id"
                " WHERE c.collector = :c"), {"c": collector}).scalars())
            tasks = conn.execute(text(
                "SELECT count(*) FROM task WHERE assignee = :c AND status = 'open'"),
                {"c": collector}).scalar_one()
            all_codes = list(conn.execute(text("SELECT code FROM customer")).scalars())
        figures.update(receivables=stats.receivables, customers=stats.customers,
                       collectors=args.collectors, collector_customers=len(mine),
                       collector_receivables=len(numbers), collector_open_tasks=tasks,
                       setup_seconds=round(time.perf_counter() - started, 1))
        print(f"{figures['database']}: {stats.receivables:,} receivables, "
              f"{stats.customers:,} customers, {args.collectors} collectors; {collector} has "
              f"{len(mine):,} customers, {len(numbers):,} receivables, {tasks:,} open tasks "
              f"(set up in {figures['setup_seconds']} s)", flush=True)
        settings = Settings(home=home, database_url=url, policy_dir=ROOT / "rules",
                            timezone="Asia/Shanghai")
        app = create_app(settings, engine)
        app.dependency_overrides[deps.today] = lambda: AS_OF
        server, thread, port = start_server(app)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=30) as person:
                sign_in(person, collector)
                timed_gets(person, worklist_paths(rng, 20, mine))  # warm-up
                worklist = timed_gets(person, worklist_paths(rng, args.calls, mine))
                pages = [f"/receivables/{rng.choice(numbers)}" for _ in range(args.calls + 20)]
                receivable = timed_gets(person, pages)[20:]
            with httpx.Client(base_url=base, headers=system_token(engine)) as erp:
                body = {"items": batch_rows(rng, all_codes, 1)}
                created = timed_post(erp, "/api/v1/receivables/batch", body)
                unchanged = timed_post(erp, "/api/v1/receivables/batch", body)
                for row in body["items"]:
                    row["amount"] = str(float(row["amount"]) + 1)
                updated = timed_post(erp, "/api/v1/receivables/batch", body)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
        figures.update(
            worklist_p50_ms=round(percentile(worklist, 50), 1),
            worklist_p95_ms=round(percentile(worklist, 95), 1),
            receivable_p50_ms=round(percentile(receivable, 50), 1),
            receivable_p95_ms=round(percentile(receivable, 95), 1),
            batch_create_s=round(created, 2), batch_unchanged_s=round(unchanged, 2),
            batch_update_s=round(updated, 2))
        return figures
    finally:
        engine.dispose()


def report(figures: dict[str, Any]) -> bool:
    ok = (figures["worklist_p95_ms"] < PAGE_P95_MS and figures["receivable_p95_ms"] < PAGE_P95_MS
          and max(figures["batch_create_s"], figures["batch_update_s"]) < BATCH_SECONDS)
    print(f"  GET /worklist            p50 {figures['worklist_p50_ms']:7.1f} ms   "
          f"p95 {figures['worklist_p95_ms']:7.1f} ms   (target p95 < {PAGE_P95_MS:.0f} ms)")
    print(f"  GET /receivables/NUMBER  p50 {figures['receivable_p50_ms']:7.1f} ms   "
          f"p95 {figures['receivable_p95_ms']:7.1f} ms   (target p95 < {PAGE_P95_MS:.0f} ms)")
    print(f"  POST /api/v1/receivables/batch x{BATCH_ROWS:,}: created "
          f"{figures['batch_create_s']:.2f} s, again unchanged {figures['batch_unchanged_s']:.2f}"
          f" s, updated {figures['batch_update_s']:.2f} s   (target < {BATCH_SECONDS:.0f} s)")
    print(f"  {'ok' if ok else 'OVER TARGET'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--collectors", type=int, default=40)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a PostgreSQL database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    figures = run_on_scratch(args.url, "arflow-api-bench-",
                             lambda url, home: run(url, args, home))
    return 0 if report(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
