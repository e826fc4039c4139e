"""Kill `arflow dispatch` (SIGKILL) at chosen or random moments and count what arrives.

Used by tests/faults/test_dispatch_kills.py and, for the full 30-kill run with printed
counts, by bench/dispatch_kills.py. The dispatcher runs as a real process with the
project's own wiring (settings, SMTP notifier, send journal); the SMTP server is aiosmtpd
in this process. After a kill, time is moved past the lease (the leases are expired in
the database) so the next run may claim what the dead one held.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, update

from ledger.db import session_scope
from ledger.models import Outbox

ROOT = Path(__file__).resolve().parents[2]

# Kill points inside the process, after the n-th event of a kind:
#   after-send     the server said 250, nothing of ours is written yet (the unavoidable window)
#   after-journal  the journal has it, the outbox row does not
KILL_HOOKS = {
    "after-send": ("notifiers.smtp", "SmtpNotifier", "send"),
    "after-journal": ("notifiers.journal", "SendJournal", "record"),
}

RUNNER = textwrap.dedent(
    """
    import importlib, os, signal, sys
    point, nth = os.environ.get("KILL_POINT", ""), int(os.environ.get("KILL_NTH", "0"))
    if point:
        module, cls, name = {hooks!r}[point]
        owner = getattr(importlib.import_module(module), cls)
        real, seen = getattr(owner, name), [0]
        if name == "send":
            async def hooked(self, *a, **k):
                result = await real(self, *a, **k)
                seen[0] += 1
                if seen[0] >= nth:
                    os.kill(os.getpid(), signal.SIGKILL)
                return result
        else:
            def hooked(self, *a, **k):
                result = real(self, *a, **k)
                seen[0] += 1
                if seen[0] >= nth:
                    os.kill(os.getpid(), signal.SIGKILL)
                return result
        setattr(owner, name, hooked)
    from arflow.cli.main import app
    sys.argv = ["arflow", "dispatch"]
    app()
    """
).format(hooks=KILL_HOOKS)


@dataclass
class KillReport:
    kills: int = 0
    runs: int = 0
    per_kill_duplicates: list[int] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return sum(self.per_kill_duplicates)


def environment(url: str, home: Path, smtp_port: int, concurrency: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARFLOW_")}
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.yaml").write_text(
        f"smtp:\n  concurrency: {concurrency}\n  timeout: 5\n", encoding="utf-8"
    )
    env.update(
        ARFLOW_HOME=str(home),
        ARFLOW_DATABASE_URL=url,
        ARFLOW_SMTP_HOST="127.0.0.1",
        ARFLOW_SMTP_PORT=str(smtp_port),
        ARFLOW_MAIL_FROM="AR <ar@example.com>",
        ARFLOW_POLICY_DIR=str(ROOT / "rules"),
        PYTHONPATH=str(ROOT),
    )
    return env


def run_dispatch(
    env: dict[str, str], *, point: str = "", nth: int = 0, kill_after: float | None = None
) -> int:
    """One `arflow dispatch`; killed by a hook (``point``/``nth``) or after ``kill_after``
    seconds. Returns its exit status (-9 when killed)."""
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER],
        env={**env, "KILL_POINT": point, "KILL_NTH": str(nth)},
        cwd=env["ARFLOW_HOME"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        if kill_after is not None:
            try:
                process.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    if process.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"arflow dispatch failed ({process.returncode}): {err.decode()}")
    return process.returncode


def expire_leases(engine: Engine) -> None:
    """Time passes beyond the lease: rows a dead dispatcher held are claimable again."""
    with session_scope(engine) as session:
        t = Outbox.__table__
        session.execute(
            update(t).where(t.c.status == "sending").values(lease_until=t.c.created_at)
        )


def deliveries(received: list) -> Counter[str]:  # type: ignore[type-arg]
    return Counter(str(r.message["Message-ID"]) for r in received)


def random_kills(
    engine: Engine,
    env: dict[str, str],
    received: list,  # type: ignore[type-arg]
    kills: int,
    seed: int,
    window: tuple[float, float] = (0.8, 2.5),
) -> KillReport:
    """``kills`` runs in a row, each killed at a random moment of ``window`` seconds, then
    one run to the end. A kill's extra copies show when the next run resends what it had
    in flight: they are counted between one kill and the next."""
    rng = random.Random(seed)
    report = KillReport()
    extras = 0
    for _ in range(kills):
        code = run_dispatch(env, kill_after=rng.uniform(*window))
        report.runs += 1
        report.kills += code == -signal.SIGKILL
        now = sum(n - 1 for n in deliveries(received).values())
        if report.runs > 1:
            report.per_kill_duplicates.append(now - extras)
        extras = now
        expire_leases(engine)
    run_dispatch(env)
    report.runs += 1
    now = sum(n - 1 for n in deliveries(received).values())
    report.per_kill_duplicates.append(now - extras)
    return report
