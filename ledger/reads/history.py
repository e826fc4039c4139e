"""The ledger's own history over a period, read once for a policy simulation.

A simulation (workflows/simulate.py) replays the days ``first``..``last`` in memory; it
needs, in a few set-based queries and never one per receivable: the receivables open at
some point of the period, the dated events that changed their balance (payments'
allocations, approved write-offs), their stage on ``first`` (from the stage history),
disputes opened and resolved and write-offs in the period, promises, the reminder steps
already recorded before ``first``, the customers, the orders created in the period, and
the warnings and tasks open on ``first``. Nothing here writes.

A balance on day D is today's balance plus what was paid or written off after D (as
ledger/reports/history.py reckons it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.facts import open_orders_exposure
from ledger.models import (
    Allocation,
    Customer,
    Payment,
    Promise,
    PromiseReceivable,
    Receivable,
    Reminder,
    RiskWarning,
    SalesOrder,
    StageChange,
    Task,
    TaskReceivable,
    WriteOff,
)

R, A, P = Receivable.__table__, Allocation.__table__, Payment.__table__
S, W, C = StageChange.__table__, WriteOff.__table__, Customer.__table__
ZERO = Decimal("0.00")


@dataclass
class PastReceivable:
    """One receivable as the replay starts it: its stage at the start of ``first`` and
    the dated events of the period."""

    id: int
    number: str
    customer_id: int
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str
    balance_now: Decimal
    stage: str  # at the start of ``first`` (before that day's cycle)
    resume_stage: str | None
    stage_since: date
    changes: list[tuple[date, Decimal]] = field(default_factory=list)  # paid/written off
    disputed: list[tuple[date, date | None]] = field(default_factory=list)  # [from, until)
    written_off_on: date | None = None
    promised: list[tuple[date, date]] = field(default_factory=list)  # [created, promised]
    steps_done: set[str] = field(default_factory=set)  # reminder steps before ``first``
    sent: int = 0  # of them, not superseded


@dataclass(frozen=True)
class PastCustomer:
    id: int
    code: str
    segment: str
    rating: str | None
    country: str
    credit_limit: Decimal | None
    collector: str | None
    paused: bool
    paused_until: date | None
    open_orders: Decimal  # today's open orders (their history is not kept)
    limit_override: Decimal | None
    override_until: date | None


@dataclass
class PastBook:
    """Everything a replay of ``first``..``last`` reads."""

    first: date
    last: date
    receivables: list[PastReceivable]
    customers: dict[int, PastCustomer]
    broken_promises: dict[int, list[date]]  # customer -> days a promise broke
    orders: list[dict[str, Any]]  # created in the period
    warnings: set[tuple[str, str, str]]  # (rule_id, scope, subject) open on ``first``
    tasks: dict[tuple[int, str, str], set[int]]  # (customer, kind, assignee) -> receivables


def past_book(session: Session, first: date, last: date) -> PastBook:
    """The history of ``first``..``last``: about a dozen queries, whatever the size."""
    receivables = _receivables(session, first, last)
    by_id = {r.id: r for r in receivables}
    _balance_changes(session, first, by_id)
    _stage_history(session, first, by_id)
    _promises(session, first, last, by_id)
    _reminders(session, first, by_id)
    return PastBook(first, last, receivables, _customers(session),
                    _broken(session, first, last), _orders(session, first, last),
                    _warnings(session, first), _tasks(session, first))


def _receivables(session: Session, first: date, last: date) -> list[PastReceivable]:
    """Issued by ``last`` and open now, or touched on or after ``first`` (paid, written off,
    moved): a receivable settled before the period has no event in it and is left out."""
    paid = select(A.c.receivable_id).join(P, P.c.id == A.c.payment_id).where(P.c.date >= first)
    written = select(W.c.receivable_id).where(W.c.status == "approved", W.c.decided_on >= first)
    moved = select(S.c.receivable_id).where(S.c.on_date >= first)
    stmt = (
        select(R.c.id, R.c.number, R.c.customer_id, R.c.issue_date, R.c.due_date, R.c.amount,
               R.c.balance, R.c.currency, R.c.stage, R.c.resume_stage, R.c.stage_since)
        .where(R.c.issue_date <= last,
               or_(R.c.stage.in_(ACTIVE_STAGES), R.c.id.in_(paid), R.c.id.in_(written),
                   R.c.id.in_(moved)))
        .order_by(R.c.customer_id, R.c.id)
    )
    return [PastReceivable(row.id, row.number, row.customer_id, row.issue_date, row.due_date,
                           row.amount, row.currency, row.balance, row.stage, row.resume_stage,
                           row.stage_since)
            for row in session.execute(stmt)]


def _balance_changes(session: Session, first: date, by_id: dict[int, PastReceivable]) -> None:
    """Allocations of payments dated on or after ``first`` and write-offs approved then."""
    paid = (select(A.c.receivable_id, P.c.date, A.c.amount)
            .join(P, P.c.id == A.c.payment_id).where(P.c.date >= first))
    written = (select(W.c.receivable_id, W.c.decided_on, W.c.amount)
               .where(W.c.status == "approved", W.c.decided_on >= first))
    for stmt in (paid, written):
        for rid, on, amount in session.execute(stmt):
            if rid in by_id:
                by_id[rid].changes.append((on, amount))


def _stage_history(session: Session, first: date, by_id: dict[int, PastReceivable]) -> None:
    """The stage each receivable was in when ``first`` began, and the disputes and
    write-offs of the period (a person's changes; the cycle's own are replayed)."""
    last_id = (select(func.max(S.c.id).label("id")).where(S.c.on_date < first)
               .group_by(S.c.receivable_id).subquery())
    before = {row.receivable_id: row for row in session.execute(
        select(S.c.receivable_id, S.c.from_stage, S.c.to_stage, S.c.on_date)
        .join(last_id, last_id.c.id == S.c.id))}
    for past in by_id.values():
        if past.stage_since < first:
            continue  # no stage change since before the period: today's stage it was
        row = before.get(past.id)
        if row is None:
            past.stage, past.resume_stage, past.stage_since = "current", None, past.issue_date
        else:
            past.stage, past.stage_since = row.to_stage, row.on_date
            past.resume_stage = row.from_stage if row.to_stage == "disputed" else None
    if_open: dict[int, date] = {}
    for past in by_id.values():
        if past.stage == "disputed":
            if_open[past.id] = first
    stmt = (select(S.c.receivable_id, S.c.from_stage, S.c.to_stage, S.c.on_date)
            .where(S.c.on_date >= first).order_by(S.c.id))
    for rid, src, dest, on in session.execute(stmt):
        past = by_id.get(rid)
        if past is None:
            continue
        if dest == "disputed":
            if_open[rid] = on
        elif src == "disputed" and rid in if_open:
            past.disputed.append((if_open.pop(rid), on))
        if dest == "written_off" and past.written_off_on is None:
            past.written_off_on = on
    for rid, start in if_open.items():
        by_id[rid].disputed.append((start, None))


def _promises(session: Session, first: date, last: date,
              by_id: dict[int, PastReceivable]) -> None:
    """Promises covering a receivable during the period (cancelled ones left out: the day
    they were cancelled is not kept)."""
    p, link = Promise.__table__, PromiseReceivable.__table__
    stmt = (select(link.c.receivable_id, p.c.created_on, p.c.promised_date)
            .join(p, p.c.id == link.c.promise_id)
            .where(p.c.promised_date >= first, p.c.created_on <= last,
                   p.c.status != "cancelled"))
    for rid, created, promised in session.execute(stmt):
        if rid in by_id:
            by_id[rid].promised.append((created, promised))


def _reminders(session: Session, first: date, by_id: dict[int, PastReceivable]) -> None:
    m = Reminder.__table__
    stmt = select(m.c.receivable_id, m.c.step, m.c.superseded).where(m.c.for_date < first)
    for rid, step, superseded in session.execute(stmt):
        past = by_id.get(rid)
        if past is not None:
            past.steps_done.add(step)
            past.sent += not superseded


def _customers(session: Session) -> dict[int, PastCustomer]:
    orders = open_orders_exposure()
    stmt = (select(C.c.id, C.c.code, C.c.segment, C.c.rating, C.c.country, C.c.credit_limit,
                   C.c.collector, C.c.reminders_paused, C.c.reminders_paused_until,
                   orders.c.open_orders, C.c.limit_override, C.c.override_until)
            .select_from(C.outerjoin(orders, orders.c.customer_id == C.c.id)))
    return {row.id: PastCustomer(row.id, row.code, row.segment or "", row.rating, row.country,
                                 row.credit_limit, row.collector, bool(row.reminders_paused),
                                 row.reminders_paused_until,
                                 row.open_orders if row.open_orders is not None else ZERO,
                                 row.limit_override, row.override_until)
            for row in session.execute(stmt)}


def _broken(session: Session, first: date, last: date) -> dict[int, list[date]]:
    p = Promise.__table__
    found: dict[int, list[date]] = defaultdict(list)
    stmt = select(p.c.customer_id, p.c.broken_on).where(
        p.c.status == "broken", p.c.broken_on.is_not(None), p.c.broken_on <= last,
        p.c.broken_on > date.fromordinal(first.toordinal() - 90))
    for cid, on in session.execute(stmt):
        found[cid].append(on)
    return dict(found)


def _orders(session: Session, first: date, last: date) -> list[dict[str, Any]]:
    o = SalesOrder.__table__
    stmt = (select(o.c.number, o.c.customer_id, o.c.amount, o.c.currency, o.c.created_on)
            .where(o.c.created_on >= first, o.c.created_on <= last).order_by(o.c.id))
    return [dict(row._mapping) for row in session.execute(stmt)]


def _warnings(session: Session, first: date) -> set[tuple[str, str, str]]:
    w = RiskWarning.__table__
    stmt = select(w.c.rule_id, w.c.scope, w.c.subject).where(
        w.c.opened_on < first, or_(w.c.closed_on.is_(None), w.c.closed_on >= first))
    return {(rule, scope, subject) for rule, scope, subject in session.execute(stmt)}


def _tasks(session: Session, first: date) -> dict[tuple[int, str, str], set[int]]:
    t, link = Task.__table__, TaskReceivable.__table__
    open_then = and_(t.c.created_on < first, or_(t.c.closed_on.is_(None), t.c.closed_on >= first))
    found: dict[tuple[int, str, str], set[int]] = {}
    for cid, kind, assignee in session.execute(
            select(t.c.customer_id, t.c.kind, t.c.assignee).where(open_then)):
        found[(cid, kind, assignee)] = set()
    stmt = (select(t.c.customer_id, t.c.kind, t.c.assignee, link.c.receivable_id)
            .join(link, link.c.task_id == t.c.id)
            .where(open_then, link.c.added_on < first,
                   or_(link.c.left_on.is_(None), link.c.left_on >= first)))
    for cid, kind, assignee, rid in session.execute(stmt):
        found.setdefault((cid, kind, assignee), set()).add(rid)
    return found
