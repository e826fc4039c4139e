"""Bank lines and what becomes of them: stored once by fingerprint, their proposed and
applied matches, their status, the payer aliases learned, and the payments a line made.

Writes only; workflows/bank.py decides. Every function works on a batch (one statement's
lines, a day's auto-applied lines) with one statement per chunk, not one per line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session

from ledger.bulk import chunks, in_list
from ledger.db import is_postgres
from ledger.models import (
    Allocation,
    BankLine,
    BankMatch,
    Customer,
    PayerAlias,
    Payment,
    Receivable,
)


def existing_fingerprints(session: Session, fingerprints: Iterable[str]) -> set[str]:
    t = BankLine.__table__
    return _found(session, t.c.fingerprint, t.c.fingerprint, fingerprints)


def _found(session: Session, wanted: Any, key: Any, values: Iterable[Any]) -> set[Any]:
    """The ``wanted`` column of the rows whose ``key`` is one of ``values``, in IN lists
    this database takes."""
    found: set[Any] = set()
    for chunk in chunks(sorted(set(values)), in_list(session)):
        found.update(session.execute(select(wanted).where(key.in_(chunk))).scalars())
    return found


def insert_lines(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new lines (each with its ``fingerprint``); return fingerprint -> id."""
    return _insert_keyed(session, BankLine.__table__, "fingerprint", rows)


def _insert_keyed(session: Session, table: Any, key: str, rows: list[dict[str, Any]]
                  ) -> dict[str, int]:
    """Insert ``rows`` in bulk and read back their ids by a unique ``key`` column."""
    if not rows:
        return {}
    session.execute(insert(table), rows)
    ids: dict[str, int] = {}
    column = table.c[key]
    for chunk in chunks([r[key] for r in rows], in_list(session)):
        ids.update(session.execute(select(column, table.c.id).where(column.in_(chunk))).all())
    return ids


@dataclass(frozen=True)
class LineFacts:
    """A stored bank line as the workflow decides on it (read with Core: no ORM object
    per line of a 10,000-line statement)."""

    id: int
    date: date
    amount: Decimal
    currency: str
    payer_name: str
    payer_account: str
    text: str
    status: str
    customer_id: int | None
    charges: Decimal
    applied_on: date | None
    applied_by: str


_LINE_COLUMNS = tuple(LineFacts.__dataclass_fields__)


def get_line(session: Session, line_id: int, *, lock: bool = False) -> LineFacts | None:
    """One line; ``lock``: held until the transaction ends (PostgreSQL ``FOR UPDATE``,
    SQLite's database write lock), so two people applying the same line at once apply it
    once (the second then sees it applied)."""
    if not lock:
        return lines_by_id(session, [line_id]).get(line_id)
    t = BankLine.__table__
    if not is_postgres(session.get_bind()):  # type: ignore[arg-type]
        # SQLite has no row locks: a write takes its one database lock now (waiting for
        # a writer to commit), so what is read next is what the other applied
        session.execute(update(t).where(t.c.id == line_id).values(status=t.c.status))
    row = session.execute(select(*[t.c[name] for name in _LINE_COLUMNS])
                          .where(t.c.id == line_id).with_for_update()).first()
    return None if row is None else LineFacts(*row)


def lines_by_id(session: Session, ids: Sequence[int]) -> dict[int, LineFacts]:
    t = BankLine.__table__
    columns = [t.c[name] for name in _LINE_COLUMNS]
    found: dict[int, LineFacts] = {}
    for chunk in chunks(sorted(set(ids)), in_list(session)):
        for row in session.execute(select(*columns).where(t.c.id.in_(chunk))):
            found[row.id] = LineFacts(*row)
    return found


@dataclass(frozen=True)
class MatchFacts:
    line_id: int
    option: int
    customer_id: int | None
    receivable_id: int | None
    amount: Decimal
    charges: Decimal
    state: str


def insert_matches(session: Session, rows: list[dict[str, Any]]) -> None:
    """bank_match rows: line_id, option, customer_id, receivable_id, amount, charges,
    confidence, reason, details, state."""
    if rows:
        session.execute(insert(BankMatch.__table__), rows)


def matches_of(session: Session, line_ids: Sequence[int]) -> dict[int, list[MatchFacts]]:
    """Each line's matches, by option then id."""
    t = BankMatch.__table__
    columns = [t.c[name] for name in MatchFacts.__dataclass_fields__]
    out: dict[int, list[MatchFacts]] = {}
    for chunk in chunks(sorted(set(line_ids)), in_list(session)):
        stmt = (select(*columns).where(t.c.line_id.in_(chunk))
                .order_by(t.c.line_id, t.c.option, t.c.id))
        for row in session.execute(stmt):
            out.setdefault(row.line_id, []).append(MatchFacts(*row))
    return out


