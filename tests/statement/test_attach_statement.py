"""A reminder step with ``attach: statement``: the policy accepts only that (file:line for
anything else), the outbox row records it, and the dispatcher builds the statement at send
time as of the message's day and attaches it as application/pdf. Both databases."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow.settings import load_settings
from arflow.statements import maker
from engine import PolicyError, load_policy
from ledger.models import Outbox
from notifiers.dispatcher import Backoff, Dispatcher
from notifiers.settings import SmtpSettings
from notifiers.smtp import SmtpNotifier
from tests.factories import load, mail_setup, write
from tests.statement.conftest import ROOT
from tests.statement.pdf_text import text
from workflows.cycle import run_cycle

DAY = date(2026, 9, 10)
CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,45,li.na\n"
)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "R-1,C001,2026-08-01,2026-09-15,5000.00,CNY\n"
    "R-2,C001,2026-08-10,2026-09-15,1200.00,CNY\n"
)


def _policy(tmp_path: Path, attach: str) -> Path:
    folder = tmp_path / "policy"
    folder.mkdir()
    source = (ROOT / "rules" / "collection.yaml").read_text(encoding="utf-8")
    assert "    template: pre_due\n" in source
    (folder / "collection.yaml").write_text(
        source.replace("    template: pre_due\n", f"    template: pre_due\n    attach: {attach}\n"),
        encoding="utf-8")
    return folder


def test_the_policy_accepts_only_attach_statement(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as refused:
        load_policy(_policy(tmp_path, "invoice"))
    line = str(refused.value).splitlines()[0]
    assert "collection.yaml:" in line and "attach" in line and "'statement'" in line


def _dispatch(db: Engine, port: int, statements: object) -> None:
    notifier = SmtpNotifier(SmtpSettings(host="127.0.0.1", port=port, timeout=5,
                                         sender="ar@example.com", concurrency=2))
    moment = datetime.combine(DAY, time(9), ZoneInfo("Asia/Shanghai"))
    dispatcher = Dispatcher(engine=db, notifier=notifier, sender="ar@example.com",
                            clock=lambda: moment, today=lambda m: m.date(),
                            backoff=Backoff(base=timedelta(minutes=5), jitter=0.0),
                            statements=statements)

    async def run() -> None:
        async with dispatcher.notifier:
            await dispatcher.run_once()

    asyncio.run(run())


def test_the_reminder_arrives_with_the_statement_pdf(db: Engine, tmp_path: Path, smtp) -> None:
    load(db, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    policy = load_policy(_policy(tmp_path, "statement"))
    assert [s.attach for s in policy.reminders] == ["statement", None, None]
    run_cycle(db, policy, DAY, mail=mail_setup())
    with Session(db) as s:
        row = s.execute(select(Outbox)).scalar_one()
    assert (row.step, row.attach) == ("courtesy", ["statement"])
    _dispatch(db, smtp.port, maker(load_settings(ROOT), db, policy))
    (received,) = smtp.received
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    (pdf,) = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "对账单-C001-2026-09-10.pdf"
    found = text(pdf.get_content())
    assert "R-1" in found and "R-2" in found and "6,200.00" in found
    assert "上海华东机电有限公司" in found and "2026年9月10日" in found
    assert "R-1" in received.text()  # the mail itself is still there, text and html
    with Session(db) as s:
        assert s.execute(select(Outbox.status)).scalar_one() == "sent"


def test_without_a_statement_maker_the_message_waits(db: Engine, tmp_path: Path, smtp) -> None:
    load(db, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    run_cycle(db, load_policy(_policy(tmp_path, "statement")), DAY, mail=mail_setup())
    _dispatch(db, smtp.port, None)
    assert smtp.received == []  # never without what it says it encloses
    with Session(db) as s:
        row = s.execute(select(Outbox)).scalar_one()
    assert row.status == "pending" and "statement could not be built" in row.last_error
