"""Exposure, order checks and the credit file in the book currency on both databases:
a USD order meets a CNY limit converted at the day's rate, refused without a rate; USD
receivables and orders join exposure converted; a CNY-only customer's figures unchanged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from engine.fx import Rate
from ledger import fx_store
from ledger.db import session_scope
from ledger.facts import customer_facts
from ledger.models import Activity, SalesOrder
from tests.factories import load, seed_customers, write
from tests.workflows.test_orders import ORDER_POLICY
from workflows import credit, orders
from workflows.errors import Invalid

AS_OF = date(2026, 3, 2)
D = Decimal
NO_USD = "no USD rate on or before 2026-03-02: import rates with `arflow rates import`"


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    """C002 (limit 200,000): 100,000.00 CNY and 10,000.00 USD open; C001 (limit 500,000):
    1,000.00 CNY open; a USD rate of 7.10 from the Friday before."""
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv",
         "number,customer_code,issue_date,due_date,amount,currency\n"
         "INV-1,C002,2026-02-01,2026-04-01,100000.00,CNY\n"
         "INV-2,C002,2026-02-01,2026-04-01,10000.00,USD\n"
         "INV-3,C001,2026-02-01,2026-04-01,1000.00,RMB\n"))
    rates([Rate(date(2026, 2, 27), "USD", D("7.1")), Rate(date(2026, 3, 3), "USD", D("9"))],
          db)
    return db


def rates(rows: list[Rate], engine: Engine) -> None:
    with session_scope(engine) as s:
        fx_store.upsert(s, rows, "test")


def facts(engine: Engine, book: str | None = "CNY") -> dict[str, dict]:
    with Session(engine) as s:
        return {f["customer.code"]: f for f in customer_facts(s, AS_OF, book=book).values()}


def check(engine: Engine, code: str, amount: str, currency: str) -> orders.OrderDecision:
    with Session(engine) as s:
        return orders.check(s, ORDER_POLICY, code, D(amount), currency, AS_OF, "CNY")


def test_exposure_in_the_book_currency(book: Engine) -> None:
    # 100,000 + 10,000 x 7.10 (the rate of 2026-02-27, not the later one of 03-03)
    assert facts(book)["C002"]["customer.exposure"] == D("171000.00")
    assert facts(book)["C002"]["customer.utilization"] == 0.855
    assert facts(book)["C001"]["customer.exposure"] == D("1000.00")  # CNY only: as before
    assert facts(book, None)["C002"]["customer.exposure"] == D("110000.00")  # as owed


def test_usd_order_converted_before_it_meets_the_cny_limit(book: Engine) -> None:
    fits = check(book, "C002", "4000.00", "US$")  # 28,400.00 CNY: 199,400.00 <= 200,000
    assert (fits.decision, fits.exposure_after, fits.amount_converted) == (
        "approve", D("199400.00"), D("28400.00"))
    out = fits.as_dict()
    assert out["exposure_currency"] == "CNY" and out["converted_at"] == "2026-03-02"
    assert out["note"] == "CNY (USD converted at 7.10 on 2026-02-27)"
    over = check(book, "C002", "4100.00", "USD")  # 29,110.00 CNY: 200,110.00 > 200,000
    assert (over.decision, over.fired, over.exposure_after) == (
        "hold", ["over-limit", "export"], D("200110.00"))
    cny = check(book, "C002", "1000.00", "CNY")  # a CNY order: the USD exposure converted
    assert (cny.exposure_after, cny.amount_converted) == (D("172000.00"), None)


def test_no_rate_refuses_the_check(book: Engine, db: Engine) -> None:
    with session_scope(db) as s:
        s.execute(fx_store.FxRate.__table__.delete())
    with pytest.raises(Invalid) as caught:
        check(book, "C001", "10.00", "USD")  # a USD order, no USD rate
    assert (caught.value.field, caught.value.message) == ("currency", NO_USD)
    with pytest.raises(Invalid) as caught:
        check(book, "C002", "10.00", "CNY")  # a CNY order, but USD exposure unconverted
    assert caught.value.message == NO_USD
    assert check(book, "C001", "10.00", "CNY").exposure_after == D("1010.00")
    # figures that must not fail leave the USD out and say so
    assert facts(book)["C002"]["customer.exposure"] == D("100000.00")
    with Session(book) as s:
        file = credit.credit_file(s, "C002", AS_OF, "CNY")
    assert file["exposure"] == D("100000.00")
    assert file["exposure_conversion"]["unconverted"] == {"USD": D("10000.00")}


def test_recorded_usd_order_counts_converted(book: Engine) -> None:
    with session_scope(book) as s:
        order = orders.add(s, ORDER_POLICY, "C002", D("1000.00"), "SO-USD", AS_OF,
                           "cli:tester", "usd", "CNY")
        assert (order.currency, order.status, order.exposure_after) == (
            "USD", "approved", D("178100.00"))
    assert facts(book)["C002"]["customer.exposure"] == D("178100.00")  # 171,000 + 7,100
    with Session(book) as s:
        file = credit.credit_file(s, "C002", AS_OF, "CNY")
        audit = s.scalars(select(Activity).where(Activity.action == "order_added")).one()
        assert s.scalars(select(SalesOrder.amount)).one() == D("1000.00")  # as ordered
    assert (file["exposure"], file["exposure_currency"]) == (D("178100.00"), "CNY")
    assert file["utilisation"] == D("0.8905")
    assert file["exposure_conversion"]["note"] == "CNY (USD converted at 7.10 on 2026-02-27)"
    assert audit.details["amount_converted"] == "7100.00"
    assert audit.details["rates"] == {"USD": {"rate": "7.100000", "on": "2026-02-27"}}


def test_guarantee_currency_read_through_the_aliases(book: Engine) -> None:
    with session_scope(book) as s:
        credit.add_guarantee(s, "C002", "bank", D("5000"), AS_OF, "cli:tester", "us$")
        with pytest.raises(Invalid) as caught:
            credit.add_guarantee(s, "C002", "bank", D("5000"), AS_OF, "cli:tester", "DOL")
        assert caught.value.field == "currency"
    with Session(book) as s:
        file = credit.credit_file(s, "C002", AS_OF, "CNY")
    assert [g["currency"] for g in file["guarantees"]] == ["USD"]


def test_the_cycle_watches_exposure_in_the_book_currency(book: Engine) -> None:
    from tests.workflows.test_orders import set_customer
    from tests.workflows.test_watches import POLICY, warnings
    from workflows.cycle import run_cycle

    # insured up to 150,000: 110,000 as owed would pass, 171,000 in CNY does not
    set_customer(book, "C002", insured_limit=D("150000"))
    run_cycle(book, POLICY, AS_OF, book="CNY")
    assert warnings(book, "over-insured-limit") == [("C002", "orange", AS_OF, None)]


def test_scorecard_overdue_ratio_in_the_book_currency(db: Engine, tmp_path: Path) -> None:
    from ledger.credit_facts import scorecard_factors

    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv",
         "number,customer_code,issue_date,due_date,amount,currency\n"
         "INV-1,C002,2026-01-01,2026-02-01,1000.00,CNY\n"  # overdue
         "INV-2,C002,2026-02-01,2026-04-01,1000.00,USD\n"  # not yet due
         "INV-3,C001,2026-01-01,2026-02-01,300.00,USD\n"   # one currency: no rate needed
         "INV-4,C001,2026-02-01,2026-04-01,100.00,USD\n"))
    rates([Rate(date(2026, 3, 1), "USD", D("7"))], db)
    with Session(db) as s:
        ids = {f["customer.code"]: cid for cid, f in customer_facts(s, AS_OF).items()}
        owed = scorecard_factors(s, AS_OF)  # as owed: 1,000 / 2,000
        booked = scorecard_factors(s, AS_OF, book="CNY")  # 1,000 / (1,000 + 7,000)
    assert owed[ids["C002"]]["overdue_ratio"] == D("0.5000")
    assert booked[ids["C002"]]["overdue_ratio"] == D("0.1250")
    assert booked[ids["C001"]]["overdue_ratio"] == owed[ids["C001"]]["overdue_ratio"] == D(
        "0.7500")
