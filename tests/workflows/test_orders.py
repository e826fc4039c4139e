"""Order checks on both databases: each decision kind, the strictest of several winning,
exposure with open orders and open AR, held orders released or rejected (audited),
cancel and invoice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from engine import load_policy_texts
from ledger.db import session_scope
from ledger.facts import customer_facts
from ledger.models import Activity, Customer, SalesOrder
from tests.factories import load, seed_customers, write
from workflows import orders

AS_OF = date(2026, 3, 2)
ORDER_POLICY = load_policy_texts({"orders.yaml": """
order_checks:
  - id: severely-late
    when: customer.max_days_overdue > 60
    decide: reject
  - id: over-limit
    when: exposure_after > customer.credit_limit
    decide: hold
  - id: big-order
    when: amount >= 100000
    decide: prepay
  - id: export
    when: customer.segment == 'export'
    decide: approve
"""})


def seed(engine: Engine, tmp_path: Path, rows: str = "") -> None:
    """C001: limit 500,000 (manufacturing); C002: limit 200,000 (export)."""
    seed_customers(engine, tmp_path)
    if rows:
        header = "number,customer_code,issue_date,due_date,amount,currency\n"
        load(engine, "receivables", write(tmp_path / "r.csv", header + rows))


def set_customer(engine: Engine, code: str, **values: object) -> None:
    with session_scope(engine) as s:
        customer = s.execute(select(Customer).where(Customer.code == code)).scalar_one()
        for key, value in values.items():
            setattr(customer, key, value)
        s.add(customer)


def check(engine: Engine, code: str, amount: str) -> orders.OrderDecision:
    with Session(engine) as s:
        return orders.check(s, ORDER_POLICY, code, Decimal(amount), "CNY", AS_OF)


def add(engine: Engine, code: str, amount: str, number: str) -> SalesOrder:
    with session_scope(engine) as s:
        return orders.add(s, ORDER_POLICY, code, Decimal(amount), number, AS_OF, "cli:tester")


def exposure(engine: Engine, code: str) -> Decimal:
    with Session(engine) as s:
        facts = customer_facts(s, AS_OF)
    return next(f["customer.exposure"] for f in facts.values() if f["customer.code"] == code)


def status(engine: Engine, number: str) -> str:
    with Session(engine) as s:
        stmt = select(SalesOrder.status).where(SalesOrder.number == number)
        return s.execute(stmt).scalar_one()


def test_no_check_firing_approves(db, tmp_path):
    seed(db, tmp_path)
    result = check(db, "C001", "1000.00")
    assert result.as_dict() == {"decision": "approve", "fired": [],
                                "exposure_after": Decimal("1000.00"),
                                "exposure_currency": "CNY",
                                "prepayment_amount": Decimal("0.00")}


def test_an_approve_check_fires_and_is_reported(db, tmp_path):
    seed(db, tmp_path)
    result = check(db, "C002", "1000.00")
    assert (result.decision, result.fired) == ("approve", ["export"])


def test_prepay_asks_ratio_times_order(db, tmp_path):
    seed(db, tmp_path)
    set_customer(db, "C001", prepayment_ratio=Decimal("0.3"))
    result = check(db, "C001", "150000.55")
    assert (result.decision, result.fired) == ("prepay", ["big-order"])
    assert result.prepayment_amount == Decimal("45000.17")  # 45000.165 rounded half up


def test_prepay_without_a_ratio_asks_the_whole_order(db, tmp_path):
    seed(db, tmp_path)
    result = check(db, "C001", "120000.00")
    assert (result.decision, result.prepayment_amount) == ("prepay", Decimal("120000.00"))


def test_exposure_after_counts_open_ar_and_open_orders_only(db, tmp_path):
    seed(db, tmp_path, "INV-1,C002,2026-02-01,2026-03-15,150000.00,CNY\n")
    add(db, "C002", "30000.00", "SO-1")  # approved (export)
    add(db, "C002", "5000.00", "SO-2")
    with session_scope(db) as s:
        orders.cancel(s, "SO-2", AS_OF, "cli:tester")
    assert exposure(db, "C002") == Decimal("180000.00")
    result = check(db, "C002", "20000.00")
    assert result.exposure_after == Decimal("200000.00")
    assert (result.decision, result.fired) == ("approve", ["export"])  # not above the limit
    result = check(db, "C002", "20000.01")
    assert (result.decision, result.fired) == ("hold", ["over-limit", "export"])


def test_two_checks_fire_and_the_strictest_wins(db, tmp_path):
    seed(db, tmp_path, "INV-1,C002,2026-01-01,2026-01-31,150000.00,CNY\n")  # 30 days late
    result = check(db, "C002", "100000.00")
    assert result.fired == ["over-limit", "big-order", "export"]
    assert (result.decision, result.prepayment_amount) == ("hold", Decimal("0.00"))


def test_reject_beats_everything(db, tmp_path):
    seed(db, tmp_path, "INV-1,C002,2025-11-01,2025-12-01,150000.00,CNY\n")  # 91 days late
    result = check(db, "C002", "100000.00")
    assert result.fired == ["severely-late", "over-limit", "big-order", "export"]
    assert result.decision == "reject"
    order = add(db, "C002", "100000.00", "SO-9")
    assert (order.status, order.decision) == ("rejected", "reject")
    assert exposure(db, "C002") == Decimal("150000.00")  # a rejected order never counts


def test_added_orders_keep_their_decision_and_are_audited(db, tmp_path):
    seed(db, tmp_path)
    set_customer(db, "C001", prepayment_ratio=Decimal("0.25"))
    order = add(db, "C001", "200000.00", "SO-1")
    assert (order.status, order.fired, order.prepayment_amount) == (
        "prepay", ["big-order"], Decimal("50000.00"))
    assert exposure(db, "C001") == Decimal("200000.00")
    with Session(db) as s:
        row = s.execute(select(Activity).where(Activity.action == "order_added")).scalar_one()
    assert (row.actor, row.subject, row.rule_id) == ("cli:tester", "SO-1", "order:big-order")
    assert row.details["decision"] == "prepay"


def test_held_order_released_and_rejected_with_who(db, tmp_path):
    seed(db, tmp_path, "INV-1,C002,2026-02-01,2026-03-15,199000.00,CNY\n")
    assert add(db, "C002", "5000.00", "SO-1").status == "held"
    assert add(db, "C002", "6000.00", "SO-2").status == "held"
    assert exposure(db, "C002") == Decimal("210000.00")  # held orders count too
    with session_scope(db) as s:
        released = orders.release(s, "SO-1", AS_OF, "cli:li.na", "known customer")
        assert (released.status, released.decided_by) == ("approved", "cli:li.na")
        rejected = orders.reject(s, "SO-2", AS_OF, "cli:wang.wei", "over limit")
        assert rejected.status == "rejected"
    with Session(db) as s:
        audit = s.execute(
            select(Activity.action, Activity.actor, Activity.subject)
            .where(Activity.entity == "order", Activity.action != "order_added")
            .order_by(Activity.id)
        ).all()
    assert [tuple(a) for a in audit] == [
        ("order_released", "cli:li.na", "SO-1"),
        ("order_rejected", "cli:wang.wei", "SO-2"),
    ]
    assert exposure(db, "C002") == Decimal("204000.00")
    with session_scope(db) as s, pytest.raises(ValueError, match="is approved, not held"):
        orders.release(s, "SO-1", AS_OF, "cli:li.na")


def test_release_asks_prepayment_when_the_customer_has_a_ratio(db, tmp_path):
    seed(db, tmp_path, "INV-1,C002,2026-02-01,2026-03-15,199000.00,CNY\n")
    add(db, "C002", "5000.00", "SO-1")
    set_customer(db, "C002", prepayment_ratio=Decimal("0.5"))
    with session_scope(db) as s:
        order = orders.release(s, "SO-1", AS_OF, "cli:li.na")
        assert (order.status, order.prepayment_amount) == ("prepay", Decimal("2500.00"))


def test_invoiced_order_stops_counting_and_its_invoice_counts(db, tmp_path):
    seed(db, tmp_path)
    add(db, "C001", "8000.00", "SO-1")
    header = "number,customer_code,issue_date,due_date,amount,currency\n"
    load(db, "receivables", write(tmp_path / "i.csv", header
                                  + "INV-7,C001,2026-03-02,2026-05-01,8000.00,CNY\n"))
    assert exposure(db, "C001") == Decimal("16000.00")  # imported, not yet linked
    with session_scope(db) as s:
        order, applied = orders.invoice(s, "SO-1", "INV-7", AS_OF, "cli:tester")
    assert (order.status, order.invoice_number, applied) == ("invoiced", "INV-7", Decimal("0.00"))
    assert exposure(db, "C001") == Decimal("8000.00")
    with session_scope(db) as s, pytest.raises(ValueError, match="only an open order"):
        orders.cancel(s, "SO-1", AS_OF, "cli:tester")


@pytest.mark.parametrize(
    ("code", "amount", "number", "message"),
    [
        ("C404", "10.00", "SO-1", "no customer"),
        ("C001", "0", "SO-1", "more than 0"),
        ("C001", "1.001", "SO-1", "more than two decimals"),
        ("C001", "10.00", "SO-DUP", "already exists"),
        ("C001", "10.00", "SO 1", "without spaces"),
    ],
)
def test_bad_orders_are_refused(db, tmp_path, code, amount, number, message):
    seed(db, tmp_path)
    add(db, "C001", "10.00", "SO-DUP")
    with pytest.raises((LookupError, ValueError), match=message):
        add(db, code, amount, number)
    with Session(db) as s:
        assert len(s.execute(select(SalesOrder.id)).all()) == 1
