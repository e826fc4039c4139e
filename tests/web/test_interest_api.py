"""Late-payment interest in the API: the receivable read gains ``interest`` {days, amount,
waived}, the customer read its totals per currency (only when the policy has interest:),
and a credit manager waives or clears a customer's interest (audited)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow.settings import Settings
from arflow.web import create_app, deps
from engine import load_policy
from ledger.models import Activity
from tests.ledger.interest_book import AS_OF, build
from tests.people import bearer
from tests.web.conftest import TestClient

ROOT = Path(__file__).resolve().parents[2]


def _client(settings: Settings, db: Engine, policy_dir: Path, role: str = "credit_manager"
            ) -> TestClient:
    app = create_app(settings, db, load_policy(policy_dir))
    app.dependency_overrides[deps.today] = lambda: AS_OF
    return TestClient(app, headers=bearer(db, "t-" + role, role))


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Path:
    build(db, tmp_path)
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (folder / "interest.yaml").write_text(
        "interest: {rate_per_day: 0.0005, grace_days: 5}\n", encoding="utf-8")
    return folder


@pytest.fixture
def api(settings: Settings, db: Engine, book: Path) -> Iterator[TestClient]:
    with _client(settings, db, book) as client:
        yield client


def test_receivable_and_customer_reads_show_interest(api: TestClient) -> None:
    i1 = api.get("/api/v1/receivables/I-1")
    assert i1.status_code == 200
    # 8 x 100,000 + 10 x 70,000 + 12 x 50,000 = 2,100,000 x 0.0005 = 1,050.00 (30 days)
    assert i1.json()["interest"] == {"days": 30, "amount": 1050.0, "waived": False}
    assert api.get("/api/v1/receivables/I-2").json()["interest"] == {
        "days": 0, "amount": 0.0, "waived": False}  # paid within grace
    c001 = api.get("/api/v1/customers/C001").json()
    assert c001["interest"] == {"waived": False, "totals": {"CNY": 1266.0}}


def test_no_interest_key_no_interest_field(settings: Settings, db: Engine, book: Path) -> None:
    with _client(settings, db, ROOT / "rules") as client:
        assert "interest" not in client.get("/api/v1/receivables/I-1").json()
        assert "interest" not in client.get("/api/v1/customers/C001").json()


def test_waiver_set_and_cleared_by_a_credit_manager(api: TestClient, db: Engine) -> None:
    waived = api.post("/api/v1/customers/C001/interest-waiver", json={"reason": "key account"})
    assert waived.status_code == 200, waived.text
    assert waived.json() == {"customer_code": "C001", "interest_waived": True,
                             "reason": "key account"}
    assert api.get("/api/v1/receivables/I-1").json()["interest"] == {
        "days": 30, "amount": 0.0, "waived": True}
    assert api.get("/api/v1/customers/C001").json()["interest"] == {
        "waived": True, "totals": {"CNY": 0.0}}
    again = api.post("/api/v1/customers/C001/interest-waiver", json={"reason": "x"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_waived")
    cleared = api.delete("/api/v1/customers/C001/interest-waiver")
    assert cleared.status_code == 200 and cleared.json()["interest_waived"] is False
    assert api.get("/api/v1/receivables/I-1").json()["interest"]["amount"] == 1050.0
    with Session(db) as s:
        actions = [(a.action, a.actor) for a in s.execute(
            select(Activity).where(Activity.action.like("interest_%")).order_by(Activity.id)
        ).scalars()]
    assert actions == [("interest_waived", "api:t-credit_manager"),
                       ("interest_unwaived", "api:t-credit_manager")]


def test_waiver_refusals(api: TestClient, settings: Settings, db: Engine, book: Path) -> None:
    blank = api.post("/api/v1/customers/C001/interest-waiver", json={"reason": ""})
    assert blank.status_code == 422
    missing = api.post("/api/v1/customers/C999/interest-waiver", json={"reason": "x"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    not_waived = api.delete("/api/v1/customers/C001/interest-waiver")
    assert (not_waived.status_code, not_waived.json()["error"]["code"]) == (409, "not_waived")
    with _client(settings, db, book, role="system") as erp:
        assert erp.post("/api/v1/customers/C001/interest-waiver",
                        json={"reason": "x"}).status_code == 403


def test_pages_show_interest(settings: Settings, db: Engine, book: Path) -> None:
    from tests.people import make_user, web_sign_in

    make_user(db, "chen.jing", "credit_manager", language="en")
    app = create_app(settings, db, load_policy(book))
    app.dependency_overrides[deps.today] = lambda: AS_OF
    with TestClient(app) as pages:
        web_sign_in(pages, "chen.jing")
        receivable = pages.get("/receivables/I-1").text
        assert "Late-payment interest · 30 days" in receivable and "1,050.00" in receivable
        customer = pages.get("/customers/C001").text
        assert "Late-payment interest" in customer and "1,266.00" in customer
