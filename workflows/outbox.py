"""What a person does to one outbox message: approve it (review -> pending), cancel it
(review or pending -> cancelled), or queue a failed one again (failed -> pending); and
withdrawing unsent messages when their receivables are held (a dispute, a promise, a
payment, a pause).

Each is allowed only from its statuses and audited on the message's customer. The change
re-checks the status as it writes, so a dispatcher claiming the row in between wins and
the person is told, instead of a sent message ending up marked cancelled. The sending
itself (claim, settle, release) is the dispatcher's (notifiers/dispatcher.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger import outbox_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from workflows.errors import NotFound, Refused


@dataclass(frozen=True)
class _Move:
    allowed: tuple[str, ...]  # the statuses it may leave
    values: dict[str, Any]  # what it writes
    verb: str  # "only review messages can be approved"
    action: str  # the audit row's action


_APPROVE = _Move(("review",), {"status": "pending"}, "approved", "mail_approved")
_CANCEL = _Move(("review", "pending"), {"status": "cancelled"}, "cancelled", "mail_cancelled")
_REQUEUE = _Move(
    ("failed",),
    {"status": "pending", "attempts": 0, "next_attempt_at": None, "claimed_by": "",
     "lease_until": None},
    "retried",
    "mail_requeued",
)


def approve(session: Session, outbox_id: int, *, actor: str, on: date) -> str:
    """Release a message waiting for review; it goes out with the next dispatch."""
    _move(session, outbox_id, _APPROVE, actor, on)
    return "pending"


def cancel(session: Session, outbox_id: int, *, actor: str, on: date) -> str:
    """Cancel a message that has not gone out (in review or pending)."""
    _move(session, outbox_id, _CANCEL, actor, on)
    return "cancelled"


def decide(session: Session, outbox_id: int, *, approve: bool, actor: str, on: date) -> str:
    """A collector approves (review -> pending) or cancels (review/pending -> cancelled);
    returns the new status."""
    _move(session, outbox_id, _APPROVE if approve else _CANCEL, actor, on)
    return "pending" if approve else "cancelled"


def requeue(session: Session, outbox_id: int, *, actor: str, on: date) -> str:
    """Put a failed message back in the queue (e.g. after fixing the SMTP settings)."""
    _move(session, outbox_id, _REQUEUE, actor, on)
    return "pending"


def _move(session: Session, outbox_id: int, move: _Move, actor: str, on: date) -> None:
    message = outbox_store.message_state(session, outbox_id)
    if message is None:
        raise NotFound(f"no message {outbox_id}")
    if message.status not in move.allowed:
        raise Refused(
            f"message {outbox_id} is {message.status}; only "
            f"{' or '.join(move.allowed)} messages can be {move.verb}",
            code="wrong_status",
        )
    if not outbox_store.set_if_status(session, outbox_id, move.allowed, move.values):
        raise Refused(f"message {outbox_id} changed meanwhile; look at it again",
                      code="changed_meanwhile")
    write_audit(session, [AuditEntry(
        on, actor, move.action, "customer", message.customer_id, message.key,
        details={"outbox_id": outbox_id})])


def withdraw(session: Session, outbox_ids: list[int], *, actor: str, on: date, reason: str) -> int:
    """Withdraw unsent messages (pending or in review): cancelled, the steps they carried
    forgotten so that what still holds is planned again by the next cycle (without the
    receivable now held), each audited ``mail_withdrawn``. Returns how many."""
    cancelled = outbox_store.cancel_unsent(session, outbox_ids, reason)
    write_audit(session, [
        AuditEntry(on, actor, "mail_withdrawn", "customer", m.customer_id, m.key,
                   details={"outbox_id": m.id, "reason": reason})
        for m in cancelled
    ])
    return len(cancelled)


def withdraw_carrying(session: Session, receivable_ids: list[int], *, actor: str, on: date,
                      reason: str) -> int:
    """Withdraw the unsent messages that carry any of ``receivable_ids`` (a receivable
    paid, disputed, promised or written off is re-planned without)."""
    if not receivable_ids:
        return 0
    waiting = outbox_store.waiting_messages(session, receivable_ids=receivable_ids)
    return withdraw(session, waiting, actor=actor, on=on, reason=reason)
