"""Credit reviews on both databases: hand-computed factors and points, rating boundaries,
overrides that expire, idempotent apply with history, and the two-grade-drop task."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from engine import load_policy
from ledger.credit_facts import scorecard_factors
from ledger.db import session_scope
from ledger.models import (
    Activity,
    Allocation,
    CreditChange,
    Customer,
    Payment,
    Promise,
    PromiseReceivable,
    Receivable,
    Task,
)
from workflows import credit

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
AS_OF = date(2026, 6, 30)
D = Decimal

BOUNDARY_POLICY = """\
credit:
  scorecard:
    - factor: max_days_overdue
      weight: 1
      better: lower
      points: [[0, 80], [10, 79.99], [30, 65], [100000, 0]]
  ratings: {A: 80, B: 65, C: 50, E: 0}
  terms:
    A: {credit_limit: 500000, payment_terms_days: 60}
    B: {credit_limit: 200000, payment_terms_days: 45}
    C: {credit_limit: 80000, payment_terms_days: 30}
    E: {credit_limit: 0, payment_terms_days: 0, prepayment_ratio: 1.0}
"""


class Ledger:
    """Tiny hand-made ledgers: invoices, payments allocated to them, promises, disputes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.n = 0

    def customer(self, code: str, **fields: object) -> int:
        with Session(self.engine) as s:
            row = Customer(code=code, name=code, **fields)
            s.add(row)
            s.commit()
            return row.id or 0

    def invoice(self, cid: int, issue: date, due: date, amount: str,
                paid: list[tuple[date, str]] = (), stage: str | None = None) -> int:
        """An invoice and the payments allocated to it; the balance follows them."""
        self.n += 1
        balance = D(amount) - sum((D(a) for _, a in paid), D(0))
        with Session(self.engine) as s:
            r = Receivable(number=f"INV-{self.n}", customer_id=cid, issue_date=issue,
                           due_date=due, amount=D(amount), balance=balance,
                           stage=stage or ("paid" if balance == 0 else "overdue"),
                           stage_since=issue)
            s.add(r)
            s.flush()
            for k, (day, paid_amount) in enumerate(paid):
                p = Payment(reference=f"P-{self.n}-{k}", customer_id=cid, date=day,
                            amount=D(paid_amount))
                s.add(p)
                s.flush()
                s.add(Allocation(payment_id=p.id or 0, receivable_id=r.id or 0,
                                 amount=D(paid_amount)))
            s.commit()
            return r.id or 0

    def broken_promise(self, rid: int, broken_on: date) -> None:
        with Session(self.engine) as s:
            receivable = s.get(Receivable, rid)
            assert receivable is not None
            promise = Promise(customer_id=receivable.customer_id,
                              promised_date=broken_on - timedelta(days=1), status="broken",
                              created_on=broken_on - timedelta(days=10), broken_on=broken_on)
            s.add(promise)
            s.flush()
            s.add(PromiseReceivable(promise_id=promise.id or 0, receivable_id=rid))
            s.commit()

    def dispute(self, rid: int, on: date) -> None:
        with Session(self.engine) as s:
            s.add(Activity(on_date=on, actor="cli:test", action="dispute",
                           entity="receivable", entity_id=rid, subject="x"))
            s.commit()


def _good_customer(book: Ledger) -> int:
    """A six-year customer: 3 of 5 due invoices on time, one paid 10 days late."""
    cid = book.customer("GOOD", rating="C")
    book.invoice(cid, date(2020, 1, 15), date(2020, 2, 14), "700", [(date(2020, 2, 10), "700")])
    book.invoice(cid, date(2025, 9, 1), date(2025, 10, 1), "1000", [(date(2025, 9, 25), "1000")])
    book.invoice(cid, date(2025, 11, 1), date(2025, 12, 1), "2000",
                 [(date(2025, 11, 20), "1000"), (date(2025, 12, 11), "1000")])
    book.invoice(cid, date(2026, 1, 10), date(2026, 2, 10), "500", [(date(2026, 2, 10), "500")])
    late = book.invoice(cid, date(2026, 3, 1), date(2026, 4, 1), "3000")
    book.invoice(cid, date(2026, 4, 10), date(2026, 5, 10), "800", [(date(2026, 5, 1), "800")])
    book.invoice(cid, date(2026, 6, 15), date(2026, 7, 15), "1000", stage="current")
    book.broken_promise(late, date(2026, 5, 1))  # within 90 days
    book.broken_promise(late, date(2026, 3, 15))  # 107 days before: not counted
    book.dispute(late, date(2026, 4, 20))
    book.dispute(late, date(2025, 5, 1))  # more than a year ago
    return cid


