"""Issue 14, part 3: payments carry a currency, and allocation never crosses currencies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.allocation import Allocator
from ledger.db import session_scope
from ledger.importers import ImportFailed, import_file
from ledger.models import Customer, Payment, Receivable
from tests.factories import seed_customers, write

# C001 owes in two currencies (the USD invoice is older), C002 in USD only
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "N-1,C001,2026-01-01,2026-02-01,1000.00,CNY\n"
    "U-1,C001,2025-12-15,2026-01-15,500.00,USD\n"
    "U-2,C002,2026-01-01,2026-02-01,200.00,USD\n"
)
HEADER = "reference,customer_code,date,amount,invoice_number,currency\n"


def _load(db: Engine, path, book_currency: str = "CNY"):  # type: ignore[no-untyped-def]
    with session_scope(db) as session:
        return import_file(session, "payments", path, book_currency=book_currency)


def _seed(db: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_customers(db, tmp_path)
    with session_scope(db) as session:
        import_file(session, "receivables", write(tmp_path / "r.csv", RECEIVABLES))


def _balances(db: Engine) -> dict[str, Decimal]:
    with Session(db) as s:
        return dict(s.execute(select(Receivable.number, Receivable.balance)).all())


def _payments(db: Engine) -> dict[str, tuple[str, Decimal]]:
    with Session(db) as s:
        rows = s.execute(select(Payment.reference, Payment.currency, Payment.unapplied))
        return {r.reference: (r.currency, r.unapplied) for r in rows}


def test_a_usd_payment_never_settles_a_cny_invoice(db, tmp_path):
    _seed(db, tmp_path)
    result = _load(db, write(tmp_path / "p.csv", HEADER + "P-1,C001,2026-02-20,800.00,,美元\n"))
    assert result.inserted == 1
    # only the USD invoice is paid; the rest is USD credit, the CNY invoice untouched
    assert _balances(db) == {"N-1": Decimal("1000.00"), "U-1": Decimal("0.00"),
                             "U-2": Decimal("200.00")}
    assert _payments(db) == {"P-1": ("USD", Decimal("300.00"))}


def test_a_payment_naming_an_invoice_in_another_currency_is_a_row_error(db, tmp_path):
    _seed(db, tmp_path)
    path = write(tmp_path / "p.csv", HEADER + "P-1,C001,2026-02-20,1000.00,N-1,USD\n"
                 "P-2,C001,2026-02-20,1000.00,N-1,RMBB\n")
    with pytest.raises(ImportFailed) as caught:
        _load(db, path)
    assert [str(e) for e in caught.value.errors] == [
        "p.csv:2: currency: currency mismatch: invoice 'N-1' is in CNY, the payment in USD",
        "p.csv:3: currency: not a currency: 'RMBB' (use an ISO 4217 code like CNY or USD)"]
    assert _payments(db) == {} and _balances(db)["N-1"] == Decimal("1000.00")


def test_the_currency_a_payment_gets_when_it_gives_none(db, tmp_path):
    _seed(db, tmp_path)
    with session_scope(db) as session:
        session.add(Customer(code="C003", name="New Co"))  # owes nothing yet
    payments = ("reference,customer_code,date,amount,invoice_number\n"
                "P-1,C001,2026-02-20,100.00,U-1\n"  # the named invoice's: USD
                "P-2,C002,2026-02-21,200.00,\n"  # the customer's single currency: USD
                "P-3,C001,2026-02-22,150.00,\n"  # owes in two: the book currency
                "P-4,C003,2026-02-23,70.00,\n")  # owes nothing: the book currency
    path = write(tmp_path / "p.csv", payments)
    assert _load(db, path, book_currency="CNY").inserted == 4
    assert _payments(db) == {"P-1": ("USD", Decimal("0.00")), "P-2": ("USD", Decimal("0.00")),
                             "P-3": ("CNY", Decimal("0.00")), "P-4": ("CNY", Decimal("70.00"))}
    # P-3 paid the CNY invoice although the USD one is older
    assert _balances(db) == {"N-1": Decimal("850.00"), "U-1": Decimal("400.00"),
                             "U-2": Decimal("0.00")}
    # the same file again changes nothing: C002 owes nothing now, yet P-2 stays USD
    again = _load(db, path, book_currency="EUR")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert _payments(db)["P-2"] == ("USD", Decimal("0.00"))


def test_the_book_currency_is_the_last_default(db, tmp_path):
    _seed(db, tmp_path)
    path = write(tmp_path / "p.csv", "reference,customer_code,date,amount\n"
                 "P-9,C001,2026-02-20,50.00\n")
    _load(db, path, book_currency="USD")  # C001 owes in two currencies
    assert _payments(db) == {"P-9": ("USD", Decimal("0.00"))}
    assert _balances(db)["U-1"] == Decimal("450.00")


def test_the_allocator_reads_the_payments_own_currency_when_not_told(db, tmp_path):
    """A caller that passes no currency (a prepayment applied later) still never crosses."""
    _seed(db, tmp_path)
    with session_scope(db) as session:
        customer = session.execute(select(Customer.id).where(Customer.code == "C001")).scalar_one()
        payment = Payment(reference="PRE-1", customer_id=customer, date=date(2026, 2, 1),
                          amount=Decimal("900.00"), unapplied=Decimal("900.00"),
                          kind="prepayment", currency="USD")
        session.add(payment)
        session.flush()
        allocator = Allocator.for_customers(session, {customer})
        left = allocator.apply(payment.id or 0, customer, Decimal("900.00"), date(2026, 2, 2),
                               None)
        allocator.flush()
    assert left == Decimal("400.00")
    assert _balances(db)["N-1"] == Decimal("1000.00") and _balances(db)["U-1"] == Decimal("0.00")


def test_unapplied_credit_is_told_per_currency(db, tmp_path):
    """Left-over money stays in its currency: the customer's credit is listed per currency
    (beside the old single figure, kept for scripts)."""
    from ledger.reads.customers import balances

    _seed(db, tmp_path)
    _load(db, write(tmp_path / "p.csv", HEADER + "P1,C001,2026-02-02,1200.00,N-1,CNY\n"
                                                "P2,C001,2026-02-02,600.00,U-1,USD\n"))
    with Session(db) as s:
        cid = s.execute(select(Customer.id).where(Customer.code == "C001")).scalar_one()
        sums = balances(s, [cid], date(2026, 3, 1))[cid]
    assert sums.unapplied_by_currency == {"CNY": Decimal("200.00"), "USD": Decimal("100.00")}
    assert sums.unapplied_credit == Decimal("300.00")
