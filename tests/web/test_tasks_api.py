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
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people

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


def _task_id(db: Engine, invoice: str) -> int:
    from ledger.models import Receivable

    with Session(db) as s:
        return s.execute(select(Task.id).join(Receivable, Receivable.id == Task.receivable_id)
                         .where(Receivable.number == invoice)).scalar_one()


def test_tasks_come_by_priority_with_their_rule(as_token: Client) -> None:
    body = as_token("li.na", "collector").get("/api/v1/tasks").json()
    assert [t["invoice"] for t in body["items"]] == ["R-1", "R-2"]
    top = body["items"][0]
    assert top["rule_id"] == "stage:escalated" and top["kind"] == "call"
    assert top["stage"] == "escalated" and top["days_overdue"] == 83
    assert Decimal(str(top["balance_at_risk"])) == Decimal("50000.00")
    assert top["priority"] == 5_000_000 * 83
    assert body["total"] == 2 and body["next"] is None
    manager = as_token("zhou.mgr", "credit_manager")
    everyone = manager.get("/api/v1/tasks").json()
    assert [t["invoice"] for t in everyone["items"]] == ["R-1", "R-4", "R-2"]
    first = manager.get("/api/v1/tasks", params={"limit": 1}).json()
    assert first["total"] == 3 and "offset=1" in first["next"]
    assert manager.get("/api/v1/tasks", params={"customer": "C002"}).json()["total"] == 1
    assert manager.get("/api/v1/tasks", params={"assignee": "li.na"}).json()["total"] == 2
    assert manager.get("/api/v1/tasks", params={"kind": "legal_handover"}).json()["total"] == 0
    assert manager.get("/api/v1/tasks", params={"stage": "overdue"}).json()["total"] == 0
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
    assert [t["invoice"] for t in items] == [None, "R-1", "R-2"]
    assert Decimal(str(items[0]["balance_at_risk"])) == Decimal("58000.00")  # R-1 + R-2
    assert items[0]["days_overdue"] == 83 and items[0]["stage"] is None


def test_a_collector_cannot_see_another_collectors_task(as_token: Client, db: Engine) -> None:
    li = as_token("li.na", "collector")
    theirs = _task_id(db, "R-4")
    for response in (li.get(f"/api/v1/tasks/{theirs}"),
                     li.post(f"/api/v1/tasks/{theirs}/complete", json={"note": "x"})):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert li.get(f"/api/v1/tasks/{_task_id(db, 'R-1')}").json()["invoice"] == "R-1"
    with Session(db) as s:
        assert s.get(Task, theirs).status == "open"  # type: ignore[union-attr]


def test_complete_is_audited_and_happens_once(as_token: Client, db: Engine) -> None:
    li = as_token("li.na", "collector")
    task_id = _task_id(db, "R-1")
    done = li.post(f"/api/v1/tasks/{task_id}/complete", json={"note": "called, will pay"})
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["closed_on"] == DAY.isoformat()
    again = li.post(f"/api/v1/tasks/{task_id}/complete", json={"note": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "task_closed"
    with Session(db) as s:
        audit = s.execute(select(Activity).where(Activity.action == "task_completed")).scalars()
        rows = list(audit)
    assert [(a.actor, a.subject, a.details["note"]) for a in rows] == [
        ("api:li.na", "R-1", "called, will pay")]
    assert [t["invoice"] for t in li.get("/api/v1/tasks").json()["items"]] == ["R-2"]


def test_reassign_rules(as_token: Client, db: Engine) -> None:
    li, wang = as_token("li.na", "collector"), as_token("wang.wei", "collector")
    r1, r4 = _task_id(db, "R-1"), _task_id(db, "R-4")
    unknown = li.post(f"/api/v1/tasks/{r1}/reassign", json={"assignee": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json()["error"] == {"code": "unknown_assignee", "field": "assignee",
                                       "message": "'nobody' is not an active collector"}
    moved = li.post(f"/api/v1/tasks/{r1}/reassign", json={"assignee": "wang.wei"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "wang.wei"
    # no longer li.na's: she still sees it (her customer) but may not hand it on again
    refused = li.post(f"/api/v1/tasks/{r1}/reassign", json={"assignee": "zhou.mgr"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert [t["invoice"] for t in wang.get("/api/v1/tasks",
                                           params={"assignee": "wang.wei"}).json()["items"]
            ] == ["R-1", "R-4"]
    manager = as_token("zhou.mgr", "credit_manager")
    assert manager.post(f"/api/v1/tasks/{r4}/reassign",
                        json={"assignee": "li.na"}).json()["assignee"] == "li.na"
    with Session(db) as s:
        audit = [(a.actor, a.details["from"], a.details["to"]) for a in s.execute(
            select(Activity).where(Activity.action == "task_reassigned")
            .order_by(Activity.id)).scalars()]
    assert audit == [("api:li.na", "li.na", "wang.wei"), ("api:zhou.mgr", "wang.wei", "li.na")]
