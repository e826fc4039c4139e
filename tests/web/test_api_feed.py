"""The ERP feed: upserts by external key, batches all-or-nothing, payments settle at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from ledger.models import Activity, Customer, Outbox, Receivable, Reminder, RiskWarning
from tests.people import bearer

CUSTOMERS, RECEIVABLES, PAYMENTS = "/api/v1/customers", "/api/v1/receivables", "/api/v1/payments"


def _invoice(number: str, due, amount: str = "1000.00", customer: str = "C001") -> dict:
    return {"number": number, "customer_code": customer, "issue_date": str(due - timedelta(30)),
            "due_date": str(due), "amount": amount, "currency": "CNY"}


def _count(db, model) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_put_customer_creates_then_updates_then_changes_nothing(client, db):
    body = {"name": "Hangzhou Steel", "email": "ar@steel.example.cn", "credit_limit": 80000.50,
            "segment": "steel", "collector": "li.na"}
    created = client.put(f"{CUSTOMERS}/C100", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["credit_limit"] == 80000.5
    assert '"credit_limit": 80000.50' in created.text  # exact money
    again = client.put(f"{CUSTOMERS}/C100", json=body)
    assert again.status_code == 200 and again.json() == created.json()
    # a field left out keeps its stored value; a given one changes
    changed = client.put(f"{CUSTOMERS}/C100", json={"name": "Hangzhou Steel Co"})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["email"]) == (
        "Hangzhou Steel Co", "ar@steel.example.cn")


def test_put_receivable_is_idempotent_and_bad_fields_name_themselves(client, db, settings):
    due = settings.today() + timedelta(days=10)
    item = _invoice("INV-9", due)
    body = {k: v for k, v in item.items() if k != "number"}
    assert client.put(f"{RECEIVABLES}/INV-9", json=body).status_code == 201
    second = client.put(f"{RECEIVABLES}/INV-9", json=body)
    assert second.status_code == 200
    assert (second.json()["balance"], second.json()["stage"]) == (1000.0, "current")
    bad = client.put(f"{RECEIVABLES}/INV-10", json={**body, "amount": "12.345",
                                                    "customer_code": "C404"})
    assert bad.status_code == 422
    error = bad.json()
    assert (error["error"]["code"], error["error"]["field"]) == ("invalid_amount", "amount")
    assert {(e["field"], e["code"]) for e in error["errors"]} == {
        ("amount", "invalid_amount"), ("customer_code", "unknown_customer")}
    assert _count(db, Receivable) == 1


def test_batch_counts_and_second_run_changes_nothing(client, db, settings):
    due = settings.today() + timedelta(days=5)
    items = [_invoice(f"INV-{i:03}", due, f"{100 + i}.25") for i in range(50)]
    first = client.post(f"{RECEIVABLES}/batch", json={"items": items})
    assert first.status_code == 200, first.text
    assert first.json() == {"rows": 50, "created": 50, "updated": 0, "unchanged": 0,
                            "settled": 0, "reopened": 0}
    again = client.post(f"{RECEIVABLES}/batch", json={"items": items})
    assert again.json()["unchanged"] == 50 and again.json()["created"] == 0
    items[7]["amount"] = "999.99"
    third = client.post(f"{RECEIVABLES}/batch", json={"items": items})
    assert (third.json()["updated"], third.json()["unchanged"]) == (1, 49)


def test_bad_batch_lists_every_bad_row_and_writes_nothing(client, db, settings):
    due = settings.today()
    items = [_invoice(f"INV-{i}", due) for i in range(6)]
    items[3]["amount"] = "-5"
    items[4]["due_date"] = "2026-13-01"
    items[5]["number"] = "INV-0"  # the key twice
    items[2]["currency"] = ["CNY"]  # not a JSON scalar
    response = client.post(f"{RECEIVABLES}/batch", json={"items": items})
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"]["code"], body["error"]["field"]) == ("invalid_type",
                                                               "items.2.currency")
    assert [(e["index"], e["field"], e["code"]) for e in body["errors"]] == [
        (2, "items.2.currency", "invalid_type"),
        (3, "items.3.amount", "invalid_amount"),
        (4, "items.4.due_date", "invalid_date"),
        (5, "items.5.number", "duplicate_key"),
    ]
    assert _count(db, Receivable) == 0


def test_batch_over_the_limit_is_413(client, db):
    items = [{"code": f"X{i}", "name": "n"} for i in range(10_001)]
    response = client.post(f"{CUSTOMERS}/batch", json={"items": items})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert _count(db, Customer) == 2


def test_writes_need_ledger_write(client, db):
    collector = bearer(db, "li.na", "collector")
    response = client.put(f"{CUSTOMERS}/C001", json={"name": "x"}, headers=collector)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    manager = bearer(db, "zhao.min", "credit_manager")
    assert client.put(f"{CUSTOMERS}/C001", json={"name": "x"}, headers=manager).status_code == 200
    anonymous = client.put(f"{CUSTOMERS}/C001", json={"name": "x"},
                           headers={"Authorization": ""})
    assert anonymous.status_code == 401


def _overdue_with_reminder_and_warning(db, settings) -> int:
    """INV-OD: overdue, a pending reminder carrying it, an open red warning."""
    today = settings.today()
    with Session(db) as s:
        customer = s.execute(select(Customer).where(Customer.code == "C001")).scalar_one()
        inv = Receivable(number="INV-OD", customer_id=customer.id, issue_date=today - timedelta(60),
                         due_date=today - timedelta(20), amount=Decimal("1500.00"),
                         balance=Decimal("1500.00"), stage="overdue",
                         stage_since=today - timedelta(5))
        s.add(inv)
        s.flush()
        mail = Outbox(key=f"C001:first:{today}", customer_id=customer.id, for_date=today,
                      template="overdue", language="zh-CN", to_addr="ap@huadong.example.cn",
                      status="pending", items=[{"invoice": "INV-OD", "step": "first"}])
        s.add(mail)
        s.flush()
        s.add(Reminder(receivable_id=inv.id, step="first", for_date=today, outbox_id=mail.id))
        s.add(RiskWarning(rule_id="late-20", level="red", scope="receivable", subject="INV-OD",
                          customer_id=customer.id, receivable_id=inv.id,
                          opened_on=today - timedelta(3)))
        s.commit()
        return mail.id


def test_a_payment_settles_at_once(client, db, settings):
    mail_id = _overdue_with_reminder_and_warning(db, settings)
    today = settings.today()
    response = client.put(f"{PAYMENTS}/BANK-77", json={"customer_code": "C001",
                                                       "date": str(today), "amount": "1500"})
    assert response.status_code == 201, response.text
    assert response.json()["allocations"] == [{"invoice": "INV-OD", "reference": "BANK-77",
                                               "date": str(today), "amount": 1500.0}]
    with Session(db) as s:
        inv = s.execute(select(Receivable).where(Receivable.number == "INV-OD")).scalar_one()
        assert (inv.stage, inv.balance) == ("paid", Decimal("0.00"))
        assert s.get(Outbox, mail_id).status == "cancelled"
        assert s.execute(select(func.count()).select_from(Reminder)).scalar_one() == 0
        warning = s.execute(select(RiskWarning)).scalar_one()
        assert warning.closed_on == today
        audit = {(a.action, a.actor) for a in s.execute(select(Activity)).scalars()}
    assert {("settle", "api:erp"), ("mail_withdrawn", "api:erp"),
            ("warning_closed", "api:erp")} <= audit
    detail = client.get(f"{RECEIVABLES}/INV-OD").json()
    assert detail["history"][-1] == {"from_stage": "overdue", "to_stage": "paid",
                                     "on_date": str(today), "rule_id": "balance-zero",
                                     "actor": "api:erp"}
    assert client.put(f"{PAYMENTS}/BANK-77", json={"customer_code": "C001", "date": str(today),
                                                   "amount": "1500"}).status_code == 200


def test_overpayment_stays_credit_and_a_corrected_payment_reopens(client, db, settings):
    today = settings.today()
    items = [_invoice("INV-A", today - timedelta(9), "300.00"),
             _invoice("INV-B", today - timedelta(1), "200.00")]
    client.post(f"{RECEIVABLES}/batch", json={"items": items})
    paid = client.post(f"{PAYMENTS}/batch", json={"items": [
        {"reference": "P-1", "customer_code": "C001", "date": str(today), "amount": 550.5}]})
    assert paid.json() == {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "settled": 2,
                           "reopened": 0}
    payment = client.get(f"{PAYMENTS}/P-1").json()
    assert payment["unapplied"] == 50.5
    corrected = client.put(f"{PAYMENTS}/P-1", json={"customer_code": "C001", "date": str(today),
                                                   "amount": "300"})
    assert corrected.status_code == 200
    stages = {r["number"]: (r["stage"], r["balance"])
              for r in client.get(RECEIVABLES).json()["items"]}
    assert stages == {"INV-A": ("paid", 0.0), "INV-B": ("current", 200.0)}
