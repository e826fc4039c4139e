"""The credit manager's pages on both databases, signed in through the real form: the
warnings board, held orders released or rejected, credit files and limit overrides."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow.settings import Settings
from arflow.web import create_app
from engine import load_policy
from ledger.db import session_scope
from ledger.models import Activity, CreditChange, Customer, RiskWarning, SalesOrder
from tests.factories import seed_customers
from tests.people import make_user, web_sign_in
from tests.web.conftest import TestClient
from workflows import orders

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
MANAGER = "zhou.min"


@pytest.fixture
def app_settings(db_url: str, tmp_path: Path) -> Settings:
    """Its own copy of rules/: publishing in a test must never touch the repository's."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return Settings(home=tmp_path, database_url=db_url, policy_dir=tmp_path / "rules",
                    timezone="Asia/Shanghai")


@pytest.fixture
def web(app_settings: Settings, db: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """A browser-like client (no bearer token); the credit manager and a collector exist."""
    seed_customers(db, tmp_path)
    make_user(db, MANAGER, "credit_manager")
    make_user(db, "li.na", "collector")
    with TestClient(create_app(app_settings, db)) as client:
        yield client


def today(client: TestClient) -> date:
    return client.app.state.settings.today()  # type: ignore[no-any-return]


def post(client: TestClient, url: str, csrf: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _warn(engine: Engine, rule: str, level: str, subject: str, code: str, opened: date) -> None:
    with session_scope(engine) as s:
        cid = s.execute(select(Customer.id).where(Customer.code == code)).scalar_one()
        s.add(RiskWarning(rule_id=rule, level=level, scope="customer", subject=subject,
                          customer_id=cid, opened_on=opened))


def test_warnings_board_groups_by_level_most_severe_first(web, db) -> None:
    day = today(web)
    _warn(db, "slipping-customer", "orange", "C001", "C001", day - timedelta(days=3))
    _warn(db, "big-and-late", "red", "C002", "C002", day)
    _warn(db, "watch", "yellow", "C001", "C001", day)
    web_sign_in(web, MANAGER)
    board = web.get("/warnings")
    assert board.status_code == 200
    html = board.text
    assert html.index('id="level-red"') < html.index('id="level-orange"') < html.index(
        'id="level-yellow"')
    assert "big-and-late" in html and "slipping-customer" in html
    assert "Acme Trading Ltd" in html  # the customer's name beside its code
    only_red = web.get("/warnings", params={"level": "red"}).text
    assert "big-and-late" in only_red and "slipping-customer" not in only_red
    c001 = web.get("/warnings", params={"customer": "C001"}).text
    assert "slipping-customer" in c001 and "big-and-late" not in c001


def test_a_held_order_is_rejected_with_a_reason_and_another_released(web, db) -> None:
    with session_scope(db) as s:  # C002's limit is 200,000: both are held
        orders.add(s, POLICY, "C002", Decimal("250000.00"), "SO-1", today(web), "api:erp")
        orders.add(s, POLICY, "C002", Decimal("300000.00"), "SO-2", today(web), "api:erp")
    csrf = web_sign_in(web, MANAGER)
    held = web.get("/orders/held")
    assert held.status_code == 200 and "SO-1" in held.text and "over-limit" in held.text
    assert "250,000.00" in held.text
    assert post(web, "/orders/SO-1/reject", "", reason="no").status_code == 403  # no CSRF
    missing = post(web, "/orders/SO-1/reject", csrf, reason="  ")
    assert missing.status_code == 422 and "reason_required" in missing.text
    done = post(web, "/orders/SO-1/reject", csrf, reason="customer on stop")
    assert done.status_code == 303 and done.headers["location"].startswith("/orders/held")
    released = post(web, "/orders/SO-2/release", csrf, note="guarantee received")
    assert released.status_code == 303
    again = post(web, "/orders/SO-2/release", csrf)
    assert again.status_code == 409 and "not held" in again.text
    assert post(web, "/orders/SO-9/release", csrf).status_code == 404
    with Session(db) as s:
        status = dict(s.execute(select(SalesOrder.number, SalesOrder.status)).all())
        audit = s.execute(select(Activity.action, Activity.actor, Activity.subject)
                          .where(Activity.action.in_(("order_rejected", "order_released")))
                          .order_by(Activity.id)).all()
    assert status == {"SO-1": "rejected", "SO-2": "approved"}
    assert [tuple(a) for a in audit] == [("order_rejected", "web:zhou.min", "SO-1"),
                                         ("order_released", "web:zhou.min", "SO-2")]
    assert "SO-1" not in web.get("/orders/held").text


def test_credit_files_and_a_limit_override_set_and_cleared(web, db) -> None:
    csrf = web_sign_in(web, MANAGER)
    listing = web.get("/credit")
    assert listing.status_code == 200
    assert "/credit/C001" in listing.text and "500,000.00" in listing.text
    file = web.get("/credit/C001")
    assert file.status_code == 200
    assert "on_time_rate" in file.text and "years_as_customer" in file.text  # the scorecard
    assert web.get("/credit/NOPE").status_code == 404
    until = (today(web) + timedelta(days=30)).isoformat()
    no_reason = post(web, "/credit/C001/override", csrf, limit="650000", until=until)
    assert no_reason.status_code == 422
    bad = post(web, "/credit/C001/override", csrf, limit="12.345", reason="x", until=until)
    assert bad.status_code == 422 and "invalid_amount" in bad.text
    done = post(web, "/credit/C001/override", csrf, limit="650000.00",
                reason="bank guarantee", until=until)
    assert done.status_code == 303
    with Session(db) as s:
        customer = s.execute(select(Customer).where(Customer.code == "C001")).scalar_one()
        assert customer.limit_override == Decimal("650000.00")
        assert customer.override_reason == "bank guarantee"
    page = text_of(web.get("/credit/C001").text)
    assert "650,000.00" in page and "bank guarantee" in page and "web:zhou.min" in page
    assert post(web, "/credit/C001/override/clear", csrf).status_code == 303
    assert post(web, "/credit/C001/override/clear", csrf).status_code == 422  # none left
    with Session(db) as s:
        actors = set(s.execute(select(CreditChange.actor)).scalars())
        assert s.execute(select(Customer.limit_override)
                         .where(Customer.code == "C001")).scalar_one() is None
    assert actors == {"web:zhou.min"}


def test_a_collector_may_not_open_or_post_to_credit_pages(web) -> None:
    csrf = web_sign_in(web, "li.na")
    for url in ("/warnings", "/orders/held", "/credit", "/credit/C001"):
        assert web.get(url).status_code == 403, url
    assert post(web, "/orders/SO-1/release", csrf).status_code == 403
    assert post(web, "/credit/C001/override", csrf, limit="1", reason="x",
                until="2099-01-01").status_code == 403