def test_factors_and_points_of_a_hand_computed_customer(db):
    book = Ledger(db)
    cid = _good_customer(book)
    with Session(db) as s:
        values = scorecard_factors(s, AS_OF)[cid]
        proposal = credit.review(s, POLICY, AS_OF, "GOOD")[0]
    years = D((AS_OF - date(2020, 1, 15)).days) / 365  # 2358 days: 6.46
    assert values == {
        "on_time_rate": D("0.6"),  # INV-2, -4, -6 of INV-2..6 (INV-7 is not yet due)
        "avg_days_late": D("2.5"),  # (0 + 10 + 0 + 0) / 4 paid invoices
        "years_as_customer": D("6.46"),
        "overdue_ratio": D("0.75"),  # 3000 overdue of 4000 open
        "broken_promises_90d": 1,
        "disputes_12m": 1,
        "max_days_overdue": 90,  # 2026-04-01 .. 2026-06-30
    }
    assert int(years * 100) == 646
    factors = proposal.factors
    assert {k: v["points"] for k, v in factors.items()} == {
        "on_time_rate": 40, "avg_days_late": 70, "years_as_customer": 100}
    assert {k: v["weight"] for k, v in factors.items()} == {
        "on_time_rate": 40, "avg_days_late": 30, "years_as_customer": 30}
    assert factors["on_time_rate"]["value"] == D("0.6")
    assert proposal.score == D("67.00")  # (40*40 + 30*70 + 30*100) / 100
    assert (proposal.rating, proposal.credit_limit, proposal.payment_terms_days,
            proposal.prepayment_ratio) == ("B", D(200000), 45, D(0))
    assert {c["field"] for c in proposal.changes} == {
        "rating", "score", "credit_limit", "payment_terms_days"}


def test_the_factors_look_only_at_the_ledger_as_of_the_day(db):
    book = Ledger(db)
    cid = book.customer("LATE")
    book.invoice(cid, date(2026, 3, 1), date(2026, 4, 1), "100", [(date(2026, 7, 10), "100")])
    with Session(db) as s:
        before = scorecard_factors(s, date(2026, 6, 30), cid)[cid]
        after = scorecard_factors(s, date(2026, 7, 10), cid)[cid]
    # paid after as_of: unpaid on 06-30, so no paid invoice to average yet
    assert (before["on_time_rate"], before["avg_days_late"]) == (D(0), None)
    assert (after["on_time_rate"], after["avg_days_late"]) == (D(0), D(100))


def test_a_customer_without_history_earns_no_points(db):
    book = Ledger(db)
    cid = book.customer("NEW")
    with Session(db) as s:
        values = scorecard_factors(s, AS_OF)[cid]
        proposal = credit.review(s, POLICY, AS_OF, "NEW")[0]
    assert values["on_time_rate"] is None and values["avg_days_late"] is None
    assert values["years_as_customer"] is None
    assert (values["overdue_ratio"], values["max_days_overdue"]) == (D(0), 0)
    assert proposal.score == D("0.00") and proposal.rating == "E"
    assert proposal.prepayment_ratio == D("1.0") and proposal.credit_limit == 0


