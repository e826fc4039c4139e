"""One receivable's (or one customer's) story as one timeline.

The timeline merges, newest first: stage changes, reminders (with the message they went
out in), warnings, tasks, payments and the audit rows people write (calls, notes,
promises, disputes, pauses, hand-over to legal, task changes). Every source is read by
an indexed key (receivable id, customer id) and capped, so a page costs the same on a
ledger of a million receivables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import literal, select
from sqlmodel import Session

from ledger.models import (
    Activity,
    Allocation,
    Outbox,
    Payment,
    Receivable,
    Reminder,
    RiskWarning,
    StageChange,
    Task,
    TaskReceivable,
)

LIMIT = 200
# audit rows that belong on a timeline (the cycle's own rows are shown from their tables)
# promises and plans are audited on the customer, naming the invoices they cover
PROMISE_ACTIONS = ("promise_recorded", "promise_kept", "promise_broken", "promise_cancelled",
                   "plan_recorded", "instalment_kept", "plan_kept", "plan_broken",
                   "plan_cancelled")
WRITEOFF_ACTIONS = ("writeoff_proposed", "writeoff_approved", "writeoff_rejected")
PEOPLE_ACTIONS = ("call_logged", "note_added", *PROMISE_ACTIONS, "dispute", "resolve",
                  "reminders_paused", "reminders_resumed", "legal_handover", "task_completed",
                  "task_reassigned", "task_closed", "contact_added", "contact_changed",
                  *WRITEOFF_ACTIONS)


def _entry(on: date, kind: str, who: str, subject: str = "", at: datetime | None = None,
           **detail: Any) -> dict[str, Any]:
    return {"on": on, "kind": kind, "who": who, "subject": subject, "at": at, **detail}


def timeline(session: Session, *, receivable_id: int | None = None,
             customer_id: int | None = None) -> list[dict[str, Any]]:
    """Newest first, at most LIMIT entries: one receivable's, or a whole customer's."""
    r = Receivable.__table__
    if receivable_id is not None:
        ids: Any = [receivable_id]
    else:
        ids = select(r.c.id).where(r.c.customer_id == customer_id)
    entries = [*_stages(session, ids), *_reminders(session, ids, customer_id),
               *_warnings(session, ids, customer_id), *_tasks(session, ids, customer_id),
               *_payments(session, ids), *_activities(session, ids, customer_id)]
    if receivable_id is not None:
        entries.extend(_promises_covering(session, receivable_id))
    entries.sort(key=_order, reverse=True)
    return entries[:LIMIT]


def _order(entry: dict[str, Any]) -> tuple[date, float, int]:
    """By day, then moment recorded (SQLite keeps whole seconds, naive UTC); on a tie the
    cycle's own entries come first, as the cycle runs before the day's work."""
    at: datetime | None = entry["at"]
    moment = (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() if at else 0.0
    return entry["on"], moment, 0 if entry["who"] == "cycle" else 1


def _in(column: Any, ids: Any) -> Any:
    """``ids``: a list of receivable ids, or a subquery selecting a customer's."""
    return column.in_(ids)


def _stages(session: Session, ids: Any) -> list[dict[str, Any]]:
    s, r = StageChange.__table__, Receivable.__table__
    stmt = (select(s, r.c.number).select_from(s.join(r, r.c.id == s.c.receivable_id))
            .where(_in(s.c.receivable_id, ids)).order_by(s.c.id.desc()).limit(LIMIT))
    return [_entry(row.on_date, "stage", row.actor, row.number, row.created_at,
                   rule=row.rule_id, src=row.from_stage, dest=row.to_stage)
            for row in session.execute(stmt)]


def _reminders(session: Session, ids: Any, customer_id: int | None) -> list[dict[str, Any]]:
    o, m, r = Outbox.__table__, Reminder.__table__, Receivable.__table__
    if customer_id is not None:  # every message to the customer, withdrawn ones too
        stmt = (select(o.c.id, o.c.for_date, o.c.step, o.c.subject, o.c.status, o.c.created_at,
                       o.c.to_addr, literal("").label("number"))
                .where(o.c.customer_id == customer_id))
    else:
        stmt = (select(o.c.id, o.c.for_date, m.c.step, o.c.subject, o.c.status, o.c.created_at,
                       o.c.to_addr, r.c.number)
                .select_from(m.join(o, o.c.id == m.c.outbox_id)
                             .join(r, r.c.id == m.c.receivable_id))
                .where(_in(m.c.receivable_id, ids), m.c.superseded.is_(False)))
    stmt = stmt.order_by(o.c.id.desc()).limit(LIMIT)
    return [_entry(row.for_date, "reminder", "cycle", row.number, row.created_at,
                   rule=row.step, outbox_id=row.id, title=row.subject, status=row.status,
                   to=row.to_addr)
            for row in session.execute(stmt)]


