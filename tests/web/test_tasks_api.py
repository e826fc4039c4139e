"""/api/v1/tasks: the worklist's order over the API, visibility, complete and reassign."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Activity, Customer, Task
from tests.people import make_token
from tests.web.portfolio import DAY, POLICY, TestClient, app_on_day, build, people
from workflows.actions import hand_over_to_legal

Client = Callable[[str, str], TestClient]


@pytest.fixture
def as_token(db_url: str, db: Engine, tmp_path: Path) -> Iterator[Client]:
    """A client with a bearer token named like the user (``as_token("li.na", "collector")``)."""
    build(db, tmp_path)
    people(db, ("li.na", "collector"), ("wang.wei", "collector"),
           ("zhou.mgr", "credit_manager"))
    app = app_on_day(db_url, db, tmp_path)
    clients: list[TestClient] = []

    def make(name: str, role: str) -> TestClient:
        client = TestClient(app, headers={"Authorization": f"Bearer {make_token(db, name, role)}"})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _task_id(db: Engine, customer: str, kind: str = "call") -> int:
    """The id of the customer's open task of ``kind`` (one per assignee: here just one)."""
    with Session(db) as s:
        return s.execute(select(Task.id).join(Customer, Customer.id == Task.customer_id)
                         .where(Customer.code == customer, Task.kind == kind,
                                Task.status == "open")).scalar_one()


def _hand_r1_to_legal(db: Engine) -> int:
    """R-1 handed to legal by hand: C001 gets a legal task assigned to the legal team."""
    stage = POLICY.stage("legal")
    assert stage is not None
    with Session(db) as s:
        hand_over_to_legal(s, "R-1", "no answer for months", DAY, "web:zhou.mgr",
                           tasks=stage.on_enter)
        s.commit()
    return _task_id(db, "C001", "legal_handover")


