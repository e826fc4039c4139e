"""Changes of state made outside the daily cycle: settlement after a payment, disputes,
and what a collector does by hand (calls, notes, pauses, hand-over to legal; promises
and payment plans are workflows/promises.py).

Each goes through the lifecycle machine and is written with its audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine.policy import TaskSpec
from ledger import cycle_store as store
from ledger import outbox_store, receivable_store
from ledger.audit import AuditEntry, write_audit
from ledger.cycle_store import WarningClosed
from ledger.db import Session
from ledger.feed import EndedWarning, open_warnings_of_closed
from ledger.models import Customer, Receivable
from ledger.people_store import assigned_to
from ledger.task_store import open_tasks
from ledger.worklist import refresh_priorities
from workflows.decisions import SETTLE_RULE, stage_rows, task_row
from workflows.errors import Invalid, NotFound
from workflows.lifecycle import FORWARD, IllegalMove, StageRow, advance, fire
from workflows.outbox import withdraw, withdraw_carrying
from workflows.tasks import complete_call_tasks, release_receivables


def _apply(
    session: Session,
    receivables: list[tuple[Receivable, date]],
    event: str,
    actor: str,
    rule_id: str,
    details: dict[str, object],
) -> None:
    """Fire ``event`` on each receivable through the machine, then write all in bulk."""
    updates, changes, audit = [], [], []
    for receivable, on_date in receivables:
        row = StageRow(receivable.id or 0, receivable.stage, receivable.resume_stage)
        fire(row, event)
        update, history = stage_rows(row, receivable.stage, on_date, rule_id=rule_id,
                                     policy_hash="", actor=actor)
        updates.append(update)
        changes.extend(history)
        audit.append(
            AuditEntry(
                on_date,
                actor,
                event,
                "receivable",
                row.id,
                receivable.number,
                rule_id,
                details={"from": receivable.stage, "to": row.stage, **details},
            )
        )
    store.set_stages(session, updates)
    store.insert_stage_changes(session, changes)
    write_audit(session, audit)
    if receivables:  # the worklist's stage filter and ranking follow at once
        refresh_priorities(session, max(day for _, day in receivables),
                           [move.rid for move in updates])


def settle_paid(session: Session, touched: dict[int, date | None], today: date, actor: str) -> int:
    """Settle every touched active receivable whose balance reached zero; return how many."""
    ids = sorted(touched)
    due = [(r, touched[r.id or 0] or today) for r in receivable_store.paid_active(session, ids)]
    _apply(session, due, "settle", actor, SETTLE_RULE, {})
    withdraw_carrying(session, [r.id or 0 for r, _ in due], actor=actor, on=today, reason="paid")
    release_receivables(session, [r.id or 0 for r, _ in due], today, actor, "paid",
                        rank=False)  # re-ranked below with every touched receivable
    if due:  # a paid invoice is not chased until tomorrow's cycle closes its warnings
        close_warnings(session, open_warnings_of_closed(session, [r.id or 0 for r, _ in due],
                                                       "paid"),
                       today, actor, "paid")
    refresh_priorities(session, today, ids)  # paid or part-paid: the worklist re-ranks now
    return len(due)



def close_warnings(session: Session, warnings: list[EndedWarning], on: date, actor: str,
                   reason: str) -> None:
    """Close ``warnings`` on ``on`` with an audit row each (who, which rule, why)."""
    store.close_warnings(session, [
        WarningClosed(id=x.id, rule_id=x.rule_id, scope="receivable", subject=x.subject)
        for x in warnings
    ], on)
    write_audit(session, [
        AuditEntry(on, actor, "warning_closed", "receivable", x.receivable_id, x.subject,
                   x.rule_id, details={"warning_id": x.id, "level": x.level, "reason": reason})
        for x in warnings
    ])


def reopen_unpaid(
    session: Session, touched: dict[int, date | None], today: date, actor: str
) -> int:
    """Reopen touched receivables marked paid that owe money again; return how many."""
    due = [(r, today) for r in receivable_store.owing_paid(session, touched)]
    _apply(session, due, "reopen", actor, "balance-reopened", {})
    return len(due)


def _find(session: Session, number: str) -> Receivable:
    receivable = receivable_store.find_receivable(session, number)
    if receivable is None:
        raise NotFound(f"no receivable {number!r}")
    return receivable


def open_dispute(session: Session, number: str, reason: str, on_date: date, actor: str) -> None:
    """Hold the receivable's stage until the dispute is resolved."""
    receivable = _find(session, number)
    if receivable.stage == "disputed":
        raise IllegalMove(f"{number} is already disputed")
    _apply(session, [(receivable, on_date)], "dispute", actor, "manual", {"reason": reason})
    withdraw_carrying(session, [receivable.id or 0], actor=actor, on=on_date,
                      reason=f"{number} disputed")
    release_receivables(session, [receivable.id or 0], on_date, actor, "disputed")


def resolve_dispute(
    session: Session, number: str, on_date: date, actor: str, note: str = ""
) -> None:
    """Return the receivable to the stage the dispute held."""
    receivable = _find(session, number)
    _apply(session, [(receivable, on_date)], "resolve", actor, "manual", {"note": note})


def _customer(session: Session, code: str) -> Customer:
    customer = receivable_store.find_customer(session, code)
    if customer is None:
        raise NotFound(f"no customer {code!r}")
    return customer


