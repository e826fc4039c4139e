"""Run one daily cycle in this process and SIGKILL it at an injected point.

    python -m tests.faults.killer URL AS_OF CHUNK MODE [N] [APP_NAME]

MODE:
  count          run the day to the end; print JSON: SQL statements, commits, chunks, and
                 the number of the last statement before the day's last data-carrying
                 commit (kill points are spread up to it)
  statement      SIGKILL just before SQL statement number N is sent
  before-commit  SIGKILL just before data-carrying commit number N reaches the database
  after-commit   SIGKILL just after data-carrying commit number N returned

A "data-carrying" commit is one on a connection that sent an INSERT/UPDATE/DELETE since
its last commit (PostgreSQL's advisory-lock connection commits too, but carries nothing).
The injection lives here only, as engine event listeners and a wrapper around the
dialect's ``do_commit``: production code is run untouched.

The mail setup is the one tests/workflows/test_reminders.py uses, so the day queues
reminders to the outbox; the test process imports ``MAIL`` and ``POLICY`` from here.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import date
from pathlib import Path
from typing import Any

from engine import load_policy
from tests.factories import mail_setup

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
MAIL = mail_setup()
WRITES = ("insert", "update", "delete")
MODES = ("count", "statement", "before-commit", "after-commit")


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _raw(connection: Any) -> int:
    """The DBAPI connection behind a SQLAlchemy or pool-proxied one, as a dict key."""
    return id(getattr(connection, "dbapi_connection", connection))


def instrument(engine: Any, mode: str, target: int) -> dict[str, Any]:
    """Count statements and commits on ``engine``; kill this process at ``target``."""
    from sqlalchemy import event

    seen: dict[str, Any] = {"statements": 0, "commits": 0, "data_commits": 0, "last_day": 0}
    dirty: set[int] = set()

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen["statements"] += 1
        if mode == "statement" and seen["statements"] == target:
            _die()
        if statement.lstrip().lower().startswith(WRITES):
            dirty.add(_raw(conn.connection))

    commit = engine.dialect.do_commit

    def do_commit(dbapi_connection: Any) -> None:
        carries = _raw(dbapi_connection) in dirty
        dirty.discard(_raw(dbapi_connection))
        number = seen["data_commits"] + 1 if carries else 0
        if mode == "before-commit" and number == target:
            _die()
        commit(dbapi_connection)
        seen["commits"] += 1
        if carries:
            seen["data_commits"] = number
            seen["last_day"] = seen["statements"]  # the last statement of the day's writes
        if mode == "after-commit" and number == target:
            _die()

    engine.dialect.do_commit = do_commit
    return seen


def main(argv: list[str]) -> int:
    from ledger.db import make_engine
    from workflows.cycle import run_cycle

    url, as_of, chunk, mode = argv[0], date.fromisoformat(argv[1]), int(argv[2]), argv[3]
    if mode not in MODES:
        raise SystemExit(f"mode: one of {MODES}")
    target = int(argv[4]) if len(argv) > 4 else 0
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql") and len(argv) > 5:
        kwargs["connect_args"] = {"application_name": argv[5]}  # so the test can wait for it
    engine = make_engine(url, **kwargs)
    seen = instrument(engine, mode, target)
    chunks: list[int] = []
    summary = run_cycle(
        engine, POLICY, as_of, chunk_size=chunk, mail=MAIL, progress=lambda n, _: chunks.append(n)
    )
    engine.dispose()
    print(json.dumps({**seen, "chunks": len(chunks), "summary": summary.as_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
