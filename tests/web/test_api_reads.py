"""Reads over the API: filters, pagination, the facts of one record, the caller's scope."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Customer, RiskWarning
from tests.people import bearer


def _feed(client, today) -> None:
    items = [
        {"number": "INV-L1", "customer_code": "C001", "issue_date": str(today - timedelta(70)),
         "due_date": str(today - timedelta(40)), "amount": "1000.00"},
        {"number": "INV-L2", "customer_code": "C001", "issue_date": str(today - timedelta(10)),
         "due_date": str(today + timedelta(20)), "amount": "250.50"},
        {"number": "INV-W1", "customer_code": "C002", "issue_date": str(today - timedelta(50)),
         "due_date": str(today - timedelta(5)), "amount": "90071992547409.93",
         "currency": "USD"},
    ]
    assert client.post("/api/v1/receivables/batch", json={"items": items}).status_code == 200


def test_customer_detail_has_balance_overdue_limit_and_rating(client, settings):
    _feed(client, settings.today())
    body = client.get("/api/v1/customers/C001").json()
    assert (body["balance"], body["overdue"], body["credit_limit"], body["rating"]) == (
        1250.5, 1000.0, 500000.0, None)
    assert body["open_receivables"] == 2
    assert client.get("/api/v1/customers/NOPE").status_code == 404


def test_customer_filters_and_pages(client):
    assert [c["code"] for c in client.get("/api/v1/customers?q=acme").json()["items"]] == [
        "C002"]
    assert [c["code"] for c in client.get("/api/v1/customers?segment=manufacturing")
            .json()["items"]] == ["C001"]
    assert [c["code"] for c in client.get("/api/v1/customers?collector=wang.wei")
            .json()["items"]] == ["C002"]
    first = client.get("/api/v1/customers?limit=1").json()
    assert (first["total"], len(first["items"]), first["items"][0]["code"]) == (2, 1, "C001")
    second = client.get(first["next"]).json()
    assert [c["code"] for c in second["items"]] == ["C002"] and second["next"] is None


def test_receivable_filters(client, settings):
    today = settings.today()
    _feed(client, today)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/receivables?{query}")
        assert response.status_code == 200, response.text
        return [r["number"] for r in response.json()["items"]]

    assert numbers("overdue=true") == ["INV-L1", "INV-W1"]
    assert numbers("customer=C001") == ["INV-L1", "INV-L2"]
    assert numbers(f"due_before={today}") == ["INV-L1", "INV-W1"]
    assert numbers("stage=current") == ["INV-L1", "INV-W1", "INV-L2"]  # by due date
    assert numbers("stage=paid") == []
    assert client.get("/api/v1/receivables?stage=bogus").status_code == 422


def test_receivable_facts_are_exact(client, settings):
    _feed(client, settings.today())
    response = client.get("/api/v1/receivables/INV-W1")
    body = response.json()
    assert (body["days_overdue"], body["stage"], body["currency"]) == (5, "current", "USD")
    assert '"balance": 90071992547409.93' in response.text
    assert body["history"] == [] and body["payments"] == []


def test_payments_and_warnings_lists(client, db, settings):
    today = settings.today()
    _feed(client, today)
    client.put("/api/v1/payments/P-9", json={"customer_code": "C001", "date": str(today),
                                             "amount": "100", "invoice_number": "INV-L2"})
    listed = client.get("/api/v1/payments?customer=C001").json()["items"]
    assert [(p["reference"], p["amount"], p["unapplied"]) for p in listed] == [
        ("P-9", 100.0, 0.0)]
    assert client.get("/api/v1/payments?customer=C002").json()["total"] == 0
    with Session(db) as s:
        c2 = s.execute(select(Customer).where(Customer.code == "C002")).scalar_one()
        s.add_all([
            RiskWarning(rule_id="big-late", level="red", scope="customer", subject="C002",
                        customer_id=c2.id, opened_on=today),
            RiskWarning(rule_id="slow", level="yellow", scope="customer", subject="C002",
                        customer_id=c2.id, opened_on=today - timedelta(9),
                        closed_on=today - timedelta(2)),
        ])
        s.commit()
    red = client.get("/api/v1/warnings?level=red&open=true").json()["items"]
    assert [(w["rule_id"], w["customer_code"], w["closed_on"]) for w in red] == [
        ("big-late", "C002", None)]
    assert [w["rule_id"] for w in client.get("/api/v1/warnings?open=false").json()["items"]
            ] == ["slow"]
    assert client.get("/api/v1/warnings?customer=C001").json()["total"] == 0


def test_a_collector_sees_only_their_customers(client, db, settings):
    _feed(client, settings.today())
    li = bearer(db, "li.na", "collector")
    assert [c["code"] for c in client.get("/api/v1/customers", headers=li).json()["items"]
            ] == ["C001"]
    assert client.get("/api/v1/customers/C002", headers=li).status_code == 404
    theirs = client.get("/api/v1/receivables/INV-W1", headers=li)
    missing = client.get("/api/v1/receivables/INV-W9", headers=li)
    assert theirs.status_code == missing.status_code == 404
    # the same answer as for a record that does not exist: nothing to enumerate
    assert theirs.json()["error"] == {**missing.json()["error"],
                                      "message": "no receivable 'INV-W1'"}
    assert client.get("/api/v1/receivables/INV-L1", headers=li).status_code == 200
    mine = client.get("/api/v1/receivables", headers=li).json()
    assert (mine["total"], {r["customer_code"] for r in mine["items"]}) == (2, {"C001"})
    assert client.get("/api/v1/receivables?customer=C002", headers=li).json()["total"] == 0
    assert client.get("/api/v1/warnings", headers=li).json()["total"] == 0
    assert client.get("/api/v1/customers", headers={"Authorization": ""}).status_code == 401


def test_money_totals_stay_exact(client, settings):
    _feed(client, settings.today())
    response = client.get("/api/v1/customers/C002")
    assert '"balance": 90071992547409.93' in response.text
    assert '"overdue": 90071992547409.93' in response.text


def test_a_customer_owing_in_two_currencies_is_never_summed_across_them(client, settings):
    today = settings.today()
    items = [
        {"number": "INV-M1", "customer_code": "C001", "issue_date": str(today - timedelta(60)),
         "due_date": str(today - timedelta(30)), "amount": "300.00", "currency": "CNY"},
        {"number": "INV-M2", "customer_code": "C001", "issue_date": str(today - timedelta(10)),
         "due_date": str(today + timedelta(20)), "amount": "700.00", "currency": "USD"},
    ]
    assert client.post("/api/v1/receivables/batch", json={"items": items}).status_code == 200
    body = client.get("/api/v1/customers/C001").json()
    assert (body["currency"], body["balance"], body["overdue"]) == (None, None, None)
    assert body["balances"] == [
        {"currency": "CNY", "balance": 300.0, "overdue": 300.0, "open_receivables": 1},
        {"currency": "USD", "balance": 700.0, "overdue": 0.0, "open_receivables": 1}]
    assert body["open_receivables"] == 2
