"""A collector learns nothing about another collector's orders from an order number
(arflow/web/orders._existing): the 409 for a number on someone else's customer is the
same answer, byte for byte, as for one of their own orders recorded with another body."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from ledger.models import SalesOrder
from tests.people import bearer
from tests.web.conftest import TestClient

ORDERS = "/api/v1/orders"


def test_another_collectors_order_number_answers_as_the_callers_own_conflict(
        client: TestClient, db) -> None:  # type: ignore[no-untyped-def]
    li = bearer(db, "li.na", "collector")  # C001 is li.na's
    wang = bearer(db, "wang.wei", "collector")  # C002 is wang.wei's
    assert client.post(ORDERS, json={"customer": "C002", "amount": "10", "number": "SO-B"},
                       headers=wang).status_code == 201
    assert client.post(ORDERS, json={"customer": "C001", "amount": "10", "number": "SO-A"},
                       headers=li).status_code == 201
    theirs = client.post(ORDERS, json={"customer": "C001", "amount": "10", "number": "SO-B"},
                         headers=li)
    own = client.post(ORDERS, json={"customer": "C001", "amount": "20", "number": "SO-B"},
                      headers=li)
    own_conflict = client.post(ORDERS, json={"customer": "C001", "amount": "20",
                                             "number": "SO-A"}, headers=li)
    assert theirs.status_code == own.status_code == own_conflict.status_code == 409
    assert theirs.json() == own.json() == {"error": {"code": "conflict", "field": "number",
                                                     "message": "order SO-B exists"}}
    assert own_conflict.json() == {"error": {"code": "conflict", "field": "number",
                                             "message": "order SO-A exists"}}
    assert dict(theirs.headers) == dict(own_conflict.headers)  # same length, same headers
    # a retry of the collector's own order is still answered with it
    retry = client.post(ORDERS, json={"customer": "C001", "amount": "10", "number": "SO-A"},
                        headers=li)
    assert retry.status_code == 200 and retry.json()["number"] == "SO-A"
    # someone who sees every customer gets the detail
    detail = client.post(ORDERS, json={"customer": "C001", "amount": "10", "number": "SO-B"})
    assert detail.status_code == 409 and "C002" in detail.json()["error"]["message"]
    with Session(db) as session:
        assert session.execute(select(func.count()).select_from(SalesOrder)).scalar() == 2