def test_tasks_come_by_priority_with_their_rule(as_token: Client) -> None:
    body = as_token("li.na", "collector").get("/api/v1/tasks").json()
    assert len(body["items"]) == 1 and body["total"] == 1 and body["next"] is None
    top = body["items"][0]  # escalated on DAY: one call task for C001
    assert top["customer_code"] == "C001" and top["customer"] == "C001"
    assert top["receivables"] == ["R-1", "R-2"] and top["invoice"] == "R-1"
    assert top["rule_id"] == "stage:escalated" and top["kind"] == "call"
    assert top["stage"] == "escalated" and top["days_overdue"] == 83  # R-1, the oldest
    assert Decimal(str(top["at_risk"])) == Decimal("58000.00")  # R-1 + R-2
    assert Decimal(str(top["balance_at_risk"])) == Decimal("58000.00")
    assert top["priority"] == 5_800_000 * 83
    manager = as_token("zhou.mgr", "credit_manager")
    everyone = manager.get("/api/v1/tasks").json()
    assert [(t["customer_code"], t["receivables"]) for t in everyone["items"]] == [
        ("C001", ["R-1", "R-2"]), ("C002", ["R-4"])]
    first = manager.get("/api/v1/tasks", params={"limit": 1}).json()
    assert first["total"] == 2 and "offset=1" in first["next"]
    assert manager.get("/api/v1/tasks", params={"customer": "C002"}).json()["total"] == 1
    assert manager.get("/api/v1/tasks", params={"assignee": "li.na"}).json()["total"] == 1
    assert manager.get("/api/v1/tasks", params={"kind": "legal_handover"}).json()["total"] == 0
    assert manager.get("/api/v1/tasks", params={"stage": "overdue"}).json()["total"] == 0
    assert manager.get("/api/v1/tasks", params={"status": "done"}).json()["total"] == 0
    for part, code in (("acme", "C002"), ("华东", "C001"), ("c00", None)):
        found = manager.get("/api/v1/tasks", params={"q": part}).json()["items"]
        assert [t["customer_code"] for t in found] == ([code] if code else ["C001", "C002"])
    bad = manager.get("/api/v1/tasks", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"


def test_a_customer_level_task_ranks_by_the_customers_overdue_balance(
        as_token: Client, db: Engine) -> None:
    with Session(db) as s:
        c001 = s.execute(select(Customer.id).where(Customer.code == "C001")).scalar_one()
        s.add(Task(kind="fix_contact_details", customer_id=c001, assignee="li.na",
                   due_date=DAY, created_on=DAY))
        s.commit()
    items = as_token("li.na", "collector").get("/api/v1/tasks").json()["items"]
    # same priority as the call task (R-1 + R-2, 83 days): the earlier due date first
    assert [(t["kind"], t["receivables"]) for t in items] == [
        ("fix_contact_details", []), ("call", ["R-1", "R-2"])]
    assert items[0]["invoice"] is None
    assert Decimal(str(items[0]["at_risk"])) == Decimal("58000.00")  # R-1 + R-2
    assert items[0]["days_overdue"] == 83 and items[0]["stage"] is None


def test_a_collector_cannot_see_another_collectors_task(as_token: Client, db: Engine) -> None:
    li = as_token("li.na", "collector")
    theirs = _task_id(db, "C002")
    for response in (li.get(f"/api/v1/tasks/{theirs}"),
                     li.post(f"/api/v1/tasks/{theirs}/complete", json={"note": "x"})):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    mine = li.get(f"/api/v1/tasks/{_task_id(db, 'C001')}").json()
    assert mine["customer_code"] == "C001" and mine["receivables"] == ["R-1", "R-2"]
    with Session(db) as s:
        assert s.get(Task, theirs).status == "open"  # type: ignore[union-attr]


def test_complete_is_audited_on_the_customer_and_happens_once(as_token: Client,
                                                              db: Engine) -> None:
    li = as_token("li.na", "collector")
    task_id = _task_id(db, "C001")
    done = li.post(f"/api/v1/tasks/{task_id}/complete", json={"note": "called, will pay"})
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["closed_on"] == DAY.isoformat()
    assert done.json()["receivables"] == ["R-1", "R-2"]  # what it was about, still shown
    again = li.post(f"/api/v1/tasks/{task_id}/complete", json={"note": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "task_closed"
    with Session(db) as s:
        audit = s.execute(select(Activity).where(Activity.action == "task_completed")).scalars()
        rows = [(a.actor, a.entity, a.subject, a.details["note"], a.details["receivables"])
                for a in audit]
    assert rows == [("api:li.na", "customer", "C001", "called, will pay", ["R-1", "R-2"])]
    assert li.get("/api/v1/tasks").json()["items"] == []
    closed = li.get("/api/v1/tasks", params={"status": "done"}).json()["items"]
    assert [t["id"] for t in closed] == [task_id]


def test_only_the_assignee_or_a_manager_completes_the_legal_teams_task(
        as_token: Client, db: Engine) -> None:
    legal = _hand_r1_to_legal(db)
    li = as_token("li.na", "collector")
    seen = li.get(f"/api/v1/tasks/{legal}").json()  # on her customer: she sees it
    assert seen["assignee"] == "legal" and seen["receivables"] == ["R-1"]
    refused = li.post(f"/api/v1/tasks/{legal}/complete", json={"note": "done it myself"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "legal" in refused.json()["error"]["message"]
    handed = li.post(f"/api/v1/tasks/{legal}/reassign", json={"assignee": "li.na"})
    assert handed.status_code == 403 and handed.json()["error"]["code"] == "forbidden"
    with Session(db) as s:
        assert s.get(Task, legal).status == "open"  # type: ignore[union-attr]
        assert s.execute(select(Activity).where(
            Activity.action.in_(("task_completed", "task_reassigned")))).first() is None
    manager = as_token("zhou.mgr", "credit_manager")
    done = manager.post(f"/api/v1/tasks/{legal}/complete", json={"note": "filed"})
    assert done.status_code == 200 and done.json()["status"] == "done"


def test_reassign_rules(as_token: Client, db: Engine) -> None:
    li, wang = as_token("li.na", "collector"), as_token("wang.wei", "collector")
    c001, c002 = _task_id(db, "C001"), _task_id(db, "C002")
    unknown = li.post(f"/api/v1/tasks/{c001}/reassign", json={"assignee": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json()["error"] == {"code": "unknown_assignee", "field": "assignee",
                                       "message": "'nobody' is not an active collector"}
    moved = li.post(f"/api/v1/tasks/{c001}/reassign", json={"assignee": "wang.wei"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "wang.wei"
    # no longer li.na's: she still sees it (her customer) but may not hand it on again
    refused = li.post(f"/api/v1/tasks/{c001}/reassign", json={"assignee": "zhou.mgr"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert [t["customer_code"] for t in wang.get(
        "/api/v1/tasks", params={"assignee": "wang.wei"}).json()["items"]] == ["C001", "C002"]
    manager = as_token("zhou.mgr", "credit_manager")
    assert manager.post(f"/api/v1/tasks/{c002}/reassign",
                        json={"assignee": "li.na"}).json()["assignee"] == "li.na"
    with Session(db) as s:
        audit = [(a.actor, a.subject, a.details["from"], a.details["to"]) for a in s.execute(
            select(Activity).where(Activity.action == "task_reassigned")
            .order_by(Activity.id)).scalars()]
    assert audit == [("api:li.na", "C001", "li.na", "wang.wei"),
                     ("api:zhou.mgr", "C002", "wang.wei", "li.na")]
