"""Advance receipts on both databases: recorded unapplied, counted once in exposure,
applied to the order's invoice or by hand, settling it; listed with their age."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import Session

from ledger import prepayments as store
from ledger.db import session_scope
from ledger.models import Payment, Receivable
from tests.factories import load, write
from tests.workflows.test_orders import AS_OF, add, exposure, seed, set_customer
from workflows import orders, prepayments


def record(engine, code: str, amount: str, reference: str, order: str | None = None,
           on: date = AS_OF) -> None:
    with session_scope(engine) as s:
        prepayments.record(s, code, Decimal(amount), reference, on, "cli:tester", order)


def invoice_file(engine, tmp_path, rows: str) -> None:
    header = "number,customer_code,issue_date,due_date,amount,currency\n"
    load(engine, "receivables", write(tmp_path / "inv.csv", header + rows))


def receivable(engine, number: str) -> Receivable:
    with Session(engine) as s:
        return s.execute(select(Receivable).where(Receivable.number == number)).scalar_one()


def unapplied(engine, reference: str) -> Decimal:
    with Session(engine) as s:
        stmt = select(Payment.unapplied).where(Payment.reference == reference)
        return s.execute(stmt).scalar_one()


def test_prepayment_applied_to_its_invoice_leaves_exposure_right(db, tmp_path):
    seed(db, tmp_path)
    set_customer(db, "C001", prepayment_ratio=Decimal("0.3"))
    order = add(db, "C001", "100000.00", "SO-1")
    assert (order.status, order.prepayment_amount) == ("prepay", Decimal("30000.00"))
    assert exposure(db, "C001") == Decimal("100000.00")
    record(db, "C001", "30000.00", "PRE-1", "SO-1")
    assert exposure(db, "C001") == Decimal("70000.00")  # the advance lowers its order once
    invoice_file(db, tmp_path, "INV-9,C001,2026-03-02,2026-05-01,100000.00,CNY\n")
    with session_scope(db) as s:
        _, applied = orders.invoice(s, "SO-1", "INV-9", AS_OF, "cli:tester")
    assert applied == Decimal("30000.00")
    assert receivable(db, "INV-9").balance == Decimal("70000.00")
    assert unapplied(db, "PRE-1") == Decimal("0.00")
    assert exposure(db, "C001") == Decimal("70000.00")  # same money, counted on the invoice


def test_unlinked_prepayment_does_not_lower_exposure(db, tmp_path):
    seed(db, tmp_path, "INV-1,C001,2026-02-01,2026-03-31,5000.00,CNY\n")
    record(db, "C001", "2000.00", "PRE-1")
    assert exposure(db, "C001") == Decimal("5000.00")


def test_applied_by_hand_settles_the_invoice(db, tmp_path):
    seed(db, tmp_path, "INV-1,C001,2026-02-01,2026-03-31,500.00,CNY\n")
    record(db, "C001", "800.00", "PRE-1")
    with session_scope(db) as s:
        assert prepayments.apply(s, "PRE-1", "INV-1", AS_OF, "cli:tester") == Decimal("500.00")
    row = receivable(db, "INV-1")
    assert (row.balance, row.stage) == (Decimal("0.00"), "paid")
    assert unapplied(db, "PRE-1") == Decimal("300.00")
    with session_scope(db) as s, pytest.raises(ValueError, match="not an open receivable"):
        prepayments.apply(s, "PRE-1", "INV-1", AS_OF, "cli:tester")


def test_unapplied_prepayments_listed_with_their_age(db, tmp_path):
    seed(db, tmp_path)
    add(db, "C002", "900.00", "SO-1")
    record(db, "C001", "100.00", "PRE-OLD", on=date(2026, 1, 1))
    record(db, "C002", "200.00", "PRE-NEW", "SO-1", on=date(2026, 2, 28))
    with Session(db) as s:
        rows = store.unapplied(s, AS_OF)
        stale = store.stale_by_customer(s, AS_OF, 30)
    assert [(r["reference"], r["customer"], r["order"], r["age_days"]) for r in rows] == [
        ("PRE-OLD", "C001", None, 60),
        ("PRE-NEW", "C002", "SO-1", 2),
    ]
    assert list(stale.values()) == [["PRE-OLD"]]


@pytest.mark.parametrize(
    ("code", "amount", "reference", "order", "message"),
    [
        ("C404", "10.00", "PRE-2", None, "no customer"),
        ("C001", "-1.00", "PRE-2", None, "more than 0"),
        ("C001", "10.00", "PRE-1", None, "already exists"),
        ("C001", "10.00", "PRE-2", "SO-404", "no order"),
        ("C002", "10.00", "PRE-2", "SO-1", "not an order of C002"),
    ],
)
def test_bad_prepayments_are_refused(db, tmp_path, code, amount, reference, order, message):
    seed(db, tmp_path)
    add(db, "C001", "10.00", "SO-1")
    record(db, "C001", "10.00", "PRE-1")
    with pytest.raises((LookupError, ValueError), match=message):
        record(db, code, amount, reference, order)


def test_a_prepayment_keeps_its_currency(db, tmp_path):
    """In the order's currency (another one named is refused), else the one given; it
    never pays an invoice of another currency."""
    from workflows.errors import Invalid

    seed(db, tmp_path, "INV-1,C001,2026-02-01,2026-03-31,500.00,CNY\n")
    record_in = prepayments.record
    with session_scope(db) as s:
        assert record_in(s, "C001", Decimal("80.00"), "PRE-USD", AS_OF, "cli:t",
                         currency="us$").currency == "USD"
        assert record_in(s, "C001", Decimal("90.00"), "PRE-CNY", AS_OF, "cli:t",
                         currency="人民币").currency == "CNY"
    with session_scope(db) as s, pytest.raises(Invalid) as refused:
        record_in(s, "C001", Decimal("1.00"), "PRE-X", AS_OF, "cli:t", currency="dollars")
    assert refused.value.field == "currency"
    with session_scope(db) as s, pytest.raises(Invalid) as refused:
        prepayments.apply(s, "PRE-USD", "INV-1", AS_OF, "cli:t")
    assert (refused.value.code, refused.value.field) == ("currency_mismatch", "invoice")
    assert receivable(db, "INV-1").balance == Decimal("500.00")
    with session_scope(db) as s:
        assert prepayments.apply(s, "PRE-CNY", "INV-1", AS_OF, "cli:t") == Decimal("90.00")
    assert receivable(db, "INV-1").balance == Decimal("410.00")
