"""Issue 14, part 3, in the feed: a payment's optional ``currency`` (aliases read, the rest
refused), its default, a 422 for an invoice in another currency, and ``currency`` in the
payment JSON."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Payment, Receivable

RECEIVABLES, PAYMENTS = "/api/v1/receivables", "/api/v1/payments"


def _invoices(client, today) -> None:  # type: ignore[no-untyped-def]
    items = [{"number": number, "customer_code": "C001", "issue_date": str(today - timedelta(40)),
              "due_date": str(today - timedelta(days)), "amount": "1000.00", "currency": cur}
             for number, days, cur in (("N-1", 5, "人民币"), ("U-1", 10, "US$"))]
    created = client.post(f"{RECEIVABLES}/batch", json={"items": items})
    assert created.status_code == 200, created.text


def test_a_usd_payment_pays_only_usd_and_shows_its_currency(client, db, settings):
    today = settings.today()
    _invoices(client, today)
    response = client.put(f"{PAYMENTS}/W-1", json={"customer_code": "C001", "date": str(today),
                                                   "amount": "1200", "currency": "usd"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["currency"], body["unapplied"]) == ("USD", 200.0)
    assert body["allocations"] == [{"invoice": "U-1", "reference": "W-1", "date": str(today),
                                    "amount": 1000.0}]
    listed = client.get(PAYMENTS).json()["items"]
    assert [(p["reference"], p["currency"]) for p in listed] == [("W-1", "USD")]
    balances = {r["number"]: (r["currency"], r["balance"], r["stage"])
                for r in client.get(RECEIVABLES).json()["items"]}
    assert balances["N-1"][:2] == ("CNY", 1000.0) and balances["U-1"] == ("USD", 0.0, "paid")


def test_an_invoice_in_another_currency_or_an_unknown_currency_is_422(client, db, settings):
    today = settings.today()
    _invoices(client, today)
    response = client.post(f"{PAYMENTS}/batch", json={"items": [
        {"reference": "W-2", "customer_code": "C001", "date": str(today), "amount": "10",
         "invoice_number": "N-1", "currency": "USD"},
        {"reference": "W-3", "customer_code": "C001", "date": str(today), "amount": "10",
         "currency": "RMBB"}]})
    assert response.status_code == 422, response.text
    assert [(e["field"], e["code"], e["message"]) for e in response.json()["errors"]] == [
        ("items.0.currency", "currency_mismatch",
         "currency mismatch: invoice 'N-1' is in CNY, the payment in USD"),
        ("items.1.currency", "invalid_currency",
         "not a currency: 'RMBB' (use an ISO 4217 code like CNY or USD)")]
    with Session(db) as s:
        assert s.execute(select(Payment)).first() is None


def test_without_a_currency_the_invoices_then_the_book_currency(client, db, settings,
                                                                 monkeypatch):
    monkeypatch.setenv("ARFLOW_BOOK_CURRENCY", "美元")  # USD, read through the aliases
    today = settings.today()
    _invoices(client, today)
    named = client.put(f"{PAYMENTS}/W-4", json={"customer_code": "C001", "date": str(today),
                                                "amount": "100", "invoice_number": "N-1"})
    assert named.json()["currency"] == "CNY"
    # C001 owes in CNY and USD: the book currency (USD) decides
    unnamed = client.put(f"{PAYMENTS}/W-5", json={"customer_code": "C001", "date": str(today),
                                                  "amount": "100"})
    assert (unnamed.json()["currency"], unnamed.json()["allocations"][0]["invoice"]) == (
        "USD", "U-1")
    with Session(db) as s:
        balances = dict(s.execute(select(Receivable.number, Receivable.balance)).all())
    assert {k: float(v) for k, v in balances.items()} == {"N-1": 900.0, "U-1": 900.0}
