"""The outbox as a work queue: claim due messages under a lease, then settle each one.

A claim marks rows ``sending`` with a lease and a token unique to the claiming
dispatcher. Several dispatchers can run at once: on PostgreSQL they skip each other's
locked rows (``FOR UPDATE SKIP LOCKED``); on both, the token check makes a row belong to
one claimer. A dispatcher that dies leaves its rows ``sending``; when the lease expires
they are claimable again, so the message still goes out.

Each attempt is settled by one ``Settlement`` (the dispatcher decides it, this module
applies it): the row's status, the recipients done so far (``deliveries``: address ->
"accepted" or the 5xx reply that refused it), the audit row and, when a contact is
wrong, a task for the collector. A settlement from the local send journal applies only
while the row has not been settled for that attempt since.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlmodel import Session

from ledger.audit import AuditEntry, write_audit
from ledger.models import Outbox, Reminder
from ledger.people_store import assigned_to
from ledger.task_store import open_task_ids, open_tasks, task_row


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    customer_id: int
    to_addr: str
    cc: list[str]
    subject: str
    body_text: str
    body_html: str
    message_id: str
    attempts: int
    deliveries: dict[str, str] = field(default_factory=dict)
    attach: list[str] = field(default_factory=list)  # built at send time (["statement"])
    for_date: date | None = None  # the day the message is about: its statement's as-of


@dataclass(frozen=True)
class Settlement:
    """What one attempt means for its row; ``status`` is sent, pending (retry) or failed."""

    status: str
    deliveries: dict[str, str]
    error: str = ""  # the row's last_error: the reason, or a note on a sent message
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    contact_task: str = ""  # when set: open a fix-contact task with this note

    AUDIT = {"sent": "mail_sent", "pending": "mail_deferred", "failed": "mail_failed"}


def utc(moment: datetime) -> datetime:
    """Times are stored in UTC: SQLite keeps no offset, so mixed zones would compare wrong."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(UTC)


def _claimed_columns() -> list[Any]:
    """The columns of ``Claimed``, in its order."""
    t = Outbox.__table__
    return [t.c[name] for name in Claimed.__dataclass_fields__]


def _claimable(now: datetime, today: date) -> Any:
    now = utc(now)
    t = Outbox.__table__
    due = and_(
        t.c.status == "pending",
        t.c.for_date <= today,
        or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now),
    )
    abandoned = and_(t.c.status == "sending", t.c.lease_until < now)
    return or_(due, abandoned)


def claim(
    session: Session,
    *,
    now: datetime,
    today: date,
    token: str,
    lease_until: datetime,
    limit: int,
    exclude: Collection[int] = (),
) -> list[Claimed]:
    """Claim up to ``limit`` due messages for ``token``, none of ``exclude`` (the rows
    this run already tried: a run never re-claims a row it deferred); the caller commits."""
    t = Outbox.__table__
    pick = select(t.c.id).where(_claimable(now, today)).order_by(t.c.id).limit(limit)
    if exclude:
        pick = pick.where(t.c.id.not_in(sorted(exclude)))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = [row_id for (row_id,) in session.execute(pick)]
    if not ids:
        return []
    session.execute(
        update(t)
        .where(t.c.id.in_(ids), _claimable(now, today))
        .values(status="sending", lease_until=utc(lease_until), claimed_by=token)
    )
    rows = session.execute(
        select(*_claimed_columns())
        .where(t.c.id.in_(ids), t.c.claimed_by == token, t.c.status == "sending")
        .order_by(t.c.id)
    )
    return [Claimed(*row) for row in rows]


def renew(session: Session, ids: list[int], token: str, lease_until: datetime) -> set[int]:
    """Extend our lease on the rows of a batch not yet sent; return those still ours.

    A batch that outlived its lease may have been re-claimed by another dispatcher: the
    rows it lost are not returned, and this dispatcher must not send them.
    """
    if not ids:
        return set()
    t = Outbox.__table__
    result = session.execute(
        update(t)
        .where(t.c.id.in_(ids), t.c.claimed_by == token, t.c.status == "sending")
        .values(lease_until=utc(lease_until))
        .returning(t.c.id)
    )
    return {row_id for (row_id,) in result}


def settle(
    session: Session, row: Claimed, token: str | None, outcome: Settlement, *, on: date
) -> bool:
    """Apply one attempt's outcome, audited; False if the row is no longer ours.

    With a ``token`` (the dispatcher's own claim) the row must still be claimed by it; with
    None (an outcome from the send journal) it must still be unsettled for that attempt:
    sending or pending with the same attempt count.
    """
    t = Outbox.__table__
    values: dict[str, Any] = {
        "status": outcome.status,
        "attempts": row.attempts + 1,
        "deliveries": outcome.deliveries,
        "last_error": outcome.error,
        "lease_until": None,
    }
    if outcome.status == "pending":
        values |= {"next_attempt_at": utc(outcome.next_attempt_at), "claimed_by": ""}
    if outcome.status == "sent":
        values["sent_at"] = utc(outcome.sent_at)
    if token is not None:
        ours = and_(t.c.claimed_by == token, t.c.status == "sending")
    else:
        ours = and_(t.c.status.in_(("sending", "pending")), t.c.attempts == row.attempts)
    result = session.execute(update(t).where(t.c.id == row.id, ours).values(**values))
    if not result.rowcount:
        return False
    details: dict[str, Any] = {"outbox_id": row.id}
    if outcome.status == "sent":
        details["note"] = outcome.error
    else:
        details["error"] = outcome.error
    if outcome.next_attempt_at is not None:
        details["next_attempt_at"] = outcome.next_attempt_at.isoformat()
    if token is None:
        details["from_journal"] = True
    audit = AuditEntry(
        on, "dispatcher", Settlement.AUDIT[outcome.status], "customer", row.customer_id,
        row.key, details=details,
    )
    write_audit(session, [audit])
    if outcome.contact_task:
        open_contact_task(session, row.customer_id, on, "fix_contact_details",
                          outcome.contact_task)
    return True


