"""Truthful notices and the go-live catch-up (issue 13, items 1 and 2).

A notice demands only the receivables at its own template's step; the others are shown
apart (``other_items``); it says "we wrote to you on D" only when the outbox sent
something on D; and no customer's first message is a final notice: it starts at the
first step and catches up one step at a time, ``min_gap_days`` business days apart.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from engine import PolicyError, load_policy, load_policy_texts
from ledger.db import session_scope
from ledger.models import Customer, Outbox, Receivable, Reminder
from tests.factories import load, mail_setup, write
from workflows import outbox
from workflows.calendar import BusinessCalendar
from workflows.cycle import run_cycle

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
MAIL = mail_setup()
DAY = date(2026, 11, 23)  # a Monday
CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,45,li.na\n"
    "C002,Acme Trading Ltd,billing@acme.example.com,en,export,US,200000,45,wang.wei\n"
)
HEADER = "number,customer_code,issue_date,due_date,amount,currency\n"
TEMPLATE_OF = {step.id: step.template for step in POLICY.reminders}


def _receivables(engine: Engine, tmp_path: Path, rows: list[tuple[str, str, date]]) -> None:
    load(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    text = HEADER + "".join(
        f"{number},{code},{due - timedelta(days=30)},{due},1000.00,CNY\n"
        for number, code, due in rows
    )
    load(engine, "receivables", write(tmp_path / "r.csv", text))


def _written_before(engine: Engine, code: str, step: str, on: date) -> None:
    """The customer had a message at ``step`` (sent, about no receivable of today's)."""
    with Session(engine) as s:
        customer = s.execute(select(Customer).where(Customer.code == code)).scalar_one()
        s.add(Outbox(key=f"{code}|{step}|{on}", customer_id=customer.id, for_date=on,
                     template=TEMPLATE_OF[step], language="zh-CN", status="sent", step=step,
                     items=[]))
        s.commit()


def _sent_all(engine: Engine) -> None:
    """What the dispatcher does to every pending message (tests/workflows/test_reminders
    runs the real one against an SMTP server)."""
    with session_scope(engine) as s:
        s.execute(update(Outbox).where(Outbox.status == "pending").values(status="sent"))


def _messages(engine: Engine, code: str | None = None) -> list[Outbox]:
    with Session(engine) as s:
        stmt = select(Outbox).join(Customer, Customer.id == Outbox.customer_id)
        if code:
            stmt = stmt.where(Customer.code == code)
        return list(s.execute(stmt.order_by(Outbox.for_date, Outbox.id)).scalars())


def test_a_final_notice_demands_only_the_receivables_at_the_final_step(db, tmp_path):
    _receivables(db, tmp_path, [
        ("N-0", "C001", DAY),  # due today: its courtesy step is due
        ("N-6", "C001", DAY - timedelta(days=6)),  # first notice due
        ("N-16", "C001", DAY - timedelta(days=16)),  # first notice due
        ("N-25", "C001", DAY - timedelta(days=25)),  # final notice due
        ("N-F", "C001", DAY + timedelta(days=30)),  # not yet due: no step
    ])
    _written_before(db, "C001", "first-notice", DAY - timedelta(days=40))
    run_cycle(db, POLICY, DAY, mail=MAIL)
    (message,) = [m for m in _messages(db) if m.for_date == DAY]
    assert message.template == "overdue_final" and message.step == "final-notice"
    assert [(i["invoice"], i["step"]) for i in message.items] == [("N-25", "final-notice")]
    assert [i["invoice"] for i in message.other_items] == ["N-0", "N-16", "N-6", "N-F"]
    assert all("step" not in i for i in message.other_items)
    with Session(db) as s:
        rows = s.execute(
            select(Receivable.number, Reminder.step, Reminder.superseded)
            .join(Receivable, Receivable.id == Reminder.receivable_id)
            .order_by(Receivable.number, Reminder.step)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("N-0", "courtesy", True),  # another template that day: superseded
        ("N-16", "courtesy", True),
        ("N-16", "first-notice", True),
        ("N-25", "courtesy", True),
        ("N-25", "final-notice", False),
        ("N-25", "first-notice", True),
        ("N-6", "courtesy", True),
        ("N-6", "first-notice", True),
    ]
    demand, _, others = message.body_text.partition("其他未结款项")
    assert "N-25" in demand and not any(n in demand for n in ("N-0", "N-6", "N-16", "N-F"))
    assert all(n in others for n in ("N-0", "N-6", "N-16", "N-F"))
    # the earlier message was about none of these receivables: no "we wrote to you"
    assert "我司已于" not in message.body_text and "此前" not in message.body_text
    assert "其他未结款项" in message.body_html


def test_a_not_yet_due_receivable_is_never_in_an_overdue_demand(db, tmp_path):
    _receivables(db, tmp_path, [
        ("D-3", "C001", DAY + timedelta(days=3)),  # courtesy due, not yet due
        ("D-9", "C001", DAY - timedelta(days=9)),
    ])
    _written_before(db, "C001", "courtesy", DAY - timedelta(days=20))
    run_cycle(db, POLICY, DAY, mail=MAIL)
    (message,) = [m for m in _messages(db) if m.for_date == DAY]
    assert message.template == "overdue_first"
    assert [i["invoice"] for i in message.items] == ["D-9"]
    assert [i["invoice"] for i in message.other_items] == ["D-3"]
    assert all(i["days_overdue"] > 0 for i in message.items)


def test_previous_lists_only_what_the_outbox_sent(db, tmp_path):
    _receivables(db, tmp_path, [
        ("P-1", "C001", DAY - timedelta(days=40)),
        ("P-2", "C002", DAY - timedelta(days=40)),
    ])
    run_cycle(db, POLICY, DAY, mail=MAIL)
    first = {m.customer_id: m for m in _messages(db)}
    for message in first.values():  # a first letter: the first step, no "written before"
        assert message.template == "pre_due"
        for body in (message.body_text, message.body_html):
            assert "我司已于" not in body and "We wrote to you" not in body
            assert "严重逾期" not in body and "written to you before" not in body
    with session_scope(db) as s:  # C001's is sent; C002's never goes (cancelled)
        s.execute(update(Outbox).where(Outbox.customer_id == 1).values(status="sent"))
        outbox.cancel(s, first[2].id, actor="li.na", on=DAY)
    later = DAY + timedelta(days=7)  # 5 business days after
    run_cycle(db, POLICY, later, mail=MAIL)
    (zh,) = [m for m in _messages(db, "C001") if m.for_date == later]
    assert zh.template == "overdue_first"
    assert "我司已于2026年11月23日就上述款项向贵司发送付款提醒" in zh.body_text
    assert "我司已于2026年11月23日" in zh.body_html
    (en,) = [m for m in _messages(db, "C002") if m.for_date == later]
    # its courtesy step was cancelled (done, never sent): the outbox sent nothing, so the
    # notice says nothing of an earlier reminder
    assert en.template == "overdue_first"
    assert "We wrote to you" not in en.body_text
    _sent_all(db)
    run_cycle(db, POLICY, later + timedelta(days=7), mail=MAIL)
    (final,) = [m for m in _messages(db, "C001") if m.template == "overdue_final"]
    assert "我司已于2026年11月23日、2026年11月30日" in final.body_text
    (en2,) = [m for m in _messages(db, "C002") if m.for_date == later + timedelta(days=7)]
    flowing = " ".join(en2.body_text.split())
    assert "We wrote to you about these invoices on 30 Nov 2026" in flowing


def _go_live_policy(tmp_path: Path, start: date, gap: int) -> object:
    folder = tmp_path / "policy"
    folder.mkdir()
    text = (ROOT / "rules" / "collection.yaml").read_text()
    (folder / "collection.yaml").write_text(
        text + f"\ngo_live:\n  date: {start}\n  min_gap_days: {gap}\n")
    return load_policy(folder)


def test_go_live_starts_every_customer_at_the_first_step_and_catches_up(db, tmp_path):
    start, gap = DAY, 3
    policy = _go_live_policy(tmp_path, start, gap)
    _receivables(db, tmp_path, [
        ("G-1", "C001", start - timedelta(days=120)),
        ("G-2", "C001", start - timedelta(days=45)),
        ("G-3", "C001", start + timedelta(days=20)),
        ("G-4", "C002", start - timedelta(days=60)),
    ])
    day = start - timedelta(days=7)
    end = start + timedelta(days=28)
    while day <= end:
        run_cycle(db, policy, day, mail=MAIL)
        _sent_all(db)
        day += timedelta(days=1)
    calendar = BusinessCalendar("CN")
    order = [step.id for step in policy.reminders]
    for code in ("C001", "C002"):
        sent = _messages(db, code)
        assert sent[0].for_date == start  # nothing before go-live
        assert sent[0].template == "pre_due"  # never a final notice first
        steps = [m.step for m in sent]
        assert steps[:3] == ["courtesy", "first-notice", "final-notice"]  # one at a time
        for before, after in zip(sent[:2], sent[1:3], strict=True):
            assert calendar.business_days_between(before.for_date, after.for_date) >= gap
        assert order.index(steps[2]) == len(order) - 1  # caught up
    # G-3 (due in 20 days) is demanded by an overdue notice only once it is overdue
    for message in _messages(db, "C001"):
        if message.template != "pre_due":
            assert all(i["days_overdue"] > 0 for i in message.items)


def test_dry_run_names_the_step_and_the_wait(db, tmp_path):
    policy = _go_live_policy(tmp_path, DAY, 5)
    _receivables(db, tmp_path, [("H-1", "C001", DAY - timedelta(days=60))])
    run_cycle(db, policy, DAY - timedelta(days=1), mail=MAIL)  # before go-live: nothing
    assert _messages(db) == []
    run_cycle(db, policy, DAY, mail=MAIL)
    summary = run_cycle(db, policy, DAY + timedelta(days=1), mail=MAIL, dry_run=True)
    (held,) = [c for c in summary.changes if c["change"] == "reminder held"]
    assert held["subject"] == "C001" and held["step"] == "first-notice"
    assert "1 of 5 business days" in held["waits"]
    summary = run_cycle(db, policy, DAY + timedelta(days=7), mail=MAIL, dry_run=True)
    (line,) = [c for c in summary.changes if c["change"] == "reminder"]
    assert (line["step"], line["to"], line["items"]) == ("first-notice", "overdue_first", 1)


@pytest.mark.parametrize(("value", "expected"), [
    ("{date: soon}", "collection.yaml:1: go_live.date must be a date like 2026-12-01"),
    ("{date: 2026-12-01, min_gap_days: 0}", "collection.yaml:1: go_live.min_gap_days must"),
    ("{min_gap_days: 3}", "collection.yaml:1: go_live: 'date' is missing"),
    ("{date: 2026-12-01, gap: 3}", "collection.yaml:1: go_live: unknown key 'gap'"),
    ("[2026-12-01]", "collection.yaml:1: go_live must be a mapping"),
])
def test_go_live_is_checked_with_file_and_line(value: str, expected: str) -> None:
    with pytest.raises(PolicyError) as error:
        load_policy_texts({"collection.yaml": f"go_live: {value}\n"})
    assert expected in str(error.value)


def test_go_live_is_read_and_defaults_without_it() -> None:
    policy = load_policy_texts({"collection.yaml": "go_live: {date: 2026-12-01}\n"})
    assert (policy.go_live.date, policy.go_live.min_gap_days) == (date(2026, 12, 1), 5)
    assert POLICY.go_live.date is None and POLICY.go_live.min_gap_days == 5