def test_ratings_at_the_exact_score_boundaries(db, tmp_path):
    (tmp_path / "credit.yaml").write_text(BOUNDARY_POLICY)
    policy = load_policy(tmp_path)
    book = Ledger(db)
    on_time = book.customer("EXACT")  # nothing overdue: 80.00 points
    late = book.customer("JUST-UNDER")  # 5 days overdue: 79.99 points
    book.invoice(late, date(2026, 5, 1), AS_OF - timedelta(days=5), "100")
    edge = book.customer("B-EDGE")  # 30 days overdue: 65.00
    book.invoice(edge, date(2026, 5, 1), AS_OF - timedelta(days=30), "100")
    below = book.customer("C-EDGE")  # 31 days overdue: 0
    book.invoice(below, date(2026, 5, 1), AS_OF - timedelta(days=31), "100")
    with Session(db) as s:
        got = {p.code: (p.score, p.rating) for p in credit.review(s, policy, AS_OF)}
    assert on_time and got == {
        "EXACT": (D("80.00"), "A"),
        "JUST-UNDER": (D("79.99"), "B"),
        "B-EDGE": (D("65.00"), "B"),
        "C-EDGE": (D("0.00"), "E"),
    }


def _file(engine: Engine, code: str) -> Customer:
    with Session(engine) as s:
        return s.execute(select(Customer).where(Customer.code == code)).scalar_one()


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_override_wins_until_it_expires_then_apply_clears_it(db):
    book = Ledger(db)
    _good_customer(book)  # the scorecard says B: 200000
    with session_scope(db) as s:
        credit.set_override(s, "GOOD", D(300000), "parent guarantee", date(2026, 7, 5),
                            on_date=AS_OF, actor="cli:test")
    assert _file(db, "GOOD").credit_limit == D(300000)
    with session_scope(db) as s:
        before = credit.review(s, POLICY, date(2026, 7, 5), "GOOD")[0]
        credit.apply(s, POLICY, date(2026, 7, 5))
    assert before.credit_limit == D(300000)
    assert "limit_override" not in {c["field"] for c in before.changes}
    kept = _file(db, "GOOD")
    assert (kept.credit_limit, kept.limit_override, kept.rating) == (D(300000), D(300000), "B")
    with session_scope(db) as s:
        after = credit.review(s, POLICY, date(2026, 7, 6), "GOOD")[0]
        credit.apply(s, POLICY, date(2026, 7, 6))
    assert after.credit_limit == D(200000)
    cleared = _file(db, "GOOD")
    assert (cleared.credit_limit, cleared.limit_override, cleared.override_until) == (
        D(200000), None, None)
    with Session(db) as s:
        rows = s.execute(select(CreditChange.field_name, CreditChange.old_value,
                                CreditChange.new_value, CreditChange.reason)
                         .where(CreditChange.on_date == date(2026, 7, 6))).all()
    assert ("limit_override", "300000.00", "", "override expired") in [tuple(r) for r in rows]
    assert ("credit_limit", "300000.00", "200000.00", "credit review") in [tuple(r) for r in rows]


def test_override_refuses_bad_input(db):
    Ledger(db).customer("X")
    with Session(db) as s:
        with pytest.raises(ValueError, match="negative"):
            credit.set_override(s, "X", D(-1), "r", AS_OF, on_date=AS_OF, actor="t")
        with pytest.raises(ValueError, match="past"):
            credit.set_override(s, "X", D(1), "r", AS_OF - timedelta(days=1), on_date=AS_OF,
                                actor="t")
        with pytest.raises(LookupError):
            credit.set_override(s, "NOPE", D(1), "r", AS_OF, on_date=AS_OF, actor="t")


def test_apply_is_idempotent_and_writes_history(db):
    book = Ledger(db)
    cid = _good_customer(book)
    book.customer("NEW")
    with session_scope(db) as s:
        first = credit.apply(s, POLICY, AS_OF)
    assert (first.reviewed, first.changed) == (2, 2)
    changes, audit = _count(db, CreditChange), _count(db, Activity)
    good = _file(db, "GOOD")
    assert (good.rating, good.score, good.rated_on, good.credit_limit, good.payment_terms_days,
            good.prepayment_ratio) == ("B", D("67.00"), AS_OF, D(200000), 45, D(0))
    with Session(db) as s:
        history = s.execute(select(CreditChange).where(CreditChange.customer_id == cid)
                            .order_by(CreditChange.id)).scalars().all()
    assert {h.field_name: (h.old_value, h.new_value) for h in history} == {
        "rating": ("C", "B"), "score": ("", "67.00"), "credit_limit": ("", "200000.00"),
        "payment_terms_days": ("", "45")}
    assert all(h.actor == "scorecard" for h in history)
    assert history[0].details["factors"]["avg_days_late"] == {
        "value": "2.50", "points": "70", "weight": "30"}
    with session_scope(db) as s:
        second = credit.apply(s, POLICY, AS_OF)
    assert (second.reviewed, second.changed, second.tasks) == (2, 0, 0)
    assert (_count(db, CreditChange), _count(db, Activity)) == (changes, audit)
    with Session(db) as s:
        assert all(not p.changes for p in credit.review(s, POLICY, AS_OF))


