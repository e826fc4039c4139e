"""Write-offs over the API (/api/v1/.../writeoffs) and on the pages (the receivable page's
form, the credit manager's /writeoffs), on the small write-off ledger."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Activity, Receivable
from tests.people import make_token, web_sign_in
from tests.web.portfolio import TestClient, app_on_day, people
from tests.workflows.writeoff_book import build

Client = Callable[..., TestClient]


@pytest.fixture
def clients(db_url: str, db: Engine, tmp_path: Path) -> Iterator[Client]:
    """``clients(name, role)``: a bearer-token client; ``clients(name, web=True)``: a
    signed-in browser session (its ``csrf`` attribute holds the form token)."""
    build(db, tmp_path)
    people(db, ("li.na", "collector"), ("wang.wei", "collector"), ("zhou", "credit_manager"),
           ("boss", "admin"))
    people(db, ("xiao.li", "collector"), language="zh-CN")
    from sqlalchemy import update

    from ledger.models import Customer

    with Session(db) as s:  # xiao.li shares li.na's customer C001 for the Chinese page
        s.execute(update(Customer).where(Customer.code == "C001").values(collector="xiao.li"))
        s.commit()
    app = app_on_day(db_url, db, tmp_path)
    made: list[TestClient] = []

    def make(name: str, role: str = "", web: bool = False) -> TestClient:
        if web:
            client = TestClient(app)
            client.csrf = web_sign_in(client, name)  # type: ignore[attr-defined]
        else:
            client = TestClient(app, headers={
                "Authorization": f"Bearer {make_token(db, name, role)}"})
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def _receivable(db: Engine, number: str) -> Receivable:
    with Session(db) as s:
        return s.execute(select(Receivable).where(Receivable.number == number)).scalar_one()


def test_api_propose_list_and_approve(clients: Client, db: Engine) -> None:
    collector = clients("xiao.li", "collector")
    made = collector.post("/api/v1/receivables/R-2/writeoffs",
                          json={"amount": "500.00", "reason": "price difference"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert {k: body[k] for k in ("id", "invoice", "customer_code", "amount", "currency",
                                 "status", "proposed_by", "decided_on", "balance",
                                 "stage")} == {
        "id": 1, "invoice": "R-2", "customer_code": "C001", "amount": 500.0,
        "currency": "CNY", "status": "proposed", "proposed_by": "api:xiao.li",
        "decided_on": None, "balance": 8000.0, "stage": "overdue"}
    listed = collector.get("/api/v1/writeoffs", params={"status": "proposed"}).json()
    assert [w["invoice"] for w in listed["items"]] == ["R-2"] and listed["total"] == 1
    # another collector sees neither the proposal nor the receivable
    other = clients("wang.wei", "collector")
    assert other.get("/api/v1/writeoffs").json()["items"] == []
    assert other.get("/api/v1/writeoffs/1").status_code == 404
    assert other.post("/api/v1/receivables/R-2/writeoffs",
                      json={"reason": "x"}).status_code == 404
    # a collector (or a system) may not decide
    refused = collector.post("/api/v1/writeoffs/1/approve", json={})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert clients("erp", "system").post("/api/v1/writeoffs/1/approve",
                                         json={}).status_code == 403
    manager = clients("zhou", "credit_manager")
    approved = manager.post("/api/v1/writeoffs/1/approve", json={"note": "ok"})
    assert approved.status_code == 200, approved.text
    done = approved.json()
    assert (done["status"], done["decided_by"], done["decision_note"], done["balance"],
            done["stage"]) == ("approved", "api:zhou", "ok", 7500.0, "overdue")
    twice = manager.post("/api/v1/writeoffs/1/approve", json={})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "writeoff_decided")
    assert _receivable(db, "R-2").balance == 7500


def test_api_full_write_off_and_its_refusals(clients: Client, db: Engine) -> None:
    collector = clients("xiao.li", "collector")
    too_much = collector.post("/api/v1/receivables/R-1/writeoffs",
                              json={"amount": "50000.01", "reason": "lost"})
    error = too_much.json()["error"]
    assert (too_much.status_code, error["code"], error["field"]) == (
        422, "invalid_input", "amount")
    assert "balance of R-1, 50,000.00 CNY" in error["message"]
    blank = collector.post("/api/v1/receivables/R-1/writeoffs", json={"reason": "  "})
    assert (blank.status_code, blank.json()["error"]["field"]) == (422, "reason")
    missing = collector.post("/api/v1/receivables/R-1/writeoffs", json={})
    assert (missing.status_code, missing.json()["error"]["field"]) == (422, "reason")
    assert collector.post("/api/v1/receivables/R-404/writeoffs",
                          json={"reason": "x"}).status_code == 404
    first = collector.post("/api/v1/receivables/R-1/writeoffs", json={"reason": "insolvent"})
    assert first.status_code == 201 and first.json()["amount"] == 50000.0
    second = collector.post("/api/v1/receivables/R-1/writeoffs", json={"reason": "again"})
    assert (second.status_code, second.json()["error"]["code"]) == (409, "writeoff_pending")
    admin = clients("boss", "admin")
    no_note = admin.post("/api/v1/writeoffs/1/reject", json={"note": ""})
    assert (no_note.status_code, no_note.json()["error"]["field"]) == (422, "note")
    assert admin.post("/api/v1/writeoffs/99/approve", json={}).status_code == 404
    done = admin.post("/api/v1/writeoffs/1/approve", json={}).json()
    assert (done["balance"], done["stage"]) == (0.0, "written_off")
    read = collector.get("/api/v1/receivables/R-1").json()
    assert (read["stage"], read["balance"]) == ("written_off", 0.0)
    assert read["history"][-1]["to_stage"] == "written_off"
    assert [(w["id"], w["status"], w["amount"], w["reason"]) for w in read["writeoffs"]] == [
        (1, "approved", 50000.0, "insolvent")]
    closed = collector.post("/api/v1/receivables/R-1/writeoffs", json={"reason": "x"})
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "illegal_move")


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_page_form_proposes_and_a_refusal_is_inline(clients: Client, db: Engine) -> None:
    en = clients("li.na", web=True)
    with Session(db) as s:  # li.na takes C002 (R-4, USD) for the English page
        from sqlalchemy import update

        from ledger.models import Customer

        s.execute(update(Customer).where(Customer.code == "C002").values(collector="li.na"))
        s.commit()
    shown = en.get("/receivables/R-4")
    assert shown.status_code == 200
    assert 'id="form-writeoff"' in shown.text and 'value="20000.00"' in shown.text
    assert 'href="/writeoffs"' not in shown.text  # no queue link for a collector
    refused = en.post("/receivables/R-4/writeoffs", data={
        "amount": "25000", "reason": "customer vanished", "csrf_token": en.csrf})
    assert refused.status_code == 422
    assert 'id="form-writeoff-amount-error"' in refused.text
    assert "The amount must be more than 0 and at most the balance." in refused.text
    assert "20,000.00 USD" in refused.text  # the workflow's own words, with the balance
    assert 'value="25000"' in refused.text and 'value="customer vanished"' in refused.text
    done = en.post("/receivables/R-4/writeoffs", data={
        "amount": "", "reason": "customer vanished", "csrf_token": en.csrf},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/receivables/R-4")
    after = en.get(done.headers["location"])
    assert "Write-off proposed; it waits for a credit manager." in after.text
    assert 'id="writeoff-waiting"' in after.text and 'id="form-writeoff"' not in after.text
    assert en.get("/writeoffs").status_code == 403


def test_page_refusal_in_chinese(clients: Client) -> None:
    zh = clients("xiao.li", web=True)
    refused = zh.post("/receivables/R-3/writeoffs", data={
        "amount": "3000.00", "reason": " ", "csrf_token": zh.csrf})
    assert refused.status_code == 422
    assert 'id="form-writeoff-reason-error"' in refused.text
    assert "坏账核销" in refused.text and 'value="3000.00"' in refused.text


def test_credit_manager_approves_on_the_queue(clients: Client, db: Engine) -> None:
    collector = clients("xiao.li", "collector")
    assert collector.post("/api/v1/receivables/R-3/writeoffs",
                          json={"reason": "bankrupt"}).status_code == 201
    assert collector.post("/api/v1/receivables/R-2/writeoffs",
                          json={"reason": "short", "amount": "10"}).status_code == 201
    manager = clients("zhou", web=True)
    queue = manager.get("/worklist")
    assert 'href="/writeoffs"' in queue.text  # the menu's link
    page = manager.get("/writeoffs")
    assert page.status_code == 200
    assert 'id="form-approve-1"' in page.text and 'id="form-reject-2"' in page.text
    no_note = manager.post("/writeoffs/2/reject", data={"note": "", "csrf_token": manager.csrf})
    assert no_note.status_code == 422 and 'id="form-reject-2-note-error"' in no_note.text
    no_csrf = manager.post("/writeoffs/1/approve", data={"note": "ok"})
    assert no_csrf.status_code == 403
    approved = manager.post("/writeoffs/1/approve",
                            data={"note": "insolvency confirmed", "csrf_token": manager.csrf},
                            follow_redirects=False)
    assert approved.status_code == 303
    assert "R-3" in manager.get(approved.headers["location"]).text
    assert _receivable(db, "R-3").stage == "written_off"
    rejected = manager.post("/writeoffs/2/reject",
                            data={"note": "collect it", "csrf_token": manager.csrf},
                            follow_redirects=False)
    assert rejected.status_code == 303
    assert "collect it" in manager.get("/writeoffs?status=rejected").text
    shown = manager.get("/receivables/R-3")
    assert 'id="stage"' in shown.text and "Written off" in shown.text
    assert "insolvency confirmed" in shown.text  # the decision, on the receivable's block
    with Session(db) as s:
        actors = set(s.execute(select(Activity.actor).where(
            Activity.action.in_(["writeoff_approved", "writeoff_rejected"]))).scalars())
    assert actors == {"web:zhou"}
    # the KPIs of the last 90 days and the provision count it
    kpi = manager.get("/reports/kpi")
    assert re.search(r'id="kpi-written-off"><div class="stat">CN¥3,000\.00<small>Written off'
                     r' · write-offs: 1', kpi.text)
    provision = manager.get("/reports/provision")
    assert 'id="provision-written-off">CN¥3,000.00' in provision.text
