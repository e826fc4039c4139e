"""The simulation benchmark: 90 days replayed under two policies, against 90 daily cycles.

    python bench/simulate.py [--receivables 100000] [--customers 10000] [--days 90]
                             [--cycles 3] [--url postgresql://...]

Issue 16: `arflow policy simulate` over 90 days of 100,000 receivables, both policies,
takes at most the time of 90 daily cycles of one policy. The portfolio is bench/cycle.py's
(bench/generate.py, warm stages); the candidate is rules/ with escalation at 20 days
instead of 30. The simulation runs first, on the untouched portfolio (it writes nothing;
the bench checks the row counts). The 90 cycles are measured by running ``--cycles``
real daily cycles (reminders planned and rendered, as the service runs them; one day's
work each on the warm portfolio, as bench/cycle.py does) and multiplying their mean by 90.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.generate` when run as `python bench/simulate.py`

from bench.generate import AS_OF, generate, run_on_scratch  # noqa: E402

RATIO_TARGET = 1.0
ESCALATE = "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)"


def row_counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select
    from sqlmodel import Session, SQLModel

    with Session(engine) as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def run(url: str, home: Path, args: argparse.Namespace) -> int:
    from engine import load_policy, load_policy_texts
    from ledger.db import make_engine
    from ledger.migrate import upgrade
    from notifiers.templates import Templates
    from workflows.calendar import BusinessCalendar
    from workflows.cycle import run_cycle
    from workflows.reminders import MailSetup
    from workflows.simulate import simulate

    engine = make_engine(url)
    upgrade(engine)
    stats = generate(engine, args.receivables, args.customers, as_of=AS_OF, seed=args.seed)
    print(f"generated  {stats.receivables:,} receivables ({stats.active:,} active) over "
          f"{stats.customers:,} customers in {stats.seconds:.1f} s -> {url.split('?')[0]}",
          flush=True)
    active = load_policy(ROOT / "rules")
    files = dict(active.files)
    files["collection.yaml"] = files["collection.yaml"].replace(ESCALATE, "days_overdue >= 20")
    candidate = load_policy_texts(files)
    calendar = BusinessCalendar("CN")
    first = AS_OF - timedelta(days=args.days - 1)
    before = row_counts(engine)
    started, cpu = time.perf_counter(), time.process_time()
    result = simulate(engine, active, candidate, first, AS_OF, today=AS_OF, calendar=calendar)
    simulate_seconds = time.perf_counter() - started
    simulate_cpu = time.process_time() - cpu
    unchanged = row_counts(engine) == before
    data = result.as_dict()
    diff = data["differences"]
    print(f"simulate   {simulate_seconds:.1f} s ({simulate_cpu:.1f} s CPU) for {args.days} days "
          f"{first} -> {AS_OF}, both policies; escalated "
          f"{data['active']['stage_moves']['escalated']:,} -> "
          f"{data['candidate']['stage_moves']['escalated']:,} "
          f"({diff['stage_moves']['escalated']:+,}), reminder emails "
          f"{data['active']['reminders']['messages']:,} -> "
          f"{data['candidate']['reminders']['messages']:,}, tasks "
          f"{data['active']['tasks']['opened']:,} -> {data['candidate']['tasks']['opened']:,}; "
          f"rows written: {'none' if unchanged else 'SOME (a bug)'}", flush=True)
    sender = {"company": "示例贸易有限公司", "email": "ar@example.com", "phone": "021-5555",
              "bank_name": "工商银行", "bank_account": "1001", "account_name": "示例贸易"}
    mail = MailSetup(templates=Templates(ROOT / "config" / "templates"), calendar=calendar,
                     sender=sender)
    seconds, cpus = [], []
    for n in range(args.cycles):
        day: date = AS_OF + timedelta(days=n)
        started, cpu = time.perf_counter(), time.process_time()
        summary = run_cycle(engine, active, day, mail=mail)
        seconds.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        print(f"cycle      {seconds[-1]:.1f} s ({cpus[-1]:.1f} s CPU) as of {day}: "
              f"{summary.evaluated:,} evaluated, "
              f"{summary.stage_moves:,} stage moves, {summary.reminders_queued:,} reminders",
              flush=True)
    engine.dispose()
    cycles = sum(seconds) / len(seconds) * args.days
    ratio = simulate_seconds / cycles if cycles else float("inf")
    ok = ratio <= RATIO_TARGET and unchanged
    cycles_cpu = sum(cpus) / len(cpus) * args.days
    print(f"{args.days} cycles {cycles:.0f} s, {cycles_cpu:.0f} s CPU in this process (mean of "
          f"{len(seconds)} real cycles x {args.days})")
    print(f"ratio      {ratio:.2f}x simulation (2 policies) / {args.days} daily cycles (1 policy)"
          f"   target <= {RATIO_TARGET:.1f}x   {'ok' if ok else 'MISSED'}   "
          f"(CPU {simulate_cpu / cycles_cpu if cycles_cpu else float('inf'):.2f}x)")
    return 0 if ok else 1


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivables", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--cycles", type=int, default=3, help="real cycles timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a PostgreSQL URL (a scratch schema is made in it)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return run_on_scratch(args.url, "arflow-bench-simulate-",
                          lambda url, home: run(url, home, args))


if __name__ == "__main__":
    sys.exit(main())