def unsettled(session: Session, ids: Collection[int]) -> dict[int, Claimed]:
    """The rows among ``ids`` still sending or pending, as a claim would return them."""
    if not ids:
        return {}
    t = Outbox.__table__
    rows = session.execute(
        select(*_claimed_columns()).where(
            t.c.id.in_(sorted(ids)), t.c.status.in_(("sending", "pending"))
        )
    )
    return {row.id: Claimed(*row) for row in rows}


def open_contact_task(session: Session, customer_id: int, on: date, kind: str, note: str) -> None:
    if not open_task_ids(session, customer_id, kind):
        open_tasks(session, [task_row(
            kind, customer_id=customer_id,
            assignee=assigned_to(session, customer_id) or "", due_date=on,
            rule_id="mail:failed", policy_hash="", created_on=on, note=note[:1000])])


def release(session: Session, rows: list[Claimed], token: str) -> None:
    """Give back claimed rows not sent (a clean stop): claimable again at once."""
    t = Outbox.__table__
    if rows:
        session.execute(
            update(t)
            .where(
                t.c.id.in_([r.id for r in rows]), t.c.claimed_by == token, t.c.status == "sending"
            )
            .values(status="pending", lease_until=None, claimed_by="")
        )


@dataclass(frozen=True)
class MessageState:
    status: str
    key: str
    customer_id: int


def message_state(session: Session, outbox_id: int) -> MessageState | None:
    """One message's status and what its audit rows name (None: no such message)."""
    t = Outbox.__table__
    row = session.execute(
        select(t.c.status, t.c.key, t.c.customer_id).where(t.c.id == outbox_id)
    ).first()
    return MessageState(*row) if row is not None else None


def set_if_status(
    session: Session, outbox_id: int, allowed: Collection[str], values: dict[str, Any]
) -> bool:
    """Change one message only while its status is one of ``allowed``; False if it was
    not (a dispatcher claimed or settled it meanwhile)."""
    t = Outbox.__table__
    changed = session.execute(
        update(t).where(t.c.id == outbox_id, t.c.status.in_(tuple(allowed))).values(**values)
    )
    return bool(changed.rowcount)


def waiting_messages(
    session: Session, *, customer_id: int | None = None, receivable_ids: list[int] | None = None
) -> list[int]:
    """Messages not yet sent (pending or in review) of a customer, or carrying receivables."""
    t, r = Outbox.__table__, Reminder.__table__
    stmt = select(t.c.id).where(t.c.status.in_(("pending", "review")))
    if customer_id is not None:
        stmt = stmt.where(t.c.customer_id == customer_id)
    if receivable_ids is not None:
        stmt = stmt.where(
            t.c.id.in_(select(r.c.outbox_id).where(r.c.receivable_id.in_(receivable_ids)))
        )
    return [row_id for (row_id,) in session.execute(stmt.distinct())]


@dataclass(frozen=True)
class CancelledMessage:
    id: int
    key: str
    customer_id: int


def cancel_unsent(session: Session, outbox_ids: list[int], reason: str) -> list[CancelledMessage]:
    """Cancel those of ``outbox_ids`` not sent yet (pending or in review), noting
    ``withdrawn: <reason>``, and forget the steps they carried; return the ones cancelled."""
    if not outbox_ids:
        return []
    t, r = Outbox.__table__, Reminder.__table__
    rows = session.execute(
        select(t.c.id, t.c.key, t.c.customer_id).where(
            t.c.id.in_(outbox_ids), t.c.status.in_(("pending", "review"))
        )
    ).all()
    ids = [row.id for row in rows]
    if not ids:
        return []
    session.execute(
        update(t)
        .where(t.c.id.in_(ids), t.c.status.in_(("pending", "review")))
        .values(status="cancelled", last_error=f"withdrawn: {reason}")
    )
    session.execute(delete(r).where(r.c.outbox_id.in_(ids)))
    return [CancelledMessage(*row) for row in rows]


# every status a message can be in, in the order of its life
STATUSES = ("pending", "review", "sending", "sent", "failed", "cancelled")


def status_counts(session: Session) -> dict[str, int]:
    """How many messages are in each status (one grouped count over the status index):
    what the service's metrics report as the outbox's pending, sent and failed."""
    t = Outbox.__table__
    rows = session.execute(select(t.c.status, func.count()).group_by(t.c.status)).all()
    return {status: count for status, count in rows}