def settle_matches(session: Session, applied: Sequence[tuple[int, int]]) -> None:
    """For each (line id, option): that option's matches are applied, the line's other
    matches rejected (two statements for the whole batch)."""
    if not applied:
        return
    t = BankMatch.__table__
    rows = [{"lid": line_id, "opt": option} for line_id, option in applied]
    session.execute(update(t).where(t.c.line_id == bindparam("lid"),
                                    t.c.option == bindparam("opt")).values(state="applied"),
                    rows)
    session.execute(update(t).where(t.c.line_id == bindparam("lid"),
                                    t.c.option != bindparam("opt")).values(state="rejected"),
                    rows)


def reopen_matches(session: Session, line_id: int, manual_option: int) -> int:
    """Undo :func:`settle_matches`: a person's own shares (``manual_option``) go, the
    matcher's proposals are proposed again; return how many proposals remain."""
    t = BankMatch.__table__
    session.execute(delete(t).where(t.c.line_id == line_id, t.c.option == manual_option))
    session.execute(update(t).where(t.c.line_id == line_id).values(state="proposed"))
    return len(session.execute(select(t.c.id).where(t.c.line_id == line_id)).all())


def set_statuses(session: Session, statuses: dict[int, str]) -> None:
    if not statuses:
        return
    t = BankLine.__table__
    session.execute(update(t).where(t.c.id == bindparam("lid")),
                    [{"lid": lid, "status": status} for lid, status in statuses.items()])


@dataclass(frozen=True)
class LineApplied:
    line_id: int
    customer_id: int
    charges: Decimal
    applied_on: date
    applied_by: str


def mark_applied(session: Session, applied: Sequence[LineApplied]) -> None:
    if not applied:
        return
    t = BankLine.__table__
    session.execute(update(t).where(t.c.id == bindparam("lid")), [
        {"lid": a.line_id, "status": "applied", "customer_id": a.customer_id,
         "charges": a.charges, "applied_on": a.applied_on, "applied_by": a.applied_by}
        for a in applied])


def mark_unapplied(session: Session, line_id: int, status: str) -> None:
    t = BankLine.__table__
    session.execute(update(t).where(t.c.id == line_id).values(
        status=status, customer_id=None, charges=Decimal("0"), applied_on=None,
        applied_by=""))


