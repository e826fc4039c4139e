"""What reminder planning reads (contacts, steps already done) and writes (outbox, steps).

A customer's reminders go to its billing contacts (``contact.billing``) that have an email:
the oldest one is ``to``, the others are copied; a customer with none is written to at its
own ``email``; with neither, no reminder can go (workflows/reminders opens a task)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from ledger import contact_store
from ledger.bulk import chunks, execute_many
from ledger.models import Customer, Outbox, Receivable, Reminder


@dataclass(frozen=True)
class Contact:
    """A customer as its reminders see it: where they go, in which language, whether
    they may go today."""

    id: int
    code: str
    name: str
    email: str  # the To: address ("": none to write to)
    language: str
    collector: str | None
    paused: bool  # reminders paused on the day asked about
    messaged: bool = False  # already has an email for that day (one per customer per day)
    cc: tuple[str, ...] = ()  # the other billing contacts' addresses


def recipients(own: str, billing: list[str]) -> tuple[str, tuple[str, ...]]:
    """(to, cc): the first billing address and the others (each once, in order), else
    the customer's own address and no copies."""
    if not billing:
        return own or "", ()
    seen: list[str] = []
    for address in billing:
        if address.lower() not in (a.lower() for a in seen):
            seen.append(address)
    return seen[0], tuple(seen[1:])


def contacts(session: Session, as_of: date) -> dict[int, Contact]:
    """Every customer's mail details; paused while ``as_of`` is before the pause's end.
    Three queries for the whole portfolio (the day's messages, the customers, their billing
    contacts), whatever its size."""
    t, o = Customer.__table__, Outbox.__table__
    billing = contact_store.billing_addresses(session)
    messaged = {
        cid
        for (cid,) in session.execute(
            select(o.c.customer_id).where(o.c.for_date == as_of).distinct()
        )
    }
    rows = session.execute(
        select(
            t.c.id,
            t.c.code,
            t.c.name,
            t.c.email,
            t.c.language,
            t.c.collector,
            t.c.reminders_paused,
            t.c.reminders_paused_until,
        )
    )
    found: dict[int, Contact] = {}
    for row in rows:
        to, cc = recipients(row.email, billing.get(row.id, []))
        found[row.id] = Contact(
            row.id,
            row.code,
            row.name,
            to,
            row.language or "zh-CN",
            row.collector,
            bool(row.reminders_paused)
            and (row.reminders_paused_until is None or as_of < row.reminders_paused_until),
            row.id in messaged,
            cc,
        )
    return found


@dataclass(frozen=True)
class Sent:
    """One message the outbox sent to a customer: the wording may say "we wrote on D"."""

    for_date: date
    step: str
    template: str
    invoices: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.for_date, "step": self.step, "template": self.template,
                "invoices": list(self.invoices)}


@dataclass
class History:
    """A customer's earlier messages (cancelled and failed ones do not count): the last
    one's date, the steps they were at, and those actually sent (oldest first)."""

    last_date: date | None = None
    steps: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    catching_up: bool = False  # the last message held steps back (items' ``waiting``)


def history(session: Session, customer_ids: Iterable[int], before: date) -> dict[int, History]:
    """Each customer's messages written before ``before`` (catch-up pace, ``previous``)."""
    o = Outbox.__table__
    found: dict[int, History] = defaultdict(History)
    for chunk in chunks(sorted(customer_ids)):
        stmt = (
            select(o.c.customer_id, o.c.for_date, o.c.step, o.c.template, o.c.status,
                   o.c["items"], o.c.other_items)
            .where(o.c.customer_id.in_(chunk), o.c.for_date < before,
                   o.c.status.notin_(("cancelled", "failed")))
            .order_by(o.c.for_date, o.c.id)
        )
        for row in session.execute(stmt):
            seen = found[row.customer_id]
            seen.last_date = row.for_date
            seen.steps.add(row.step)
            seen.catching_up = any(
                item.get("waiting") for item in [*(row.items or []), *(row.other_items or [])]
            )
            if row.status == "sent":
                invoices = tuple(i["invoice"] for i in row.items or [])
                seen.sent.append(Sent(row.for_date, row.step, row.template, invoices))
    return dict(found)


def steps_done(session: Session, receivable_ids: Iterable[int]) -> dict[int, set[str]]:
    """Steps already recorded (sent or superseded) per receivable."""
    ids = sorted(receivable_ids)
    t = Reminder.__table__
    done: dict[int, set[str]] = defaultdict(set)
    for chunk in chunks(ids):
        stmt = select(t.c.receivable_id, t.c.step).where(t.c.receivable_id.in_(chunk))
        for receivable_id, step in session.execute(stmt):
            done[receivable_id].add(step)
    return done


def issue_dates(session: Session, receivable_ids: Iterable[int]) -> dict[int, date]:
    ids = sorted(receivable_ids)
    t = Receivable.__table__
    found: dict[int, date] = {}
    for chunk in chunks(ids):
        stmt = select(t.c.id, t.c.issue_date).where(t.c.id.in_(chunk))
        found.update({rid: issued for rid, issued in session.execute(stmt)})
    return found


def insert_message(session: Session, row: dict[str, Any]) -> int:
    """One outbox row; its id ties the reminder steps to the message."""
    t = Outbox.__table__
    return session.execute(insert(t).values(**row).returning(t.c.id)).scalar_one()


def insert_steps(session: Session, rows: list[dict[str, Any]]) -> None:
    execute_many(session, Reminder.__table__.insert(), rows)