def _warnings(session: Session, ids: Any, customer_id: int | None) -> list[dict[str, Any]]:
    w = RiskWarning.__table__
    where = (w.c.customer_id == customer_id) if customer_id is not None \
        else _in(w.c.receivable_id, ids)
    stmt = select(w).where(where).order_by(w.c.id.desc()).limit(LIMIT)
    return [_entry(row.opened_on, "warning", "cycle", row.subject, None, rule=row.rule_id,
                   level=row.level, closed_on=row.closed_on)
            for row in session.execute(stmt)]


def _tasks(session: Session, ids: Any, customer_id: int | None) -> list[dict[str, Any]]:
    """A customer's tasks, or the tasks a receivable is (or was) in; each names the
    receivables it is about."""
    t, r, link = Task.__table__, Receivable.__table__, TaskReceivable.__table__
    where = (t.c.customer_id == customer_id) if customer_id is not None \
        else t.c.id.in_(select(link.c.task_id).where(_in(link.c.receivable_id, ids)))
    rows = session.execute(select(t).where(where, t.c.status != "merged")
                           .order_by(t.c.id.desc()).limit(LIMIT)).all()
    numbers: dict[int, list[str]] = {}
    if rows:
        stmt = (select(link.c.task_id, r.c.number)
                .select_from(link.join(r, r.c.id == link.c.receivable_id))
                .where(link.c.task_id.in_([row.id for row in rows]))
                .order_by(r.c.due_date, r.c.number))
        for tid, number in session.execute(stmt):
            numbers.setdefault(tid, []).append(number)
    return [_entry(row.created_on, "task", "cycle" if row.rule_id else "",
                   ", ".join(numbers.get(row.id, [])[:5])
                   + (" …" if len(numbers.get(row.id, [])) > 5 else ""),
                   None, rule=row.rule_id, task_id=row.id, task_kind=row.kind,
                   assignee=row.assignee, status=row.status, due_date=row.due_date,
                   receivables=numbers.get(row.id, []))
            for row in rows]


def _payments(session: Session, ids: Any) -> list[dict[str, Any]]:
    a, p, r = Allocation.__table__, Payment.__table__, Receivable.__table__
    stmt = (select(p.c.date, p.c.reference, p.c.created_at, a.c.amount, r.c.number,
                   r.c.currency)
            .select_from(a.join(p, p.c.id == a.c.payment_id).join(r, r.c.id == a.c.receivable_id))
            .where(_in(a.c.receivable_id, ids)).order_by(a.c.id.desc()).limit(LIMIT))
    return [_entry(row.date, "payment", "", row.number, row.created_at,
                   reference=row.reference, amount=row.amount, currency=row.currency)
            for row in session.execute(stmt)]


def _activities(session: Session, ids: Any, customer_id: int | None) -> list[dict[str, Any]]:
    a = Activity.__table__
    on_receivables = (a.c.entity == "receivable") & _in(a.c.entity_id, ids)
    where = on_receivables if customer_id is None else on_receivables | (
        (a.c.entity == "customer") & (a.c.entity_id == customer_id))
    stmt = (select(a).where(where, a.c.action.in_(PEOPLE_ACTIONS))
            .order_by(a.c.id.desc()).limit(LIMIT))
    return [_entry(row.on_date, row.action, row.actor,
                   row.subject if row.entity == "receivable" else "", row.at,
                   rule=row.rule_id, details=dict(row.details or {}))
            for row in session.execute(stmt)]


def _promises_covering(session: Session, receivable_id: int) -> list[dict[str, Any]]:
    """The customer's promise and plan rows (audited on the customer) that name the
    receivable among the invoices they cover."""
    a, r = Activity.__table__, Receivable.__table__
    found = session.execute(select(r.c.customer_id, r.c.number)
                            .where(r.c.id == receivable_id)).first()
    if found is None:
        return []
    stmt = (select(a).where(a.c.entity_id == found.customer_id, a.c.entity == "customer",
                            a.c.action.in_(PROMISE_ACTIONS))
            .order_by(a.c.id.desc()).limit(LIMIT))
    return [_entry(row.on_date, row.action, row.actor, row.subject, row.at,
                   rule=row.rule_id, details=dict(row.details or {}))
            for row in session.execute(stmt)
            if found.number in ((row.details or {}).get("invoices") or ())]
