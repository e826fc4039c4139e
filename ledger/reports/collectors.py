"""Collector performance for the incentive scheme, against settings.reports.collector_targets.

Per collector (the customer's collector): cash collected in the period (payments dated in
it, allocated to that collector's customers' receivables), promises falling due in the
period kept vs broken, and tasks closed in the period in time (closed_on <= due_date) vs
late. Targets: the collector's own entry or ``default``. ``customers`` (a CustomerSet, e.g.
one arm of a champion/challenger policy) limits all three to those customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlmodel import Session

from ledger.models import Promise, Task
from ledger.money import from_cents
from ledger.reports.customer_set import CustomerSet, where
from ledger.reports.history import A, C, P, R, cents, day

ZERO = Decimal("0.00")
RATE = Decimal("0.0001")
UNASSIGNED = "(none)"


@dataclass
class CollectorPerformance:
    collector: str
    currency: str
    collected: Decimal
    promises_kept: int
    promises_broken: int
    tasks_in_time: int
    tasks_late: int
    target_collected: Decimal | None
    target_promise_kept_rate: Decimal | None
    target_tasks_in_time_rate: Decimal | None
    promise_kept_rate: Decimal | None = None  # kept / (kept + broken)
    tasks_in_time_rate: Decimal | None = None  # in time / (in time + late)
    collected_vs_target: Decimal | None = None  # collected / target
    met: dict[str, bool] = field(default_factory=dict)  # target name -> met

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def collector_performance(
    session: Session, start: date, end: date, targets: dict[str, Any], currency: str = "CNY",
    customers: CustomerSet | None = None,
) -> list[CollectorPerformance]:
    """One line per collector with any activity in [start, end], sorted by name."""
    only = where(customers, C.c.id)
    collected = _collected(session, start, end, currency, only)
    promises = _promises(session, start, end, only)
    tasks = _tasks(session, start, end, only)
    names = sorted(set(collected) | set(promises) | set(tasks))
    return [
        _line(
            name,
            currency,
            collected.get(name, 0),
            promises.get(name, (0, 0)),
            tasks.get(name, (0, 0)),
            targets.get(name) or targets.get("default") or {},
        )
        for name in names
    ]


def _who(column: Any) -> Any:
    """The collector, or "(none)" — inlined, so GROUP BY matches it on PostgreSQL."""
    return func.coalesce(column, literal_column(f"'{UNASSIGNED}'"))


def _collected(session: Session, start: date, end: date, currency: str, only: list[Any]
               ) -> dict[str, int]:
    """Cash applied to each collector's customers' receivables from payments dated in the
    period (unapplied cash is no collector's work yet)."""
    stmt = (
        select(_who(C.c.collector), func.sum(cents(A.c.amount)))
        .select_from(
            A.join(P, P.c.id == A.c.payment_id)
            .join(R, R.c.id == A.c.receivable_id)
            .join(C, C.c.id == R.c.customer_id)
        )
        .where(P.c.date >= day(start), P.c.date <= day(end), R.c.currency == currency, *only)
        .group_by(_who(C.c.collector))
    )
    return {name: int(total) for name, total in session.execute(stmt)}


def _promises(session: Session, start: date, end: date, only: list[Any]
              ) -> dict[str, tuple[int, int]]:
    """Promises (a plan's instalments each) whose promised date falls in the period:
    (kept, broken) per collector."""
    pr = Promise.__table__
    stmt = (
        select(
            _who(C.c.collector),
            func.sum(case((pr.c.status == "kept", 1), else_=0)),
            func.sum(case((pr.c.status == "broken", 1), else_=0)),
        )
        .select_from(pr.join(C, C.c.id == pr.c.customer_id))
        .where(pr.c.promised_date >= day(start), pr.c.promised_date <= day(end), *only)
        .group_by(_who(C.c.collector))
    )
    return {name: (int(k), int(b)) for name, k, b in session.execute(stmt)}


def _tasks(session: Session, start: date, end: date, only: list[Any]
           ) -> dict[str, tuple[int, int]]:
    """Tasks closed in the period: (in time, late) per assignee (else the customer's
    collector). In time means closed_on <= due_date."""
    t = Task.__table__
    who = _who(func.coalesce(func.nullif(t.c.assignee, ""), C.c.collector))
    stmt = (
        select(
            who,
            func.sum(case((t.c.closed_on <= t.c.due_date, 1), else_=0)),
            func.sum(case((t.c.closed_on > t.c.due_date, 1), else_=0)),
        )
        .select_from(t.join(C, C.c.id == t.c.customer_id))
        .where(t.c.status == "done", t.c.closed_on >= day(start), t.c.closed_on <= day(end),
               *only)
        .group_by(who)
    )
    return {name: (int(i), int(late)) for name, i, late in session.execute(stmt)}


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATE, ROUND_HALF_UP) if whole else None


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _line(
    name: str,
    currency: str,
    collected_cents: int,
    promises: tuple[int, int],
    tasks: tuple[int, int],
    target: dict[str, Any],
) -> CollectorPerformance:
    collected = from_cents(collected_cents) or ZERO
    line = CollectorPerformance(
        collector=name,
        currency=currency,
        collected=collected,
        promises_kept=promises[0],
        promises_broken=promises[1],
        tasks_in_time=tasks[0],
        tasks_late=tasks[1],
        target_collected=_dec(target.get("collected")),
        target_promise_kept_rate=_dec(target.get("promise_kept_rate")),
        target_tasks_in_time_rate=_dec(target.get("tasks_in_time_rate")),
        promise_kept_rate=_rate(promises[0], sum(promises)),
        tasks_in_time_rate=_rate(tasks[0], sum(tasks)),
    )
    if line.target_collected:
        line.collected_vs_target = _rate(collected_cents, int(line.target_collected * 100))
        line.met["collected"] = collected >= line.target_collected
    if line.target_promise_kept_rate is not None and line.promise_kept_rate is not None:
        line.met["promise_kept_rate"] = line.promise_kept_rate >= line.target_promise_kept_rate
    if line.target_tasks_in_time_rate is not None and line.tasks_in_time_rate is not None:
        line.met["tasks_in_time_rate"] = line.tasks_in_time_rate >= line.target_tasks_in_time_rate
    return line
