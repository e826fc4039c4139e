"""Customer promises and payment plans over the API and as the customer page's forms:
recorded with the caller as actor, refusals as 4xx JSON naming the field (or inline on
the same form, in the user's language, input kept), nothing written by a refusal.

Portfolio: tests/web/portfolio.py (li.na's C001 owes R-1 50,000, R-2 8,000, R-3 3,000).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Activity, PaymentPlan, Promise
from tests.people import make_token
from tests.web.forms_html import form_html as _form
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in

SOON = (DAY + timedelta(days=7)).isoformat()


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    build(db, tmp_path, mail=True)
    people(db, ("li.na", "collector"), ("wang.wei", "collector"))
    people(db, ("chen.jing", "credit_manager"), language="zh-CN")
    return app_on_day(db_url, db, tmp_path)


@pytest.fixture
def li(app, db: Engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_token(db, 'li.na', 'collector')}"}
    with TestClient(app, headers=headers) as client:
        yield client


def _count(db: Engine, model: type) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _values(form: str, name: str) -> list[str]:
    return [html.unescape(v) for v in
            re.findall(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', form)]


def _checked(form: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="invoices" value="([^"]+)" checked', form)


def test_the_api_records_a_promise_and_a_plan_and_lists_them(li: TestClient, db: Engine) -> None:
    made = li.post("/api/v1/customers/C001/promises", json={"date": SOON, "amount": "50000.01"})
    assert made.status_code == 200, made.text
    body = made.json()
    assert (body["customer_code"], body["receivables"], body["date"], body["amount"],
            body["status"]) == ("C001", ["R-1", "R-2"], SOON, 50000.01, "open")
    listed = li.post("/api/v1/customers/C001/promises",
                     json={"date": SOON, "amount": 3000, "invoices": ["R-3"]})
    assert listed.json()["receivables"] == ["R-3"]
    plan = li.post("/api/v1/customers/C001/plans", json={
        "instalments": [{"date": SOON, "amount": "20000"},
                        {"date": (DAY + timedelta(days=37)).isoformat(), "amount": 30000}],
        "invoices": ["R-1"], "note": "agreed with the CFO"})
    assert plan.status_code == 200, plan.text
    p = plan.json()
    assert (p["receivables"], p["amounts"], p["total"], p["status"], p["note"]) == (
        ["R-1"], [20000, 30000], 50000, "open", "agreed with the CFO")
    assert [i["status"] for i in p["instalments"]] == ["open", "open"]
    both = li.get("/api/v1/customers/C001/promises").json()
    # the plan on R-1 superseded the first promise (R-1, R-2); R-3's stays open
    assert [(x["receivables"], x["status"]) for x in both["promises"]] == [
        (["R-3"], "open"), (["R-1", "R-2"], "cancelled")]
    assert [x["id"] for x in both["plans"]] == [p["id"]]
    only_open = li.get("/api/v1/customers/C001/promises?status=open").json()
    assert len(only_open["promises"]) == 1 and len(only_open["plans"]) == 1
    with Session(db) as s:
        actors = set(s.execute(select(Activity.actor).where(
            Activity.action.in_(("promise_recorded", "plan_recorded")))).scalars())
    assert actors == {"api:li.na"}


def test_the_api_refuses_with_the_field_and_writes_nothing(li: TestClient, db: Engine) -> None:
    before = (_count(db, Promise), _count(db, PaymentPlan))
    cases = [
        ("promises", {"date": SOON, "amount": "61000.01"}, 422, "amount",
         "61,000.01 is more than the 61,000.00 owed on the invoices covered"),
        ("promises", {"date": SOON, "amount": 10, "invoices": ["R-4"]}, 422, "invoices",
         "R-4 is not an invoice of C001"),
        ("promises", {"date": (DAY - timedelta(days=1)).isoformat(), "amount": 10}, 422,
         "date", "2026-11-22 is in the past"),
        ("promises", {"date": SOON, "amount": "1.001"}, 422, "amount", None),
        ("plans", {"instalments": [{"date": SOON, "amount": 10},
                                   {"date": SOON, "amount": 10}]}, 422, "instalments",
         f"instalment 2: {SOON} is not after instalment 1's {SOON}"),
        ("plans", {"instalments": [{"date": SOON, "amount": 70000}]}, 422, "instalments",
         "70,000.00 is more than the 61,000.00 owed on the invoices covered"),
        ("plans", {"instalments": []}, 422, "instalments", None),
    ]
    for path, body, status, field, message in cases:
        answer = li.post(f"/api/v1/customers/C001/{path}", json=body)
        assert answer.status_code == status, (body, answer.text)
        error = answer.json()["error"]
        assert error["field"] == field, (body, error)
        if message:
            assert error["message"] == message
    # another collector's customer does not exist for li.na
    assert li.post("/api/v1/customers/C002/promises", json={"date": SOON}).status_code == 404
    assert li.get("/api/v1/customers/C002/promises").status_code == 404
    assert li.get("/api/v1/customers/C001/promises?status=lost").status_code == 422
    assert (_count(db, Promise), _count(db, PaymentPlan)) == before


def test_the_receivable_promise_endpoint_still_covers_its_invoice(li: TestClient,
                                                                   db: Engine) -> None:
    done = li.post("/api/v1/receivables/R-2/promises", json={"date": SOON, "amount": 4000})
    assert done.status_code == 200 and done.json()["number"] == "R-2"
    [promise] = li.get("/api/v1/customers/C001/promises").json()["promises"]
    assert (promise["receivables"], promise["amount"]) == (["R-2"], 4000)


def test_the_customer_page_records_a_promise_and_shows_it(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        page = browser.get("/customers/C001").text
        assert 'id="form-customer-promise"' in page and 'id="form-plan"' in page
        assert _values(_form(page, "form-customer-promise"), "invoices") == ["R-1", "R-2", "R-3"]
        done = browser.post("/customers/C001/promises", data={
            "csrf_token": csrf, "date": SOON, "amount": "8,000", "invoices": ["R-2"]},
            follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"].startswith(
            "/customers/C001?done=")
        shown = browser.get(done.headers["location"]).text
        panel = re.search(r'<section id="promises">.*?</section>', shown, re.S)
        assert panel is not None and "to pay CN¥8,000.00 by 30 Nov 2026" in panel.group(0)
        assert "R-2" in panel.group(0) and "open" in panel.group(0)
        # the receivable page's timeline shows the customer's promise covering it
        assert "to pay by 30 Nov 2026" in browser.get("/receivables/R-2").text
        assert "to pay by 30 Nov 2026" not in browser.get("/receivables/R-1").text
        # a plan with two rows filled, the other rows blank
        later = (DAY + timedelta(days=37)).isoformat()
        plan = browser.post("/customers/C001/plans", data={
            "csrf_token": csrf, "date": [SOON, later, "", ""],
            "amount": ["25,000", "25000", "", ""], "note": ""}, follow_redirects=False)
        assert plan.status_code == 303, plan.text
        shown = browser.get("/customers/C001").text
        plan_card = re.search(r'<div class="card plan plan-open".*?</table>', shown, re.S)
        assert plan_card is not None
        assert plan_card.group(0).count("instalment-open") == 2 and "R-1" in plan_card.group(0)
    with Session(db) as s:
        actors = set(s.execute(select(Activity.actor).where(
            Activity.action.in_(("promise_recorded", "plan_recorded")))).scalars())
    assert actors == {"web:li.na"}


def test_a_refused_customer_form_comes_back_inline_with_the_input_kept(
        app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        refused = browser.post("/customers/C001/promises", data={
            "csrf_token": csrf, "date": SOON, "amount": "9,000", "invoices": ["R-2"]})
        assert refused.status_code == 422
        form = _form(refused.text, "form-customer-promise")
        assert 'id="form-customer-promise-amount-error"' in form
        assert "The amount must be more than 0 and at most the balance." in form
        assert "9,000.00 is more than the 8,000.00 owed on the invoices covered" in form
        assert _values(form, "amount") == ["9,000"] and _values(form, "date") == [SOON]
        assert _checked(form) == ["R-2"]
        assert _checked(_form(refused.text, "form-plan")) == []  # the other form is empty
        bad_plan = browser.post("/customers/C001/plans", data={
            "csrf_token": csrf, "date": [SOON, SOON], "amount": ["100", "oops"]})
        assert bad_plan.status_code == 422
        form = _form(bad_plan.text, "form-plan")
        assert 'id="form-plan-instalments-error"' in form and "instalment 2" in form
        assert _values(form, "amount")[:2] == ["100", "oops"]
        assert _values(form, "date")[:2] == [SOON, SOON]
        forged = browser.post("/customers/C001/promises", data={
            "csrf_token": csrf, "date": SOON, "amount": "10", "invoices": ["R-2\x00"]})
        assert forged.status_code == 400 and "NUL" in forged.text  # arflow/web/input_guard
    with TestClient(app) as browser:
        csrf = sign_in(browser, "chen.jing")
        refused = browser.post("/customers/C001/plans", data={
            "csrf_token": csrf, "date": [SOON, SOON], "amount": ["100", "100"]})
        assert refused.status_code == 422
        assert "每一期须填写今天或之后的日期" in _form(refused.text, "form-plan")
    assert _count(db, Promise) == 0 and _count(db, PaymentPlan) == 0
