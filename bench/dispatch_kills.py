"""30 SIGKILLs of `arflow dispatch` at random moments, then a run to the end: counts.

    python bench/dispatch_kills.py [--kills 30] [--messages 6000] [--concurrency 8]
                                   [--url postgresql://postgres@127.0.0.1:5432/test]

Prints, per kill, the extra copies it caused (a message the server had accepted and the
dead process had not yet written to its send journal goes out again) and the totals:
duplicates at most the concurrency per kill, none lost, every outbox row sent once.
(A database outage causes no duplicate at all: tests/faults/test_dispatch_faults.py.)
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import run_on_scratch  # noqa: E402


def kills(url: str, home: Path, args: argparse.Namespace) -> bool:
    from ledger.db import make_engine
    from ledger.migrate import upgrade
    from tests.faults.dispatch_kills import deliveries, environment, random_kills
    from tests.faults.mailbox import queue_messages, rows
    from tests.smtpserver import MailServer

    engine = make_engine(url)
    upgrade(engine)
    queue_messages(engine, home, args.messages)
    server = MailServer()
    server.start()
    try:
        started = time.monotonic()
        env = environment(url, home / "home", server.port, args.concurrency)
        report = random_kills(engine, env, server.received, args.kills, seed=args.seed)
        seconds = time.monotonic() - started
        copies = deliveries(server.received)
        outbox = rows(engine)
    finally:
        server.stop()
        engine.dispose()
    sent = sum(row.status == "sent" for row in outbox)
    lost = len({row.message_id for row in outbox} - set(copies))
    worst = max(report.per_kill_duplicates, default=0)
    print(f"database   {engine.dialect.name}")
    print(f"runs       {report.runs} ({report.kills} killed by SIGKILL, then one to the end)"
          f" in {seconds:.1f} s")
    print(f"per kill   extra copies {report.per_kill_duplicates}")
    print(f"duplicates {report.duplicates} extra copies in {report.kills} kills "
          f"(worst {worst} per kill; bound: concurrency {args.concurrency})")
    print(f"outbox     {sent} of {len(outbox)} rows sent; {lost} messages never arrived; "
          f"{len(copies)} distinct messages received")
    ok = worst <= args.concurrency and lost == 0 and sent == len(outbox)
    print("result    ", "ok" if ok else "FAILED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL (a scratch schema); default SQLite")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ok = run_on_scratch(args.url, "arflow-kills-", lambda url, home: kills(url, home, args))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
