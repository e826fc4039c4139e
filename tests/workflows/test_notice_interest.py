"""Late-payment interest in notices (issue 13, item 4): with the policy's
``interest: {in_notices: true}`` each demanded item carries the interest ledger/interest
gives for it as of the message's day, and the email states it under the items table in
the customer's language; without ``in_notices`` (or without ``interest``) nothing shows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from engine import Policy, PolicyError, load_policy_texts
from ledger import interest
from ledger.db import session_scope
from ledger.models import Customer, Outbox, Receivable
from notifiers.templates import Templates, sample_context
from tests.factories import load, mail_setup, write
from workflows.cycle import run_cycle
from workflows.interest import waive_interest

ROOT = Path(__file__).resolve().parents[2]
RULES = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "rules").glob("*.yaml")}
MAIL = mail_setup()
DAY = date(2026, 11, 23)  # a Monday
CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,45,li.na\n"
    "C002,Acme Trading Ltd,billing@acme.example.com,en,export,US,200000,45,wang.wei\n"
)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    f"I-9,C001,{DAY - timedelta(days=39)},{DAY - timedelta(days=9)},100000.00,CNY\n"
    f"I-F,C001,{DAY},{DAY + timedelta(days=30)},5000.00,CNY\n"  # not due: no interest
    f"U-4,C002,{DAY - timedelta(days=34)},{DAY - timedelta(days=4)},20000.00,USD\n"
)


def _policy(interest_key: str | None) -> Policy:
    files = dict(RULES)
    if interest_key is not None:
        files["interest.yaml"] = f"interest: {interest_key}\n"
    return load_policy_texts(files)


def _cycle(engine: Engine, tmp_path: Path, policy: Policy) -> dict[str, Outbox]:
    load(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    load(engine, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    run_cycle(engine, policy, DAY, mail=MAIL)
    with Session(engine) as s:
        rows = s.execute(select(Customer.code, Outbox)
                         .join(Customer, Customer.id == Outbox.customer_id)).all()
    return {code: message for code, message in rows}


def _ledger_interest(engine: Engine, number: str, policy: Policy) -> Decimal:
    assert policy.interest is not None
    with Session(engine) as s:
        rid = s.execute(select(Receivable.id).where(Receivable.number == number)).scalar_one()
        row = interest.for_receivable(s, rid, DAY, policy.interest)
    assert row is not None
    return row.interest


def test_a_notice_states_the_interest_the_ledger_gives(db, tmp_path):
    policy = _policy("{rate_per_day: 0.0005, in_notices: true}")
    messages = _cycle(db, tmp_path, policy)
    owed = _ledger_interest(db, "I-9", policy)
    assert owed == Decimal("450.00")  # 100,000.00 × 9 days × 0.0005
    zh = messages["C001"]
    demanded = {i["invoice"]: i for i in zh.items}
    assert demanded["I-9"]["interest"] == str(owed)
    line = f"另计逾期利息 CNY {owed:,.2f}（按每日万分之五计至 2026年11月23日）"
    assert line in zh.body_text and line in zh.body_html
    # under the items table, before the payment details
    assert zh.body_text.index(line) < zh.body_text.index("付款信息")
    assert [(i["invoice"], "interest" in i) for i in zh.other_items] == [("I-F", False)]
    en = messages["C002"]
    usd = _ledger_interest(db, "U-4", policy)
    assert usd == Decimal("40.00") and en.items[0]["interest"] == "40.00"
    line = "Late-payment interest accrued: USD 40.00 (0.05% a day, to 23 Nov 2026)"
    assert line in en.body_text and line in en.body_html


def test_a_waived_customer_shows_no_interest(db, tmp_path):
    policy = _policy("{rate_per_day: 0.0005, in_notices: true}")
    load(db, "customers", write(tmp_path / "c0.csv", CUSTOMERS))
    with session_scope(db) as s:
        waive_interest(s, "C001", "long-standing customer", DAY, "cli:chen.jing")
    messages = _cycle(db, tmp_path, policy)
    zh = messages["C001"]
    assert [i["interest"] for i in zh.items if i["invoice"] == "I-9"] == ["0.00"]
    assert "逾期利息" not in zh.body_text and "逾期利息" not in zh.body_html
    assert "Late-payment interest" in messages["C002"].body_text


@pytest.mark.parametrize("interest_key", [None, "{rate_per_day: 0.0005}",
                                          "{rate_per_day: 0.0005, in_notices: false}"])
def test_without_in_notices_the_notice_has_no_interest(db, tmp_path, interest_key):
    messages = _cycle(db, tmp_path, _policy(interest_key))
    for message in messages.values():
        assert all("interest" not in i for i in message.items)
        for body in (message.body_text, message.body_html):
            assert "利息" not in body and "interest" not in body.lower()


def test_templates_without_interest_render_as_before() -> None:
    templates = Templates(ROOT / "config" / "templates")
    plain = {k: v for k, v in sample_context().items() if k != "interest"}
    for name in ("pre_due", "overdue_first", "overdue_final"):
        for language in ("zh-CN", "en"):
            before = templates.render(name, language, plain)
            assert templates.render(name, language, {**plain, "interest": None}) == before
            assert "利息" not in before.text + before.html
            assert "interest" not in (before.text + before.html).lower()
            shown = templates.render(name, language, sample_context())
            assert shown.text.count("CNY 1,050.00") == 1 and shown.html.count("1,050.00") == 1


def test_in_notices_must_be_true_or_false() -> None:
    with pytest.raises(PolicyError) as error:
        _policy("{rate_per_day: 0.0005, in_notices: 'yes'}")
    assert "interest.yaml:1" in str(error.value)
    assert "interest.in_notices must be true or false, got 'yes'" in str(error.value)
    assert _policy("{rate_per_day: 0.0005}").interest.in_notices is False  # type: ignore[union-attr]