def pause_reminders(
    session: Session, code: str, reason: str, on_date: date, actor: str, until: date | None = None
) -> None:
    """No reminders for the customer until ``until`` (they resume that day) or a resume."""
    if until is not None and until <= on_date:
        raise Invalid(f"{until} is not after {on_date}", field="until")
    customer = _customer(session, code)
    customer.reminders_paused = True
    customer.reminders_paused_until = until
    customer.pause_reason = reason
    session.add(customer)
    waiting = outbox_store.waiting_messages(session, customer_id=customer.id)
    withdraw(session, waiting, actor=actor, on=on_date, reason="reminders paused")
    write_audit(
        session,
        [
            AuditEntry(
                on_date,
                actor,
                "reminders_paused",
                "customer",
                customer.id,
                code,
                details={"reason": reason, "until": until.isoformat() if until else None},
            )
        ],
    )


def resume_reminders(session: Session, code: str, on_date: date, actor: str) -> None:
    customer = _customer(session, code)
    if not customer.reminders_paused:
        raise Invalid(f"reminders for {code} are not paused")  # the API: 422 invalid_input
    customer.reminders_paused = False
    customer.reminders_paused_until = None
    customer.pause_reason = ""
    session.add(customer)
    write_audit(
        session,
        [AuditEntry(on_date, actor, "reminders_resumed", "customer", customer.id, code)],
    )


CALL_OUTCOMES = ("reached", "no_answer", "left_message", "wrong_number")


def _note_activity(
    session: Session, receivable: Receivable, action: str, on_date: date, actor: str,
    details: dict[str, object],
) -> None:
    write_audit(
        session,
        [AuditEntry(on_date, actor, action, "receivable", receivable.id, receivable.number,
                        details=details)],
    )


def log_call(
    session: Session, number: str, outcome: str, note: str, on_date: date, actor: str
) -> None:
    """A call made about a receivable: audited; the customer's open call task is done."""
    _check_outcome(outcome)
    receivable = _find(session, number)
    done = complete_call_tasks(session, receivable.customer_id, on_date, actor,
                               _call_note(outcome, note))
    _note_activity(session, receivable, "call_logged", on_date, actor,
                   {"outcome": outcome, "note": note.strip(), "tasks_completed": done})


def log_customer_call(
    session: Session, code: str, outcome: str, note: str, on_date: date, actor: str
) -> None:
    """A call made to the customer about its account: audited on the customer; its open
    call task is done."""
    _check_outcome(outcome)
    customer = _customer(session, code)
    done = complete_call_tasks(session, customer.id or 0, on_date, actor,
                               _call_note(outcome, note))
    write_audit(session, [AuditEntry(
        on_date, actor, "call_logged", "customer", customer.id, code,
        details={"outcome": outcome, "note": note.strip(), "tasks_completed": done})])


def _check_outcome(outcome: str) -> None:
    if outcome not in CALL_OUTCOMES:
        raise Invalid(f"outcome must be one of {', '.join(CALL_OUTCOMES)}, got {outcome!r}",
                      field="outcome")


def _call_note(outcome: str, note: str) -> str:
    return f"call: {outcome}" + (f" - {note.strip()}" if note.strip() else "")


def add_note(session: Session, number: str, text: str, on_date: date, actor: str) -> None:
    """A free-text note on the receivable's timeline."""
    if not text.strip():
        raise Invalid("the note is empty", field="text")
    _note_activity(session, _find(session, number), "note_added", on_date, actor,
                   {"note": text.strip()})


LEGAL_RULE = "manual-legal"


def hand_over_to_legal(
    session: Session, number: str, reason: str, on_date: date, actor: str,
    tasks: list[TaskSpec] | None = None,
) -> list[dict[str, object]]:
    """Move the receivable forward to ``legal`` one stage at a time (each step recorded,
    none skipped) and open the tasks the policy opens on entering legal (``tasks``: the
    legal stage's ``on_enter``), as the cycle would have. Returns the tasks opened."""
    receivable = _find(session, number)
    if receivable.stage == "legal":
        raise IllegalMove(f"{number} is already with legal")
    if receivable.stage not in FORWARD:
        raise IllegalMove(f"{number} is {receivable.stage}: cannot hand over to legal")
    row = StageRow(receivable.id or 0, receivable.stage, receivable.resume_stage)
    advance(row, "legal")
    update, history = stage_rows(row, receivable.stage, on_date, rule_id=LEGAL_RULE,
                                 policy_hash="", actor=actor)
    store.set_stages(session, [update])
    store.insert_stage_changes(session, history)
    collector = assigned_to(session, receivable.customer_id)
    opened = [
        task_row(spec, customer_id=receivable.customer_id, receivable_ids=[row.id],
                 collector=collector, rule_id=LEGAL_RULE, policy_hash="", as_of=on_date)
        for spec in tasks or []
    ]
    open_tasks(session, opened)
    refresh_priorities(session, on_date, [row.id])  # after: it may have joined an open task
    _note_activity(session, receivable, "legal_handover", on_date, actor, {
        "from": receivable.stage, "to": "legal", "reason": reason.strip(),
        "steps": [dest for _, dest in row.steps],
        "tasks_opened": [{"kind": t.kind, "assignee": t.assignee} for t in opened],
    })
    return [t.row() for t in opened]


@dataclass(frozen=True)
class Settlement:
    settled: int
    reopened: int


def settle_touched(session: Session, touched: dict[int, date | None], today: date, actor: str
                   ) -> Settlement:
    """After an import or a feed wrote balances: settle what is paid (its warnings closed,
    its unsent reminders withdrawn) and reopen what owes again, at once."""
    if not touched:
        return Settlement(0, 0)
    return Settlement(settle_paid(session, touched, today, actor),
                      reopen_unpaid(session, touched, today, actor))
