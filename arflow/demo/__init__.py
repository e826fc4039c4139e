"""A deterministic, realistic demo portfolio, written as CSV and imported the real way.

`arflow demo` uses it so a new user sees a believable book of receivables (hundreds of
customers, thousands of invoices, every payer profile) without data of their own, and
tests use it small. The same (seed, as_of, sizes) always gives byte-identical CSV files:
one ``random.Random(seed)``, no clock, no iteration over sets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arflow.demo.contacts import DemoContact, make_contacts
from arflow.demo.files import write_contacts, write_customers, write_payments, write_receivables
from arflow.demo.payments import DemoPayment, choose_disputed, make_payments
from arflow.demo.portfolio import DemoCustomer, DemoInvoice, make_customers, make_invoices
from ledger.totals import open_totals

if TYPE_CHECKING:
    from ledger.db import Engine

__all__ = ["DemoBook", "build_demo", "generate", "open_totals", "write_files"]


@dataclass
class DemoBook:
    customers: list[DemoCustomer]
    invoices: list[DemoInvoice]
    payments: list[DemoPayment]
    disputed: list[str]  # invoice numbers the customers dispute (withheld, still open)
    contacts: list[DemoContact] = field(default_factory=list)  # the people to call


def generate(as_of: date, seed: int = 7, customers: int = 300, invoices: int = 10_000
             ) -> DemoBook:
    """The portfolio in memory; pure (no files, no database), so it is cheap to test."""
    if customers < 1:
        raise ValueError("a demo needs at least one customer")
    if invoices < 0:
        raise ValueError("the number of invoices cannot be negative")
    rng = random.Random(seed)
    people = make_customers(rng, customers, invoices, as_of)
    bills = make_invoices(rng, people, invoices, as_of)
    disputed = choose_disputed(rng, bills, as_of)
    return DemoBook(people, bills, make_payments(rng, bills, disputed, as_of), disputed,
                    make_contacts(seed, people))


def write_files(book: DemoBook, workdir: Path) -> dict[str, Path]:
    """customers.csv, contacts.csv, receivables.csv, payments.csv in ``workdir``, in
    import order."""
    workdir.mkdir(parents=True, exist_ok=True)
    return {
        "customers": write_customers(workdir / "customers.csv", book.customers),
        "contacts": write_contacts(workdir / "contacts.csv", book.contacts),
        "receivables": write_receivables(workdir / "receivables.csv", book.invoices),
        "payments": write_payments(workdir / "payments.csv", book.payments),
    }


def build_demo(engine: Engine, as_of: date, seed: int = 7, customers: int = 300,
               invoices: int = 10_000, *, workdir: Path) -> dict[str, Any]:
    """Generate the portfolio, write its CSV files, and import each in one transaction.

    Receivables paid in full are settled on the day of their last payment, as
    `arflow import payments` does. Disputes are not opened here (stages belong to
    workflows/): their invoice numbers come back under ``disputed`` for the caller.
    Returns the counts, the open receivables, and their balance per currency as flat
    ``open_balance_cny`` / ``open_balance_usd`` Decimals (CNY and USD do not add up
    without a rate, and flat keys print and serialise as plain amounts).
    """
    book = generate(as_of, seed, customers, invoices)
    paths = write_files(book, workdir)
    settled = 0
    for kind, path in paths.items():
        settled += _import(engine, kind, path, as_of)
    count, balances = open_totals(engine)
    return {
        "customers": len(book.customers),
        "contacts": len(book.contacts),
        "receivables": len(book.invoices),
        "payments": len(book.payments),
        "settled": settled,
        "open_receivables": count,
        **{f"open_balance_{currency.lower()}": total for currency, total in balances.items()},
        "disputed": book.disputed,
        "files": {kind: str(path) for kind, path in paths.items()},
    }


def _import(engine: Engine, kind: str, path: Path, as_of: date) -> int:
    """One file, one transaction; payments then settle what they paid off. Returns settled."""
    from ledger.db import session_scope
    from ledger.importers import import_file
    from workflows.actions import settle_paid

    with session_scope(engine) as session:
        result = import_file(session, kind, path)
        if kind != "payments":
            return 0
        return settle_paid(session, result.touched_receivables, as_of, actor="demo")
