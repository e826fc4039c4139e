"""GET and PUT /api/v1/rates on both databases: a batch stored (re-put updates), a bad
item 422 naming items[i] with nothing written (who may: test_every_route_checked)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import Activity

RATES = "/api/v1/rates"


def test_put_then_get(client, db) -> None:  # type: ignore[no-untyped-def]
    body = {"items": [{"date": "2026-11-27", "currency": "USD", "rate": "7.10"},
                      {"date": "2026-11-30", "currency": "欧元", "rate": 7.654321}]}
    response = client.put(RATES, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"book_currency": "CNY", "added": 2, "updated": 0,
                               "unchanged": 0}
    again = client.put(RATES, json={"items": [{"date": "2026-11-27", "currency": "usd",
                                               "rate": "7.12"}]})
    assert again.json()["updated"] == 1
    listed = client.get(RATES)
    assert listed.status_code == 200
    assert listed.json() == {"book_currency": "CNY", "items": [
        {"date": "2026-11-30", "currency": "EUR", "rate": 7.654321},
        {"date": "2026-11-27", "currency": "USD", "rate": 7.12}]}
    assert '"rate": 7.120000' in listed.text  # exact, 6 decimals as stored
    assert [i["currency"] for i in client.get(RATES, params={"currency": "US$"}).json()[
        "items"]] == ["USD"]
    with Session(db) as s:
        audit = s.scalars(select(Activity).where(Activity.action == "rates_imported")).all()
    assert [(a.actor, a.details["source"]) for a in audit] == [("api:erp", "api")] * 2


def test_bad_item_writes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    body = {"items": [{"date": "2026-11-27", "currency": "USD", "rate": "7.10"},
                      {"date": "2026-11-27", "currency": "JPY", "rate": "-1"}]}
    response = client.put(RATES, json=body)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_input", "field": "rate",
        "message": "items[1]: rate: must be a number above 0, got '-1'"}
    assert client.get(RATES).json()["items"] == []
    bad = client.get(RATES, params={"currency": "XYZ"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "currency")

