"""A small ledger for the bank statement tests (tests/fixtures/bank/ holds the statements):

C001 上海华东机电有限公司 owes INV-2026-0050 20,000.00 and INV-2026-0051 8,000.00 CNY;
C002 Acme Trading Ltd owes INV-2026-0060 1,500.00 and INV-2026-0061 2,500.00 EUR and
INV-2026-0070 3,000.00 USD; C003 Huaxing Trading Co., Ltd. owes INV-2026-0042 10,000.00
(overdue, an open red warning and an unsent reminder), INV-2026-0043 5,000.00 and
INV-2026-0044 3,000.00 CNY; C004 杭州星辰科技有限公司 owes INV-2026-0080 1,000.00 and
INV-2026-0081 1,500.00 CNY. Nothing is paid yet; the cycle has not run.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from ledger.models import (
    Activity,
    Allocation,
    BankLine,
    BankMatch,
    Outbox,
    PayerAlias,
    Payment,
    Receivable,
    Reminder,
    RiskWarning,
)
from tests.factories import load, write

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bank"
CAMT = FIXTURES / "camt053.xml"
MT940 = FIXTURES / "mt940.sta"
CSV = FIXTURES / "icbc.csv"
MAPPING = FIXTURES / "icbc.yaml"
DAY = date(2026, 11, 30)
D = Decimal

CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,60,li.na\n"
    "C002,Acme Trading Ltd,billing@acme.example.com,en,export,US,200000,30,wang.wei\n"
    "C003,\"Huaxing Trading Co., Ltd.\",ap@huaxing.example.cn,zh-CN,trading,CN,300000,30,"
    "li.na\n"
    "C004,杭州星辰科技有限公司,cw@xingchen.example.cn,zh-CN,tech,CN,100000,30,li.na\n"
)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-2026-0050,C001,2026-10-01,2026-11-30,20000.00,CNY\n"
    "INV-2026-0051,C001,2026-10-05,2026-12-05,8000.00,CNY\n"
    "INV-2026-0060,C002,2026-10-01,2026-11-30,1500.00,EUR\n"
    "INV-2026-0061,C002,2026-10-10,2026-12-10,2500.00,EUR\n"
    "INV-2026-0070,C002,2026-10-12,2026-12-12,3000.00,USD\n"
    "INV-2026-0042,C003,2026-09-01,2026-10-01,10000.00,CNY\n"
    "INV-2026-0043,C003,2026-09-15,2026-10-15,5000.00,CNY\n"
    "INV-2026-0044,C003,2026-10-20,2026-12-20,3000.00,CNY\n"
    "INV-2026-0080,C004,2026-10-01,2026-11-30,1000.00,CNY\n"
    "INV-2026-0081,C004,2026-10-15,2026-12-15,1500.00,CNY\n"
)
#: the tables a bank import or a cash application writes, counted to show "nothing changed"
COUNTED = (BankLine, BankMatch, Payment, Allocation, PayerAlias)


def build(engine: Engine, tmp_path: Path) -> None:
    load(engine, "customers", write(tmp_path / "customers.csv", CUSTOMERS))
    load(engine, "receivables", write(tmp_path / "receivables.csv", RECEIVABLES))
    with Session(engine) as s:
        r42 = s.execute(select(Receivable).where(Receivable.number == "INV-2026-0042")
                        ).scalar_one()
        s.execute(update(Receivable).where(Receivable.number == "INV-2026-0042")
                  .values(stage="overdue"))
        s.add(RiskWarning(rule_id="big-overdue", level="red", scope="receivable",
                          subject="INV-2026-0042", customer_id=r42.customer_id,
                          receivable_id=r42.id, opened_on=DAY - timedelta(days=3)))
        mail = Outbox(key="reminder-C003-1", customer_id=r42.customer_id, for_date=DAY,
                      template="reminder", language="zh-CN", to_addr="ap@huaxing.example.cn",
                      status="pending", step="overdue", subject="INV-2026-0042")
        s.add(mail)
        s.flush()
        s.add(Reminder(receivable_id=r42.id, step="overdue", for_date=DAY, outbox_id=mail.id))
        s.commit()


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one()
                for m in COUNTED}


def receivables(engine: Engine) -> dict[str, tuple[Decimal, str]]:
    """number -> (balance, stage)."""
    with Session(engine) as s:
        return {n: (b, st) for n, b, st in s.execute(
            select(Receivable.number, Receivable.balance, Receivable.stage))}


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as s:
        return list(s.execute(select(Activity.action).order_by(Activity.id)).scalars())
