"""POST /api/v1/orders/check and /api/v1/orders: decisions, JSON errors, idempotency."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from engine.fx import Rate
from ledger.fx_store import upsert
from ledger.models import Activity, SalesOrder
from tests.factories import load, write

CHECK = "/api/v1/orders/check"
ORDERS = "/api/v1/orders"


def test_approve(client):
    response = client.post(CHECK, json={"customer": "C001", "amount": "1000"})
    assert response.status_code == 200, response.text
    assert response.json() == {"decision": "approve", "fired": [], "exposure_after": 1000.0,
                               "exposure_currency": "CNY", "prepayment_amount": 0.0}
    assert '"exposure_after": 1000.00' in response.text  # exact money, as the CLI prints


def test_hold_over_limit(client, db, settings):
    response = client.post(CHECK, json={"customer": "C002", "amount": 200000.01})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["decision"], body["fired"]) == ("hold", ["over-limit"])
    assert '"exposure_after": 200000.01' in response.text
    # a USD order is converted to the book currency (CNY) before it meets the CNY limit
    usd = {"customer": "C002", "amount": "28169.02", "currency": "us$"}
    refused = client.post(CHECK, json=usd)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "currency"
    assert refused.json()["error"]["message"] == (
        f"no USD rate on or before {settings.today()}: import rates with `arflow rates import`")
    with Session(db) as s:
        upsert(s, [Rate(settings.today() - timedelta(days=3), "USD", Decimal("7.1"))], "test")
        s.commit()
    response = client.post(CHECK, json=usd)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["decision"], body["fired"]) == ("hold", ["over-limit"])
    assert '"exposure_after": 200000.04' in response.text  # 28,169.02 x 7.10, to the cent
    assert (body["exposure_currency"], body["amount_converted"]) == ("CNY", 200000.04)
    assert body["converted_at"] == str(settings.today())
    assert body["note"] == f"CNY (USD converted at 7.10 on {settings.today() - timedelta(days=3)})"


def test_reject_wins_over_hold(client, db, settings, tmp_path):
    due = settings.today() - timedelta(days=90)
    write(tmp_path / "r.csv", "number,customer_code,issue_date,due_date,amount,currency\n"
          f"INV-1,C002,{due - timedelta(days=30)},{due},100.00,CNY\n")
    load(db, "receivables", tmp_path / "r.csv")
    response = client.post(CHECK, json={"customer": "C002", "amount": "250000"})
    body = response.json()
    assert (body["decision"], body["fired"]) == ("reject", ["severely-late", "over-limit"])
    assert body["exposure_after"] == 250100.0


def test_large_amount_stays_exact(client):
    response = client.post(CHECK, content=b'{"customer": "C001", "amount": 90071992547409.93}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert '"exposure_after": 90071992547409.93' in response.text


def test_unknown_customer_is_404_with_code(client):
    response = client.post(CHECK, json={"customer": "C404", "amount": "10"})
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "unknown_customer",
                                         "message": "no customer 'C404'", "field": "customer"}}


@pytest.mark.parametrize("amount", ["abc", "-5", "1.234", "0", "NaN", "Infinity", True, None,
                                    [1], 1.234])
def test_bad_amount_is_422_on_the_field(client, amount):
    response = client.post(CHECK, json={"customer": "C001", "amount": amount})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "amount"
    assert error["code"] in ("invalid_amount", "invalid_input")
    assert error["message"]


@pytest.mark.parametrize("amount", ["abc", "-5", "1.234"])
def test_bad_amount_code(client, amount):
    error = client.post(CHECK, json={"customer": "C001", "amount": amount}).json()["error"]
    assert error["code"] == "invalid_amount"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"amount": "10"}, "invalid_input", "customer"),
        ({"customer": "C001", "amount": "10", "currency": "yuan"}, "invalid_currency",
         "currency"),
        ({"customer": "C001", "amount": "10", "colour": "red"}, "invalid_input", "colour"),
    ],
)
def test_other_bad_input(client, body, code, field):
    response = client.post(CHECK, json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)


def test_not_json_is_422(client):
    response = client.post(CHECK, content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_unknown_path_is_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_add_is_idempotent_and_conflicts(client, db):
    body = {"customer": "C002", "amount": "250000", "number": "SO-1"}
    first = client.post(ORDERS, json=body)
    assert first.status_code == 201, first.text
    order = first.json()
    assert (order["number"], order["status"], order["fired"]) == ("SO-1", "held", ["over-limit"])
    assert (order["customer"], order["amount"], order["currency"]) == ("C002", 250000.0, "CNY")
    again = client.post(ORDERS, json={**body, "amount": 250000.00, "currency": "CNY"})
    assert again.status_code == 200, again.text
    assert again.json() == order
    conflict = client.post(ORDERS, json={**body, "amount": "250000.01"})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflict"
    assert conflict.json()["error"]["field"] == "number"
    assert client.post(ORDERS, json={**body, "customer": "C001"}).status_code == 409
    with Session(db) as session:
        assert session.execute(select(func.count()).select_from(SalesOrder)).scalar() == 1
        actors = session.execute(select(Activity.actor).where(
            Activity.action == "order_added")).scalars().all()
    assert actors == ["api:erp"]
    # the recorded order now counts in exposure
    check = client.post(CHECK, json={"customer": "C002", "amount": "1"}).json()
    assert check["exposure_after"] == 250001.0


def test_add_approved_and_errors(client):
    ok = client.post(ORDERS, json={"customer": "C001", "amount": 10, "number": "SO-2"})
    assert (ok.status_code, ok.json()["status"]) == (201, "approved")
    missing = client.post(ORDERS, json={"customer": "C404", "amount": 10, "number": "SO-3"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_customer")
    spaced = client.post(ORDERS, json={"customer": "C001", "amount": 10, "number": "S O"})
    assert (spaced.status_code, spaced.json()["error"]["field"]) == (422, "number")


def test_health_and_openapi(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.text)
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/health", "/api/v1/orders/check", "/api/v1/orders"} <= set(
        document["paths"])
    check = document["paths"]["/api/v1/orders/check"]["post"]
    assert check["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorBody")
    assert "201" in document["paths"]["/api/v1/orders"]["post"]["responses"]


def test_a_body_that_is_not_utf8_is_invalid_input(client) -> None:
    response = client.post("/api/v1/orders/check", content=b'{"customer": "\xff"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == {"code": "invalid_input", "message": "JSON decode error",
                                        "field": None}


def test_a_collector_orders_only_for_their_own_customers(client, db) -> None:
    from tests.people import bearer

    li = bearer(db, "li.na", "collector")  # C001 is li.na's, C002 wang.wei's
    mine = client.post("/api/v1/orders/check", json={"customer": "C001", "amount": "10"},
                       headers=li)
    assert mine.status_code == 200
    theirs = client.post("/api/v1/orders/check", json={"customer": "C002", "amount": "10"},
                         headers=li)
    unknown = client.post("/api/v1/orders/check", json={"customer": "C999", "amount": "10"},
                          headers=li)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["error"]["code"] == "unknown_customer"
    placed = client.post("/api/v1/orders", json={"customer": "C002", "amount": "10",
                                                 "number": "SO-X"}, headers=li)
    assert placed.status_code == 404
    assert client.post("/api/v1/orders", json={"customer": "C002", "amount": "10",
                                               "number": "SO-Y"}).status_code == 201
    reuse = client.post("/api/v1/orders", json={"customer": "C001", "amount": "10",
                                                "number": "SO-Y"}, headers=li)
    assert reuse.status_code == 409 and "C002" not in reuse.json()["error"]["message"]
