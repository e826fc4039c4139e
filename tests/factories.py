"""Small helpers to write CSV files and import them, shared by the tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from ledger.db import session_scope
from ledger.importers import ImportResult, import_file
from ledger.importers.source import Mapping
from notifiers.templates import Templates
from workflows.calendar import BusinessCalendar
from workflows.reminders import MailSetup

ROOT = Path(__file__).resolve().parent.parent

CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,60,li.na\n"
    "C002,Acme Trading Ltd,billing@acme.example.com,en,export,US,200000,30,wang.wei\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def load(engine: Engine, kind: str, path: Path, mapping: Mapping | None = None) -> ImportResult:
    with session_scope(engine) as session:
        return import_file(session, kind, path, mapping)


def seed_customers(engine: Engine, tmp_path: Path) -> None:
    load(engine, "customers", write(tmp_path / "customers.csv", CUSTOMERS))


def mail_setup() -> MailSetup:
    """The sender, collectors and templates the reminder tests write with."""
    return MailSetup(
        templates=Templates(ROOT / "config" / "templates"),
        calendar=BusinessCalendar("CN"),
        sender={
            "company": "示例贸易有限公司",
            "email": "ar@example.com",
            "phone": "021-5555",
            "bank_name": "工商银行",
            "bank_account": "1001",
            "account_name": "示例贸易",
        },
        people={"li.na": "li.na@example.com", "wang.wei": "wang.wei@example.com"},
        domain="example.com",
    )
