"""ledger/interest.py on both databases: the worked example, grace, a settled receivable,
a write-off from its day, min_amount, the waiver (audited)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from engine.interest import InterestTerms
from ledger import interest
from ledger.db import session_scope
from ledger.models import Activity, Customer, Receivable
from tests.ledger.interest_book import AS_OF, build
from workflows.errors import Forbidden, Invalid, Refused
from workflows.interest import unwaive_interest, waive_interest

D = Decimal
TERMS = InterestTerms(rate_per_day=D("0.0005"), grace_days=5)


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path)
    return db


def _owed(engine: Engine, terms: InterestTerms = TERMS, as_of: date = AS_OF
          ) -> dict[str, tuple[str, str, int, Decimal]]:
    with Session(engine) as s:
        return {r.number: (r.customer_code, r.currency, r.days, r.interest)
                for r in interest.owed(s, as_of, terms)}


def test_worked_example_and_the_others_to_the_cent(book: Engine) -> None:
    # I-1: 100,000.00 due 03-01, grace 5, from due_date, paid 30,000.00 on 03-10 and
    #   20,000.00 on 03-20, as of 03-31 (30 days, 03-02 .. 03-31):
    #   8 x 100,000.00 + 10 x 70,000.00 + 12 x 50,000.00 = 2,100,000.00 x 0.0005 = 1,050.00
    # I-2: paid in full on 03-05, within grace: nothing
    # I-3: settled on 03-16: 14 days (03-02 .. 03-15) x 10,000.00 x 0.0005 = 70.00
    # I-4: 20,000.00, 8,000.00 written off on 03-11: 9 x 20,000.00 + 21 x 12,000.00
    #   = 432,000.00 x 0.0005 = 216.00
    assert _owed(book) == {
        "I-1": ("C001", "CNY", 30, D("1050.00")),
        "I-3": ("C002", "USD", 14, D("70.00")),
        "I-4": ("C001", "CNY", 30, D("216.00")),
    }
    with Session(book) as s:
        assert interest.totals(interest.owed(s, AS_OF, TERMS)) == {
            "CNY": D("1266.00"), "USD": D("70.00")}


def test_settled_receivable_keeps_its_interest_later(book: Engine) -> None:
    with Session(book) as s:
        i3 = s.execute(select(Receivable).where(Receivable.number == "I-3")).scalar_one()
        assert i3.balance == 0
        row = interest.for_receivable(s, i3.id, date(2026, 12, 31), TERMS)
    assert row is not None and (row.days, row.interest) == (14, D("70.00"))


def test_from_grace_end_and_min_amount(book: Engine) -> None:
    grace_end = InterestTerms(D("0.0005"), 5, start="grace_end")
    # I-1 800.00 (25 days); I-3 03-07..03-15 9 x 10,000 = 45.00; I-4 03-07..03-10
    # 4 x 20,000 + 03-11..03-31 21 x 12,000 = 332,000 x 0.0005 = 166.00
    assert _owed(book, grace_end) == {
        "I-1": ("C001", "CNY", 25, D("800.00")),
        "I-3": ("C002", "USD", 9, D("45.00")),
        "I-4": ("C001", "CNY", 25, D("166.00")),
    }
    assert set(_owed(book, InterestTerms(D("0.0005"), 5, D("100")))) == {"I-1", "I-4"}


def test_nothing_due_before_the_grace_ends(book: Engine) -> None:
    assert _owed(book, as_of=date(2026, 3, 5)) == {}


def test_waiver_owes_zero_shown_as_waived_and_audited(book: Engine) -> None:
    with session_scope(book) as s:
        waive_interest(s, "C001", "  long-standing customer  ", AS_OF, "cli:chen.jing")
    assert set(_owed(book)) == {"I-3"}
    with Session(book) as s:
        c001 = s.execute(select(Customer).where(Customer.code == "C001")).scalar_one()
        assert (c001.interest_waived, c001.interest_waiver_reason) == (
            True, "long-standing customer")
        rows = interest.for_customer(s, c001.id, AS_OF, TERMS)
        assert [(r.number, r.accrued, r.interest, r.waived) for r in rows] == [
            ("I-1", D("1050.00"), D("0.00"), True), ("I-4", D("216.00"), D("0.00"), True)]
    with session_scope(book) as s:
        with pytest.raises(Refused) as again:
            waive_interest(s, "C001", "again", AS_OF, "cli:chen.jing")
        assert again.value.code == "already_waived"
    with session_scope(book) as s:
        unwaive_interest(s, "C001", AS_OF, "web:chen.jing")
    assert set(_owed(book)) == {"I-1", "I-3", "I-4"}
    with Session(book) as s:
        audit = [(a.action, a.actor, a.subject, a.details) for a in s.execute(
            select(Activity).where(Activity.entity == "customer").order_by(Activity.id)
        ).scalars() if a.action.startswith("interest_")]
    assert audit == [
        ("interest_waived", "cli:chen.jing", "C001", {"reason": "long-standing customer"}),
        ("interest_unwaived", "web:chen.jing", "C001", {"waived_for": "long-standing customer"}),
    ]


def test_waiver_refusals(book: Engine) -> None:
    with session_scope(book) as s:
        with pytest.raises(Invalid) as blank:
            waive_interest(s, "C001", "  ", AS_OF, "api:t")
        assert blank.value.field == "reason"
        with pytest.raises(Forbidden):
            waive_interest(s, "C001", "friend", AS_OF, "web:li.na", role="collector")
        with pytest.raises(Refused) as not_waived:
            unwaive_interest(s, "C001", AS_OF, "api:t")
        assert not_waived.value.code == "not_waived"