def insert_payments(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Payments of bank lines (reference, customer_id, date, amount, kind, currency,
    bank_line_id); return reference -> id."""
    return _insert_keyed(session, Payment.__table__, "reference", rows)


def references_taken(session: Session, references: Iterable[str]) -> set[str]:
    """Which of these payment references exist already (a payments file may have used
    ``BANK-<n>`` before the bank lines did)."""
    t = Payment.__table__
    found: set[str] = set()
    for chunk in chunks(sorted(set(references)), in_list(session)):
        found.update(session.execute(select(t.c.reference)
                                     .where(t.c.reference.in_(chunk))).scalars())
    return found


def payments_of_line(session: Session, line_id: int) -> list[tuple[int, int]]:
    """(payment id, customer id) of each payment the line made."""
    t = Payment.__table__
    return list(session.execute(select(t.c.id, t.c.customer_id)
                                .where(t.c.bank_line_id == line_id).order_by(t.c.id)).all())


def receivables_paid_by(session: Session, payment_ids: Sequence[int]) -> set[int]:
    """The receivables these payments were allocated to (to lock them before undoing)."""
    t = Allocation.__table__
    return _found(session, t.c.receivable_id, t.c.payment_id, payment_ids)


def delete_payments(session: Session, ids: Sequence[int]) -> None:
    t = Payment.__table__
    for chunk in chunks(list(ids), in_list(session)):
        session.execute(delete(t).where(t.c.id.in_(chunk)))


def learn_aliases(session: Session, learned: Sequence[tuple[str, str, int]], on: date) -> None:
    """(kind, value, customer id) seen in confirmed matches: a known alias gains a hit
    (and follows the customer it was last confirmed for), a new one is added."""
    latest: dict[tuple[str, str], int] = {}
    hits: dict[tuple[str, str], int] = {}
    for kind, value, customer_id in learned:
        if value:
            latest[(kind, value)] = customer_id
            hits[(kind, value)] = hits.get((kind, value), 0) + 1
    if not latest:
        return
    t = PayerAlias.__table__
    known: dict[tuple[str, str], tuple[int, int, int]] = {}
    for kind in {k for k, _ in latest}:
        values = sorted(v for k, v in latest if k == kind)
        for chunk in chunks(values, in_list(session)):
            for row in session.execute(select(t.c.id, t.c.value, t.c.customer_id, t.c.hits)
                                       .where(t.c.kind == kind, t.c.value.in_(chunk))):
                known[(kind, row.value)] = (row.id, row.customer_id, row.hits)
    updates, inserts = [], []
    for key, customer_id in latest.items():
        if key in known:
            aid, before, count = known[key]
            updates.append({"aid": aid, "customer_id": customer_id, "last_seen": on,
                            "hits": (count if before == customer_id else 0) + hits[key]})
        else:
            inserts.append({"kind": key[0], "value": key[1], "customer_id": customer_id,
                            "source": "confirmed", "hits": hits[key], "last_seen": on})
    if updates:
        session.execute(update(t).where(t.c.id == bindparam("aid")), updates)
    if inserts:
        session.execute(insert(t), inserts)


@dataclass(frozen=True)
class AliasForgotten:
    kind: str
    value: str
    hits: int  # left after this line's hit was taken back
    deleted: bool


def forget_aliases(session: Session, learned: Sequence[tuple[str, str, int]]
                   ) -> list[AliasForgotten]:
    """Undo :func:`learn_aliases` for one unapplied line: each (kind, value, customer id)
    still pointing at that customer loses a hit; a learned one left with none is deleted
    (a person's own ``manual`` alias stays). Aliases that moved on to another customer
    since are left alone."""
    t = PayerAlias.__table__
    out: list[AliasForgotten] = []
    for kind, value, customer_id in learned:
        row = session.execute(select(t.c.id, t.c.hits, t.c.source).where(
            t.c.kind == kind, t.c.value == value, t.c.customer_id == customer_id)
            .with_for_update()).first()
        if row is None:
            continue
        hits = max(row.hits - 1, 0)
        if hits == 0 and row.source == "confirmed":
            session.execute(delete(t).where(t.c.id == row.id))
            out.append(AliasForgotten(kind, value, 0, True))
        else:
            session.execute(update(t).where(t.c.id == row.id).values(hits=hits))
            out.append(AliasForgotten(kind, value, hits, False))
    return out


def customer_codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    t = Customer.__table__
    out: dict[int, str] = {}
    for chunk in chunks(sorted(set(ids)), in_list(session)):
        out.update(session.execute(select(t.c.id, t.c.code).where(t.c.id.in_(chunk))).all())
    return out


def customer_by_code(session: Session, code: str) -> tuple[int, str] | None:
    t = Customer.__table__
    row = session.execute(select(t.c.id, t.c.code).where(t.c.code == code)).first()
    return (row.id, row.code) if row else None


@dataclass(frozen=True)
class InvoiceState:
    id: int
    number: str
    customer_id: int
    balance: Decimal
    currency: str
    stage: str


def invoices_by_number(session: Session, numbers: Iterable[str]) -> dict[str, InvoiceState]:
    return _invoices(session, Receivable.__table__.c.number, sorted(set(numbers)))


def invoices_by_id(session: Session, ids: Iterable[int]) -> dict[int, InvoiceState]:
    found = _invoices(session, Receivable.__table__.c.id, sorted(set(ids)))
    return {i.id: i for i in found.values()}


def lock_invoices(session: Session, ids: Iterable[int]) -> dict[int, InvoiceState]:
    """The receivables about to be paid, held until the transaction ends and read as they
    are now: PostgreSQL locks the rows (``FOR NO KEY UPDATE``, in id order, so two payers of
    overlapping invoices never deadlock), SQLite takes its one write lock. A second payer
    of the same invoice waits here for the first to commit, then sees its balance."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    r = Receivable.__table__
    postgres = is_postgres(session.get_bind())  # type: ignore[arg-type]
    if not postgres:
        session.execute(update(r).where(r.c.id == wanted[0]).values(balance=r.c.balance))
    found = _invoices(session, r.c.id, wanted, lock=postgres)
    return {i.id: i for i in found.values()}


def _invoices(session: Session, column: Any, values: list[Any], *, lock: bool = False
              ) -> dict[str, InvoiceState]:
    r = Receivable.__table__
    out: dict[str, InvoiceState] = {}
    for chunk in chunks(values, in_list(session)):
        stmt = select(r.c.id, r.c.number, r.c.customer_id, r.c.balance, r.c.currency,
                      r.c.stage).where(column.in_(chunk))
        if lock:
            # FOR NO KEY UPDATE: as strong as the balance's UPDATE, not blocking the rows
            # that only refer to the receivable (a proposal's, an allocation's key)
            stmt = stmt.order_by(r.c.id).with_for_update(key_share=True)
        for row in session.execute(stmt):
            out[row.number] = InvoiceState(row.id, row.number, row.customer_id, row.balance,
                                           row.currency, row.stage)
    return out
