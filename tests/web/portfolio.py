"""A small collector's portfolio shared by the worklist, action and task API tests (and the
browser tests): two customers, five invoices, one cycle run on DAY so tasks exist."""

from __future__ import annotations

import re
import warnings
from datetime import date
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from arflow.auth.passwords import hash_password
from arflow.settings import Settings
from arflow.web import create_app, deps
from engine import load_policy
from ledger.people_store import add_user
from notifiers.templates import Templates
from tests.factories import load, seed_customers, write
from tests.people import PASSWORD
from workflows.calendar import BusinessCalendar
from workflows.cycle import run_cycle
from workflows.reminders import MailSetup

with warnings.catch_warnings():  # starlette 1.x: "install httpx2"; httpx is what we use
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
DAY = date(2026, 11, 23)  # a Monday: reminders go out on business days only
# R-1 and R-2 (li.na's C001) and R-4 (wang.wei's C002) are escalated on DAY, so each
# opens a call task; R-1 has the most at risk (50,000 x 83 days), so it tops li.na's list.
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "R-1,C001,2026-07-01,2026-09-01,50000.00,CNY\n"
    "R-2,C001,2026-08-10,2026-10-10,8000.00,CNY\n"
    "R-3,C001,2026-10-01,2026-11-30,3000.00,CNY\n"
    "R-4,C002,2026-08-01,2026-09-15,20000.00,USD\n"
    "R-5,C002,2026-10-01,2026-12-20,500.00,USD\n"
)
MAIL = MailSetup(
    templates=Templates(ROOT / "config" / "templates"),
    calendar=BusinessCalendar("CN"),
    sender={"company": "示例贸易有限公司", "email": "ar@example.com", "phone": "021-5555",
            "bank_name": "工商银行", "bank_account": "1001", "account_name": "示例贸易"},
    people={"li.na": "li.na@example.com", "wang.wei": "wang.wei@example.com"},
    domain="example.com",
)


def build(engine: Engine, tmp_path: Path, *, mail: bool = False) -> None:
    """Customers, invoices and DAY's cycle (with reminders planned if ``mail``)."""
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "receivables.csv", RECEIVABLES))
    run_cycle(engine, POLICY, DAY, mail=MAIL if mail else None)


def app_on_day(db_url: str, engine: Engine, home: Path, day: date = DAY) -> FastAPI:
    """The app over ``engine`` whose business date is ``day`` (not the wall clock)."""
    app = create_app(Settings(home=home, database_url=db_url, policy_dir=ROOT / "rules",
                              timezone="Asia/Shanghai"), engine)

    async def fixed() -> date:
        return day

    app.dependency_overrides[deps.today] = fixed
    return app


def sign_in(client: TestClient, name: str) -> str:
    """Sign ``client`` in through the form; returns the session's CSRF token."""
    form = client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert login_csrf is not None
    done = client.post("/login", data={"name": name, "password": PASSWORD,
                                       "csrf_token": login_csrf.group(1)},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/worklist").text)
    assert found is not None
    return found.group(1)


@cache
def _hashed() -> str:
    return hash_password(PASSWORD)


def people(engine: Engine, *users: tuple[str, str], language: str = "en") -> None:
    """Users (name, role) with PASSWORD, hashed once per test run (hashing is slow on
    purpose); ``tests.people.make_user`` hashes for each."""
    with Session(engine) as session:
        for name, role in users:
            add_user(session, name, role, _hashed(), language)
        session.commit()
