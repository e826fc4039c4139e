"""ledger/reads/accounts: whom to call, the promise or plan, the last contact, for a page of
customers in a few queries. On both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, event
from sqlmodel import Session

from ledger.models import (
    Activity,
    Contact,
    Customer,
    PaymentPlan,
    Promise,
    PromiseReceivable,
    Receivable,
)
from ledger.reads.accounts import account_summaries

DAY = date(2026, 11, 23)
RECEIVABLES = (  # number, customer id, due date, amount, currency
    ("R-1", 1, date(2026, 9, 1), "50000.00", "CNY"),
    ("R-2", 1, date(2026, 10, 10), "8000.00", "CNY"),
    ("R-4", 2, date(2026, 9, 15), "20000.00", "USD"),
    ("R-5", 2, date(2026, 12, 20), "500.00", "USD"),
)


def _seed(db: Engine) -> None:
    with Session(db) as s:
        s.add_all([Customer(code="C001", name="上海华东机电有限公司"),
                   Customer(code="C002", name="Acme Trading Ltd")])
        s.flush()
        s.add_all([Receivable(number=n, customer_id=c, issue_date=date(2026, 7, 1), due_date=d,
                              amount=Decimal(a), balance=Decimal(a), currency=cur,
                              stage="overdue", stage_since=DAY)
                   for n, c, d, a, cur in RECEIVABLES])
        s.flush()
        s.add_all([
            Contact(customer_id=1, name="王经理", role="sales", phone="021-1111"),
            Contact(customer_id=1, name="李会计", role="accounts", mobile="138 0000 0000",
                    billing=True),
            Contact(customer_id=2, name="Jo Smith", phone="", mobile="+1 555 0100"),
        ])
        # C001: a customer promise covering R-2 (amount: the covered balance), and an
        # older one already kept
        s.add_all([Promise(customer_id=1, promised_date=date(2026, 11, 30), created_on=DAY),
                   Promise(customer_id=1, promised_date=date(2026, 11, 1), amount=100,
                           status="kept", created_on=DAY)])
        plan = PaymentPlan(customer_id=2, created_on=DAY)
        s.add(plan)
        s.flush()
        s.add_all([Promise(customer_id=2, plan_id=plan.id, promised_date=date(2026, 11, 15),
                           amount=Decimal("5000"), status="kept", created_on=DAY),
                   Promise(customer_id=2, plan_id=plan.id, promised_date=date(2026, 12, 15),
                           amount=Decimal("7500.50"), created_on=DAY),
                   Promise(customer_id=2, plan_id=plan.id, promised_date=date(2027, 1, 15),
                           amount=Decimal("7500"), created_on=DAY)])
        s.flush()
        s.add_all([PromiseReceivable(promise_id=1, receivable_id=2),
                   PromiseReceivable(promise_id=4, receivable_id=3)])
        s.add_all([
            Activity(at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC), on_date=date(2026, 11, 20),
                     actor="web:li.na", action="call_logged", entity="customer", entity_id=1,
                     subject="C001", details={"outcome": "no_answer"}),
            Activity(at=datetime(2026, 11, 22, 3, 30, tzinfo=UTC), on_date=date(2026, 11, 22),
                     actor="web:li.na", action="note_added", entity="receivable",
                     entity_id=1, subject="R-1", details={"note": "寄了对账单"}),
            Activity(at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC), on_date=DAY, actor="cycle",
                     action="stage_changed", entity="receivable", entity_id=1, subject="R-1"),
        ])
        s.commit()


def test_a_page_of_accounts_in_a_few_queries(db: Engine) -> None:
    _seed(db)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with Session(db) as s:
        event.listen(db, "before_cursor_execute", count)
        try:
            found = account_summaries(s, [1, 2, 999], DAY)
        finally:
            event.remove(db, "before_cursor_execute", count)
    assert len(statements) <= 6

    one, two, none = found[1], found[2], found[999]
    assert one.contact is not None and one.contact.name == "李会计"  # billing first
    assert one.contact.number == "138 0000 0000"
    assert one.promise is not None and not one.promise.plan
    assert (one.promise.due, one.promise.amount, one.promise.currency, one.promise.late) == (
        date(2026, 11, 30), Decimal("8000.00"), "CNY", False)
    assert one.plan is None
    last = one.last_contact
    assert last is not None and (last.action, last.subject, last.actor) == (
        "note_added", "R-1", "web:li.na")  # the invoice's note is newer; the cycle's row no
    assert last.details == {"note": "寄了对账单"}
    moment = last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
    assert moment == datetime(2026, 11, 22, 3, 30, tzinfo=UTC)

    assert two.contact is not None and two.contact.number == "+1 555 0100"
    assert two.promise is None and two.plan is not None
    assert (two.plan.due, two.plan.amount, two.plan.currency, two.plan.kept,
            two.plan.instalments) == (date(2026, 12, 15), Decimal("7500.50"), "USD", 1, 3)
    assert two.last_contact is None
    assert none.contact is None and none.promise is None and none.last_contact is None
    with Session(db) as s:
        assert account_summaries(s, [], DAY) == {}


def test_a_late_promise_and_a_customer_level_call(db: Engine) -> None:
    _seed(db)
    with Session(db) as s:
        s.add(Activity(at=datetime(2026, 11, 23, 6, 0, tzinfo=UTC), on_date=DAY,
                       actor="web:li.na", action="call_logged", entity="customer",
                       entity_id=1, subject="C001", details={"outcome": "reached"}))
        s.commit()
        found = account_summaries(s, [1], date(2026, 12, 1))[1]
    assert found.promise is not None and found.promise.late
    assert found.last_contact is not None
    assert (found.last_contact.action, found.last_contact.subject) == ("call_logged", "")
