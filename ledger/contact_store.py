"""The people at a customer (the ``contact`` table): read them, add one, change one, upsert
an import's rows by (customer, name), and the billing contacts' addresses for the day's
reminders in one query. workflows/contacts.py decides and audits; nothing here checks a
value (ledger/importers/reach.py holds the rules)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlmodel import Session

from ledger.bulk import chunks, execute_many
from ledger.models import Contact, Customer, utcnow

T = Contact.__table__
#: what a contact holds besides its customer (and what may change)
FIELDS = ("name", "role", "phone", "mobile", "email", "wechat", "language", "billing")


@dataclass(frozen=True)
class ContactRow:
    id: int
    customer_id: int
    name: str
    role: str
    phone: str
    mobile: str
    email: str
    wechat: str
    language: str  # "": the customer's
    billing: bool

    def values(self) -> dict[str, Any]:
        """The fields (FIELDS) as a dict: what an audit row's before/after compare."""
        return {name: getattr(self, name) for name in FIELDS}


def _row(row: Any) -> ContactRow:
    return ContactRow(id=row.id, customer_id=row.customer_id, name=row.name, role=row.role,
                      phone=row.phone, mobile=row.mobile, email=row.email, wechat=row.wechat,
                      language=row.language, billing=bool(row.billing))


def for_customer(session: Session, customer_id: int) -> list[ContactRow]:
    """A customer's contacts: billing ones first, then in the order they were added."""
    return for_customers(session, [customer_id]).get(customer_id, [])


def for_customers(session: Session, customer_ids: Iterable[int]) -> dict[int, list[ContactRow]]:
    """Contacts per customer (billing first, then by id) for many customers at once."""
    found: dict[int, list[ContactRow]] = defaultdict(list)
    for chunk in chunks(sorted(set(customer_ids))):
        stmt = (select(T).where(T.c.customer_id.in_(chunk))
                .order_by(T.c.customer_id, T.c.billing.desc(), T.c.id))
        for row in session.execute(stmt):
            found[row.customer_id].append(_row(row))
    return dict(found)


def listing(session: Session) -> list[tuple[str, ContactRow]]:
    """Every contact with its customer's code, by code, billing first, then by id."""
    c = Customer.__table__
    stmt = (select(c.c.code, T).select_from(T.join(c, c.c.id == T.c.customer_id))
            .order_by(c.c.code, T.c.billing.desc(), T.c.id))
    return [(row.code, _row(row)) for row in session.execute(stmt)]


def get(session: Session, contact_id: int) -> ContactRow | None:
    row = session.execute(select(T).where(T.c.id == contact_id)).first()
    return None if row is None else _row(row)


def find(session: Session, customer_id: int, name: str) -> ContactRow | None:
    row = session.execute(
        select(T).where(T.c.customer_id == customer_id, T.c.name == name)).first()
    return None if row is None else _row(row)


def add(session: Session, customer_id: int, values: Mapping[str, Any]) -> ContactRow:
    """A new contact of the customer (``values``: any of FIELDS; ``name`` required)."""
    now = utcnow()
    new_id = session.execute(
        insert(T).values(customer_id=customer_id, created_at=now, updated_at=now,
                         **{k: values[k] for k in FIELDS if k in values})
        .returning(T.c.id)).scalar_one()
    found = get(session, new_id)
    assert found is not None
    return found


def change(session: Session, contact_id: int, values: Mapping[str, Any]) -> None:
    """Set some of FIELDS on one contact (its ``updated_at`` with them)."""
    if values:
        session.execute(update(T).where(T.c.id == contact_id)
                        .values(updated_at=utcnow(), **dict(values)))


def with_contacts(session: Session, customer_ids: Iterable[int]) -> set[int]:
    """Which of ``customer_ids`` have at least one contact."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(customer_ids))):
        found.update(cid for (cid,) in session.execute(
            select(T.c.customer_id).where(T.c.customer_id.in_(chunk)).distinct()))
    return found


def billing_addresses(session: Session) -> dict[int, list[str]]:
    """Every customer's billing contacts' email addresses, oldest contact first: one query
    for the whole portfolio (the daily cycle reads it once)."""
    stmt = (select(T.c.customer_id, T.c.email)
            .where(T.c.billing.is_(True), T.c.email != "")
            .order_by(T.c.customer_id, T.c.id))
    found: dict[int, list[str]] = defaultdict(list)
    for customer_id, email in session.execute(stmt):
        found[customer_id].append(email)
    return dict(found)


@dataclass
class UpsertOutcome:
    """What an import did, by (customer_id, name) (ImportResult.count reads the lists)."""

    inserted: list[tuple[int, str]] = field(default_factory=list)
    updated: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)


def _stored(session: Session, keys: Sequence[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    found: dict[tuple[int, str], Any] = {}
    for chunk in chunks(list(keys), 400):  # two parameters a key: below SQLite's 999
        stmt = select(T).where(tuple_(T.c.customer_id, T.c.name).in_(chunk))
        found.update({(row.customer_id, row.name): row for row in session.execute(stmt)})
    return found


def upsert(session: Session, records: Sequence[Mapping[str, Any]]) -> UpsertOutcome:
    """Insert or update contacts by (``customer_id``, ``name``) in bulk; a record's missing
    fields leave the stored ones alone (a new contact gets the defaults), and a row that
    would not change is not written."""
    outcome = UpsertOutcome()
    stored = _stored(session, [(r["customer_id"], r["name"]) for r in records])
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        key = (record["customer_id"], record["name"])
        old = stored.get(key)
        if old is None:
            inserts.append({"role": "", "phone": "", "mobile": "", "email": "", "wechat": "",
                            "language": "", "billing": False, **record,
                            "created_at": now, "updated_at": now})
            outcome.inserted.append(key)
            continue
        changed = {k: v for k, v in record.items()
                   if k in FIELDS and k != "name" and getattr(old, k) != v}
        if not changed:
            outcome.unchanged.append(key)
            continue
        updates[tuple(sorted(changed))].append({"_id": old.id, **changed})
        outcome.updated.append(key)
    if inserts:
        session.execute(insert(T), inserts)
    for columns, rows in updates.items():
        statement = update(T).where(T.c.id == bindparam("_id")).values(
            updated_at=bindparam("v_updated_at"),
            **{c: bindparam(f"v_{c}") for c in columns})
        execute_many(session, statement, [
            {"_id": row["_id"], "v_updated_at": now, **{f"v_{c}": row[c] for c in columns}}
            for row in rows])
    return outcome
