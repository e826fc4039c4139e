"""Write-offs in workflows/writeoffs.py: proposed, refused, approved in part or in full,
rejected; what a full write-off closes; every step audited."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import (
    Activity,
    Outbox,
    PaymentPlan,
    Promise,
    PromiseReceivable,
    Receivable,
    RiskWarning,
    StageChange,
    Task,
    TaskReceivable,
    WriteOff,
)
from tests.workflows.writeoff_book import DAY, build, ids
from workflows.errors import Forbidden, Invalid, NotFound, Refused
from workflows.lifecycle import IllegalMove
from workflows.writeoffs import (
    approve_writeoff,
    open_writeoff,
    propose_writeoff,
    reject_writeoff,
)

D = Decimal


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path)
    return db


def _receivable(s: Session, number: str) -> Receivable:
    found = s.execute(select(Receivable).where(Receivable.number == number)).scalar_one()
    s.refresh(found)
    return found


def _audit(s: Session, rid: int) -> list[tuple[str, str, dict]]:
    rows = s.execute(select(Activity.action, Activity.actor, Activity.details)
                     .where(Activity.entity == "receivable", Activity.entity_id == rid)
                     .order_by(Activity.id))
    return [(a, who, d) for a, who, d in rows]


def test_partial_write_off_lowers_the_balance_and_keeps_the_stage(book: Engine) -> None:
    with Session(book) as s:
        wid = propose_writeoff(s, "R-1", "customer short-paid bank charges", DAY, "web:li.na",
                               amount=D("150.00"))
        s.commit()
        assert _receivable(s, "R-1").balance == D("50000.00")  # a proposal changes nothing
        left = approve_writeoff(s, wid, DAY, "web:credit.manager", "small difference",
                                role="credit_manager")
        s.commit()
        r1 = _receivable(s, "R-1")
        rid = ids(s)["R-1"]
        assert left == D("49850.00") and (r1.balance, r1.stage) == (D("49850.00"), "overdue")
        row = s.get(WriteOff, wid)
        assert row is not None and (row.status, row.decided_by, row.decided_on,
                                    row.decision_note) == (
            "approved", "web:credit.manager", DAY, "small difference")
        # the unsent reminder carried the old balance: withdrawn, the cycle writes it again
        assert s.execute(select(Outbox.status)).scalar_one() == "cancelled"
        # the rest stays for the cycle to judge on the new balance
        assert s.execute(select(RiskWarning.closed_on)).scalar_one() is None
        assert s.execute(select(Promise.status)).scalar_one() == "open"
        assert s.execute(select(TaskReceivable.left_on).where(
            TaskReceivable.receivable_id == rid)).scalar_one() is None
        audit = _audit(s, rid)
    assert [a for a, *_ in audit] == ["writeoff_proposed", "writeoff_approved"]
    proposed, approved = audit[0][2], audit[1][2]
    assert audit[0][1] == "web:li.na" and audit[1][1] == "web:credit.manager"
    assert (proposed["amount"], proposed["reason"], proposed["balance"]) == (
        "150.00", "customer short-paid bank charges", "50000.00")
    assert (approved["amount"], approved["proposed_by"], approved["balance"]) == (
        "150.00", "web:li.na", "49850.00")


def test_full_write_off_closes_everything_it_touched(book: Engine) -> None:
    with Session(book) as s:
        wid = propose_writeoff(s, "R-1", "customer insolvent", DAY, "web:li.na")
        approve_writeoff(s, wid, DAY, "cli:boss")
        s.commit()
        rid = ids(s)["R-1"]
        r1 = _receivable(s, "R-1")
        assert (r1.balance, r1.stage, r1.stage_since) == (D("0.00"), "written_off", DAY)
        assert s.get(WriteOff, wid).amount == D("50000.00")  # type: ignore[union-attr]
        steps = list(s.execute(select(StageChange.from_stage, StageChange.to_stage,
                                      StageChange.actor, StageChange.rule_id)
                               .where(StageChange.receivable_id == rid)))
        assert steps == [("overdue", "written_off", "cli:boss", "writeoff")]
        assert s.execute(select(RiskWarning.closed_on)).scalar_one() == DAY
        assert s.execute(select(Outbox.status)).scalar_one() == "cancelled"
        assert s.execute(select(Promise.status)).scalar_one() == "cancelled"
        # R-1 left li.na's call task; R-2 keeps it open
        link = s.execute(select(TaskReceivable.left_on, TaskReceivable.left_reason)
                         .where(TaskReceivable.receivable_id == rid)).one()
        assert tuple(link) == (DAY, "written_off")
        assert s.execute(select(Task.status)).scalar_one() == "open"
        actions = [a for a, *_ in _audit(s, rid)]
        on_customer = s.execute(select(Activity.action, Activity.subject, Activity.details)
                                .where(Activity.entity == "customer",
                                       Activity.action == "promise_cancelled")).one()
    assert actions[:2] == ["writeoff_proposed", "writeoff_approved"]
    assert {"write_off", "warning_closed"} <= set(actions)
    assert on_customer.subject == "C001" and on_customer.details["reason"] == "R-1 written off"


def test_a_plan_ends_only_when_nothing_it_covers_is_open(book: Engine) -> None:
    with Session(book) as s:
        rid = ids(s)
        customer = _receivable(s, "R-1").customer_id
        plans = {}
        for name, covered in (("R-3 only", ["R-3"]), ("R-2 and R-3", ["R-2", "R-3"])):
            plan = PaymentPlan(customer_id=customer, created_on=DAY, created_by="li.na")
            s.add(plan)
            s.flush()
            instalment = Promise(customer_id=customer, plan_id=plan.id, promised_date=DAY,
                                 amount=D("100.00"), status="open", created_on=DAY)
            s.add(instalment)
            s.flush()
            s.add_all([PromiseReceivable(promise_id=instalment.id, receivable_id=rid[n])
                       for n in covered])
            plans[name] = plan.id
        s.commit()
        approve_writeoff(s, propose_writeoff(s, "R-3", "lost", DAY, "web:li.na"), DAY,
                         "cli:boss")
        s.commit()
        status = {name: s.get(PaymentPlan, pid).status  # type: ignore[union-attr]
                  for name, pid in plans.items()}
    assert status == {"R-3 only": "cancelled", "R-2 and R-3": "open"}


def test_the_last_receivable_written_off_closes_its_task(book: Engine) -> None:
    with Session(book) as s:
        for number in ("R-1", "R-2"):
            approve_writeoff(s, propose_writeoff(s, number, "insolvent", DAY, "web:li.na"),
                             DAY, "web:credit.manager", role="credit_manager")
        s.commit()
        task = s.execute(select(Task)).scalar_one()
        assert (task.status, task.closed_on) == ("done", DAY)
        closed = s.execute(select(Activity.details).where(Activity.action == "task_closed")
                           ).scalar_one()
    assert closed["reason"] == "written_off" and closed["receivables"] == ["R-2"]


def test_refusals_write_nothing(book: Engine) -> None:
    with Session(book) as s:
        with pytest.raises(Invalid) as no_reason:
            propose_writeoff(s, "R-1", "  ", DAY, "web:li.na")
        assert no_reason.value.field == "reason"
        with pytest.raises(Invalid) as too_much:
            propose_writeoff(s, "R-2", "lost", DAY, "web:li.na", amount=D("8000.01"))
        assert too_much.value.field == "amount"
        assert "at most the balance of R-2, 8,000.00 CNY" in too_much.value.message
        with pytest.raises(Invalid):
            propose_writeoff(s, "R-2", "lost", DAY, "web:li.na", amount=D("0"))
        with pytest.raises(NotFound):
            propose_writeoff(s, "R-404", "lost", DAY, "web:li.na")
        wid = propose_writeoff(s, "R-2", "lost", DAY, "web:li.na", amount=D("100.00"))
        with pytest.raises(Refused) as second:
            propose_writeoff(s, "R-2", "lost again", DAY, "web:li.na")
        assert second.value.code == "writeoff_pending" and second.value.status == 409
        with pytest.raises(Forbidden):
            approve_writeoff(s, wid, DAY, "web:li.na", role="collector")
        with pytest.raises(Forbidden):
            reject_writeoff(s, wid, "no", DAY, "api:erp", role="system")
        with pytest.raises(Invalid) as no_note:
            reject_writeoff(s, wid, " ", DAY, "web:credit.manager", role="credit_manager")
        assert no_note.value.field == "note"
        assert open_writeoff(s, "R-2") == wid
        s.commit()
        approve_writeoff(s, wid, DAY, "web:credit.manager", role="credit_manager")
        s.commit()
        with pytest.raises(Refused) as twice:
            approve_writeoff(s, wid, DAY, "web:admin", role="admin")
        assert twice.value.code == "writeoff_decided"
        with pytest.raises(Refused):
            reject_writeoff(s, wid, "too late", DAY, "web:admin", role="admin")
        with pytest.raises(NotFound):
            approve_writeoff(s, 999, DAY, "web:admin", role="admin")
        with pytest.raises(NotFound):
            open_writeoff(s, "R-2")
        s.rollback()
        r2 = _receivable(s, "R-2")
        statuses = list(s.execute(select(WriteOff.status)).scalars())
    assert (r2.balance, r2.stage) == (D("7900.00"), "overdue")
    assert statuses == ["approved"]


def test_a_payment_since_the_proposal_refuses_the_approval(book: Engine) -> None:
    with Session(book) as s:
        wid = propose_writeoff(s, "R-3", "lost", DAY, "web:li.na")
        s.commit()
        r3 = _receivable(s, "R-3")
        r3.balance = D("1000.00")  # 2,000.00 paid meanwhile
        s.add(r3)
        s.commit()
        with pytest.raises(Refused) as changed:
            approve_writeoff(s, wid, DAY, "web:credit.manager", role="credit_manager")
        s.rollback()
        assert changed.value.code == "balance_changed"
        assert "owes 1,000.00 CNY now, less than the 3,000.00 proposed" in changed.value.message
        reject_writeoff(s, wid, "the customer is paying", DAY, "web:credit.manager",
                        role="credit_manager")
        s.commit()
        row = s.get(WriteOff, wid)
        assert row is not None and (row.status, row.decision_note) == (
            "rejected", "the customer is paying")
        assert _receivable(s, "R-3").balance == D("1000.00")
        rejected = s.execute(select(Activity.details).where(
            Activity.action == "writeoff_rejected")).scalar_one()
    assert rejected["note"] == "the customer is paying" and rejected["amount"] == "3000.00"


def test_a_closed_receivable_cannot_be_written_off(book: Engine) -> None:
    with Session(book) as s:
        approve_writeoff(s, propose_writeoff(s, "R-3", "lost", DAY, "cli:boss"), DAY, "cli:boss")
        s.commit()
        with pytest.raises(IllegalMove, match="R-3 is written_off: nothing to write off"):
            propose_writeoff(s, "R-3", "again", DAY, "cli:boss")


def test_an_erp_import_does_not_put_a_write_off_back(book: Engine, tmp_path: Path) -> None:
    from tests.factories import load, write

    with Session(book) as s:
        approve_writeoff(s, propose_writeoff(s, "R-1", "bank charges", DAY, "cli:boss",
                                             amount=D("150.00")), DAY, "cli:boss")
        approve_writeoff(s, propose_writeoff(s, "R-3", "lost", DAY, "cli:boss"), DAY,
                         "cli:boss")
        s.commit()
    # the ERP still says what it said before the write-offs
    erp = ("number,customer_code,issue_date,due_date,amount,currency,balance\n"
           "R-1,C001,2026-07-01,2026-09-01,50000.00,CNY,50000.00\n"
           "R-3,C001,2026-10-01,2026-11-30,3000.00,CNY,3000.00\n")
    load(book, "receivables", write(tmp_path / "erp.csv", erp))
    with Session(book) as s:
        r1, r3 = _receivable(s, "R-1"), _receivable(s, "R-3")
    assert (r1.balance, r3.balance, r3.stage) == (D("49850.00"), D("0.00"), "written_off")
