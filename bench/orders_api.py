"""Order-check latency over the API: POST /api/v1/orders/check against a real uvicorn.

    python bench/orders_api.py [--customers 10000] [--receivables 100000] [--orders 20000]
                               [--calls 1000] [--warmup 100] [--url postgresql://...]

Issue 4's target: p95 under 20 ms at 10,000 customers. The portfolio is bench/orders.py's
(bench/generate.py's customers and receivables, plus open and closed orders, a third
prepaid). uvicorn serves ``arflow.web.create_app`` for real on 127.0.0.1 (a free port) in
a background thread; one keep-alive httpx client posts checks for random customers and
times each round trip (HTTP, JSON, the session, the SQL, the rules engine). The business
date is pinned to the generator's AS_OF so figures compare with bench/orders.py.

Default: a new SQLite file, removed after. With --url the portfolio goes into a new
schema of that database, dropped at the end, so nothing already there is touched.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.*` when run as `python bench/orders_api.py`

from bench.generate import AS_OF, generate, run_on_scratch  # noqa: E402
from bench.orders import TARGET_P95_MS, add_orders  # noqa: E402


def start_server(app: Any) -> tuple[Any, threading.Thread, int]:
    """uvicorn on a free port of 127.0.0.1, in a thread; returns once it accepts."""
    import uvicorn

    from arflow.service import listen

    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    else:
        raise RuntimeError("uvicorn did not start")
    return server, thread, port


def system_token(engine: Any) -> dict[str, str]:
    """A bearer token for the run (the API admits no anonymous caller)."""
    from sqlmodel import Session

    from arflow.auth.tokens import digest, new_token
    from ledger.people_store import add_token

    secret = new_token()
    with Session(engine) as session:
        add_token(session, f"bench-{secret[-6:]}", "system", digest(secret), "bench")
        session.commit()
    return {"Authorization": f"Bearer {secret}"}


def measure(port: int, codes: list[str], calls: int, warmup: int, seed: int,
            headers: dict[str, str]) -> list[float]:
    """Milliseconds per POST /api/v1/orders/check, one keep-alive connection."""
    import httpx

    rng = random.Random(seed)
    timings: list[float] = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                      headers=headers) as client:
        for n in range(warmup + calls):
            body = {"customer": rng.choice(codes), "amount": str(rng.randint(100, 1_000_000))}
            started = time.perf_counter()
            response = client.post("/api/v1/orders/check", json=body)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text}")
            if n >= warmup:
                timings.append(elapsed)
    return timings


def run(url: str, args: argparse.Namespace, home: Path) -> list[float]:
    from sqlalchemy import select

    from arflow.settings import Settings
    from arflow.web import create_app, deps
    from ledger.db import make_engine
    from ledger.migrate import upgrade
    from ledger.models import Customer

    engine = make_engine(url)
    try:
        upgrade(engine)
        stats = generate(engine, args.receivables, args.customers, seed=args.seed)
        add_orders(engine, args.orders, args.seed)
        with engine.begin() as conn:  # planner statistics, as a live database has them
            conn.exec_driver_sql("ANALYZE")
            codes = list(conn.execute(select(Customer.__table__.c.code)).scalars())
        print(
            f"{engine.dialect.name}: {stats.customers} customers, {stats.receivables} "
            f"receivables, {args.orders} orders (a third prepaid)"
        )
        settings = Settings(
            home=home, database_url=url, policy_dir=ROOT / "rules", timezone="Asia/Shanghai"
        )
        app = create_app(settings, engine)
        app.dependency_overrides[deps.today] = lambda: AS_OF
        server, thread, port = start_server(app)
        try:
            return measure(port, codes, args.calls, args.warmup, args.seed,
                           system_token(engine))
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=1_000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a PostgreSQL database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    timings = run_on_scratch(args.url, "arflow-orders-api-",
                             lambda url, home: run(url, args, home))
    cuts = statistics.quantiles(timings, n=100)
    p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    verdict = "ok" if p95 < TARGET_P95_MS else "OVER TARGET"
    print(
        f"POST /api/v1/orders/check x{len(timings)} (after {args.warmup} warm-up): "
        f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms, max {max(timings):.2f} ms "
        f"(target p95 < {TARGET_P95_MS:.0f} ms: {verdict})"
    )
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
