"""/api/v1/bank over both databases: the lines (paged, by status), one line, applying it
(an option, splits, credit on a customer) and unapplying it; refusals as {"error": ...}
with nothing written; only callers with ``cash``; documented in the OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Activity, Allocation, BankLine, Customer, Outbox, Payment, Receivable
from tests.people import make_token
from tests.web.bank_seed import PAID_ON, Lines, receivable, seed
from tests.web.portfolio import TestClient, app_on_day

API = "/api/v1/bank/lines"


@pytest.fixture
def lines(db: Engine, tmp_path: Path) -> Lines:
    return seed(db, tmp_path)


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path, lines: Lines):  # type: ignore[no-untyped-def]
    return app_on_day(db_url, db, tmp_path)


@pytest.fixture
def erp(app, db: Engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, headers={"Authorization": f"Bearer {make_token(db)}"}) as client:
        yield client


def _payments(db: Engine) -> list[tuple[str, str, str, str, list[tuple[str, str]]]]:
    """The payments made from bank lines: reference, amount, date, currency and what each
    paid (invoice, amount)."""
    with Session(db) as s:
        payments = list(s.execute(select(Payment).where(Payment.bank_line_id.is_not(None))
                                  .order_by(Payment.id)).scalars())
        return [(p.reference, str(p.amount), p.date.isoformat(), p.currency, [
            (number, str(amount)) for number, amount in s.execute(
                select(Receivable.number, Allocation.amount)
                .join(Receivable, Receivable.id == Allocation.receivable_id)
                .where(Allocation.payment_id == p.id).order_by(Receivable.number))])
            for p in payments]


def test_lines_by_status_paged_with_their_proposals(erp: TestClient, lines: Lines) -> None:
    queue = erp.get(API, params={"status": "proposed", "limit": 1}).json()
    assert queue["total"] == 2 and len(queue["items"]) == 1
    assert queue["next"] is not None and "offset=1" in queue["next"]
    second = erp.get(queue["next"]).json()["items"]
    ids = {queue["items"][0]["id"], second[0]["id"]}
    assert ids == {lines.proposed, lines.two}
    line = erp.get(f"{API}/{lines.proposed}").json()
    assert (line["date"], line["amount"], line["currency"], line["payer_name"],
            line["payer_account"], line["text"], line["status"]) == (
        PAID_ON.isoformat(), 8000, "CNY", "上海华东机电有限公司", "6222 0000 1111",
        "货款 R-2", "proposed")
    options = sorted((m["option"], m["invoice"], m["customer"], m["amount"],
                      m["confidence"], m["state"]) for m in line["matches"])
    assert options == [(1, "R-2", "C001", 8000, 0.85, "proposed"),
                       (2, "R-1", "C001", 8000, 0.4, "proposed")]
    assert "R-2" in [m for m in line["matches"] if m["option"] == 1][0]["reason"]
    unmatched = erp.get(API, params={"status": "unmatched"}).json()["items"]
    assert [(u["id"], u["matches"]) for u in unmatched] == [(lines.unmatched, [])]
    everything = erp.get(API).json()
    assert everything["total"] == 3
    missing = erp.get(f"{API}/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = erp.get(API, params={"status": "paid"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_confirming_an_option_pays_the_invoice_and_withdraws_its_reminder(
        erp: TestClient, db: Engine, lines: Lines) -> None:
    answer = erp.post(f"{API}/{lines.proposed}/apply", json={"option": 1})
    assert answer.status_code == 200, answer.text
    line = answer.json()
    assert (line["status"], line["customer"], line["applied_on"]) == (
        "applied", "C001", "2026-11-23")
    assert [(m["invoice"], m["amount"]) for m in line["matches"] if m["state"] == "applied"
            ] == [("R-2", 8000)]
    r2 = receivable(db, "R-2")
    assert (r2.stage, r2.balance) == ("paid", Decimal("0"))
    assert _payments(db) == [(f"BANK-{lines.proposed}", "8000.00", "2026-11-20", "CNY",
                              [("R-2", "8000.00")])]
    with Session(db) as s:  # C001's queued statement carried R-2: withdrawn
        statuses = set(s.execute(select(Outbox.status).join(
            Customer, Customer.id == Outbox.customer_id).where(Customer.code == "C001")
        ).scalars())
        [audit] = s.execute(select(Activity).where(Activity.action == "bank_applied")
                            ).scalars()
    assert statuses == {"cancelled"}
    assert audit.actor == "api:erp"
    again = erp.post(f"{API}/{lines.proposed}/apply", json={"option": 1})
    assert again.status_code == 409 and again.json()["error"]["code"]
    assert len(_payments(db)) == 1


def test_splits_credit_and_unapply(erp: TestClient, db: Engine, lines: Lines) -> None:
    split = erp.post(f"{API}/{lines.two}/apply", json={"splits": [
        {"invoice": "R-1", "amount": "45000.00"}, {"invoice": "R-3", "amount": 3000}]})
    assert split.status_code == 200, split.text
    assert (receivable(db, "R-1").balance, receivable(db, "R-3").balance) == (
        Decimal("5000.00"), Decimal("0"))
    assert receivable(db, "R-3").stage == "paid"
    with Session(db) as s:  # the 5,000 not split stays credit on C001
        credit = s.execute(select(func.sum(Payment.unapplied)).where(
            Payment.bank_line_id == lines.two)).scalar_one()
    assert credit == Decimal("5000.00")
    assert _payments(db) == [(f"BANK-{lines.two}", "53000.00", "2026-11-20", "CNY",
                              [("R-1", "45000.00"), ("R-3", "3000.00")])]

    back = erp.post(f"{API}/{lines.two}/unapply")
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "proposed"
    assert (receivable(db, "R-1").balance, receivable(db, "R-3").balance) == (
        Decimal("50000.00"), Decimal("3000.00"))
    assert receivable(db, "R-3").stage != "paid"
    assert _payments(db) == []
    twice = erp.post(f"{API}/{lines.two}/unapply")
    assert twice.status_code == 409

    credited = erp.post(f"{API}/{lines.unmatched}/apply", json={"credit_customer": "C002"})
    assert credited.status_code == 200, credited.text
    assert credited.json()["customer"] == "C002"
    with Session(db) as s:
        line = s.get(BankLine, lines.unmatched)
        assert line is not None and line.status == "applied"
        unapplied = s.execute(select(Payment.unapplied).where(
            Payment.bank_line_id == lines.unmatched)).scalars().all()
    assert unapplied == [Decimal("1200.00")]


REFUSED = [  # (body, status, field): each refused with nothing written
    ({}, 422, None),
    ({"option": 1, "credit_customer": "C001"}, 422, None),
    ({"splits": []}, 422, "splits"),
    ({"splits": [{"invoice": "R-1", "amount": "-5"}]}, 422, "splits.0.amount"),
    ({"splits": [{"invoice": "R-2", "amount": "9000.00"}]}, 422, "amount"),  # over the line
    ({"splits": [{"invoice": "R-4", "amount": "100.00"}]}, 422, "invoice"),  # a USD invoice
    ({"splits": [{"invoice": "NOPE", "amount": "100.00"}]}, 404, None),
    ({"credit_customer": "C999"}, 404, None),
    ({"option": 7}, 422, "option"),
]


def test_refusals_write_nothing(erp: TestClient, db: Engine, lines: Lines) -> None:
    for body, status, field in REFUSED:  # one book for all: each refusal leaves it as it was
        answer = erp.post(f"{API}/{lines.proposed}/apply", json=body)
        assert answer.status_code == status, (body, answer.text)
        error = answer.json()["error"]
        assert error["code"] and error["message"], body
        if field is not None:
            assert error["field"] == field, (body, error)
        assert _payments(db) == [], body
        with Session(db) as s:
            line = s.get(BankLine, lines.proposed)
            assert line is not None and line.status == "proposed", body
        assert receivable(db, "R-2").balance == Decimal("8000.00"), body


def test_only_cash_roles(app, db: Engine, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    for role in ("collector", "admin"):
        headers = {"Authorization": f"Bearer {make_token(db, f't-{role}', role)}"}
        with TestClient(app, headers=headers) as client:
            for answer in (client.get(API), client.get(f"{API}/{lines.proposed}"),
                           client.post(f"{API}/{lines.proposed}/apply", json={"option": 1})):
                assert answer.status_code == 403, (role, answer.text)
                assert answer.json()["error"]["code"] == "forbidden"
    manager = {"Authorization": f"Bearer {make_token(db, 'zhou', 'credit_manager')}"}
    with TestClient(app, headers=manager) as client:
        assert client.get(API).json()["total"] == 3


def test_documented_in_openapi(erp: TestClient) -> None:
    paths = erp.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths[API]) == {"get"}
    assert paths[f"{API}/{{line_id}}/apply"]["post"]["responses"]["200"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/BankLineOut"}
    assert {"404", "409", "422"} <= set(paths[f"{API}/{{line_id}}/unapply"]["post"]["responses"])
    body = paths[f"{API}/{{line_id}}/apply"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ApplyIn"}


def test_a_signed_in_session_with_its_csrf_token(app, db: Engine, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    from tests.people import web_sign_in
    from tests.web.portfolio import people

    people(db, ("zhou", "credit_manager"))
    with TestClient(app) as client:
        csrf = web_sign_in(client, "zhou")
        assert client.get(f"{API}/{lines.unmatched}").json()["status"] == "unmatched"
        forged = client.post(f"{API}/{lines.unmatched}/apply", json={"credit_customer": "C001"})
        assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
        done = client.post(f"{API}/{lines.unmatched}/apply", json={"credit_customer": "C001"},
                           headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200 and done.json()["customer"] == "C001"
    with Session(db) as s:
        actors = s.execute(select(Activity.actor).where(Activity.action == "bank_applied")
                           ).scalars().all()
    assert actors == ["web:zhou"]


def test_a_lost_race_and_a_taken_reference_are_409(  # type: ignore[no-untyped-def]
        erp: TestClient, db: Engine, lines: Lines, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from ledger import bank_store
    from tests.factories import load, write

    locked = bank_store.lock_invoices

    def paid_meanwhile(session, ids):  # type: ignore[no-untyped-def]
        """R-2 as another payer left it, committed while this apply waited."""
        return {i: replace(s, balance=Decimal("0.00"), stage="paid") if s.number == "R-2"
                else s for i, s in locked(session, ids).items()}

    with monkeypatch.context() as patched:
        patched.setattr(bank_store, "lock_invoices", paid_meanwhile)
        answer = erp.post(f"{API}/{lines.proposed}/apply", json={"option": 1})
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == {
        "code": "balance_changed", "field": "invoice",
        "message": "R-2 changed while this was being applied (now 0.00 CNY, paid): nothing "
                   "was applied, look at it again"}
    assert _payments(db) == [] and receivable(db, "R-2").balance == Decimal("8000.00")
    load(db, "payments", write(tmp_path / "p.csv", (
        "reference,customer_code,date,amount,invoice_number\n"
        f"BANK-{lines.proposed},C001,2026-11-20,100.00,R-3\n")))
    answer = erp.post(f"{API}/{lines.proposed}/apply", json={"option": 1})
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "reference_taken"
    assert receivable(db, "R-2").balance == Decimal("8000.00")