def test_a_drop_of_two_grades_opens_one_review_task(db):
    book = Ledger(db)
    book.customer("FALL", rating="A")  # no history: E, four grades down
    book.customer("SLIP", rating="E")  # stays E: no task
    with session_scope(db) as s:
        assert credit.apply(s, POLICY, AS_OF).tasks == 1
    with session_scope(db) as s:  # the manager puts it back to A; it falls again
        s.execute(Customer.__table__.update().where(Customer.code == "FALL").values(rating="A"))
        assert credit.apply(s, POLICY, AS_OF + timedelta(days=7)).tasks == 0  # one while open
    with Session(db) as s:
        tasks = s.execute(select(Task.kind, Task.assignee, Task.status, Task.created_on)).all()
    assert [tuple(t) for t in tasks] == [("review_credit", "credit_manager", "open", AS_OF)]


def test_a_one_grade_drop_opens_no_task(db):
    book = Ledger(db)
    _good_customer(book)  # B
    with session_scope(db) as s:
        s.execute(Customer.__table__.update().values(rating="A"))
        assert credit.apply(s, POLICY, AS_OF).tasks == 0


def test_a_guarantee_is_recorded_and_audited(db):
    Ledger(db).customer("SEC")
    with session_scope(db) as s:
        credit.add_guarantee(s, "SEC", "bank", D("50000.00"), on_date=AS_OF, actor="cli:t",
                             expires=date(2027, 6, 30))
    with Session(db) as s:
        row = s.execute(select(CreditChange)).scalar_one()
    assert (row.field_name, row.new_value) == ("guarantee", "bank 50000.00 CNY until 2027-06-30")
    with Session(db) as s, pytest.raises(ValueError, match="positive"):
        credit.add_guarantee(s, "SEC", "bank", D(0), on_date=AS_OF, actor="t")


RISK_POLICY = """\
credit:
  scorecard:
    - factor: overdue_ratio
      weight: 1
      better: lower
      points: [[0.1, 100], [0.5, 50], [1, 0]]
    - factor: broken_promises_90d
      weight: 1
      better: lower
      points: [[0, 100], [1, 60], [1000, 0]]
    - factor: disputes_12m
      weight: 1
      better: lower
      points: [[0, 100], [2, 50], [1000, 0]]
    - factor: max_days_overdue
      weight: 1
      better: lower
      points: [[30, 100], [90, 40], [100000, 0]]
  ratings: {A: 80, B: 50, C: 0}
  terms:
    A: {credit_limit: 500000, payment_terms_days: 60}
    B: {credit_limit: 100000, payment_terms_days: 30}
    C: {credit_limit: 0, payment_terms_days: 0, prepayment_ratio: 1.0}
"""


def test_a_policy_may_score_the_risk_factors(db, tmp_path):
    (tmp_path / "credit.yaml").write_text(RISK_POLICY)
    policy = load_policy(tmp_path)
    _good_customer(Ledger(db))
    with Session(db) as s:
        proposal = credit.review(s, policy, AS_OF, "GOOD")[0]
    # overdue_ratio 0.75 -> 0, 1 broken promise -> 60, 1 dispute -> 50, 90 days -> 40
    assert {k: (v["value"], v["points"]) for k, v in proposal.factors.items()} == {
        "overdue_ratio": (D("0.75"), 0), "broken_promises_90d": (1, 60),
        "disputes_12m": (1, 50), "max_days_overdue": (90, 40)}
    assert (proposal.score, proposal.rating) == (D("37.50"), "C")
