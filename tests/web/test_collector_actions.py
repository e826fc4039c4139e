"""Collector actions over the API and as page forms: each audited with its actor, each
refusal a stable code with nothing written, and only on the caller's own customers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import (
    Activity,
    Customer,
    Outbox,
    Promise,
    Receivable,
    StageChange,
    Task,
    TaskReceivable,
)
from tests.people import make_token
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    build(db, tmp_path, mail=True)  # DAY's reminders are queued, not sent
    people(db, ("li.na", "collector"), ("wang.wei", "collector"))
    return app_on_day(db_url, db, tmp_path)


@pytest.fixture
def li(app, db: Engine) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {make_token(db, 'li.na', 'collector')}"}
    with TestClient(app, headers=headers) as client:
        yield client


def _audit(db: Engine, action: str) -> list[Activity]:
    with Session(db) as s:
        return list(s.execute(select(Activity).where(Activity.action == action)
                              .order_by(Activity.id)).scalars())


def _receivable(db: Engine, number: str) -> Receivable:
    with Session(db) as s:
        return s.execute(select(Receivable).where(Receivable.number == number)).scalar_one()


def _call_task(db: Engine, customer: str) -> int:
    """The id of the customer's call task (one per customer: R-1 and R-2 share C001's)."""
    with Session(db) as s:
        return s.execute(select(Task.id).join(Customer, Customer.id == Task.customer_id)
                         .where(Customer.code == customer, Task.kind == "call")).scalar_one()


def _count(db: Engine, model: type) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_call_and_note_are_audited_with_the_caller(li: TestClient, db: Engine) -> None:
    call = li.post("/api/v1/receivables/R-1/calls",
                   json={"outcome": "left_message", "note": "AP clerk out"})
    assert call.status_code == 200 and call.json()["stage"] == "escalated"
    assert li.post("/api/v1/receivables/R-1/notes", json={"text": "CFO is Ms Wu"}
                   ).status_code == 200
    call_task = _call_task(db, "C001")
    [logged] = _audit(db, "call_logged")
    assert (logged.actor, logged.subject, logged.details) == (
        "api:li.na", "R-1", {"outcome": "left_message", "note": "AP clerk out",
                             "tasks_completed": [call_task]})
    with Session(db) as s:  # the call (any outcome) completed C001's call task
        task = s.get(Task, call_task)
        assert task is not None
        assert (task.status, task.closed_on, task.note) == (
            "done", DAY, "call: left_message - AP clerk out")
    [completed] = _audit(db, "task_completed")
    assert (completed.actor, completed.subject, completed.details["receivables"]) == (
        "api:li.na", "C001", ["R-1", "R-2"])
    assert _audit(db, "note_added")[0].details == {"note": "CFO is Ms Wu"}
    bad = li.post("/api/v1/receivables/R-1/calls", json={"outcome": "busy"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "outcome"
    assert li.post("/api/v1/receivables/R-1/notes", json={"text": ""}).status_code == 422
    nul = li.post("/api/v1/receivables/R-1/notes", json={"text": "a\x00b"})
    assert nul.status_code == 422 and nul.json()["error"]["code"] == "invalid_input"
    assert li.get("/api/v1/tasks/99999999999").json()["error"]["code"] == "invalid_input"
    assert len(_audit(db, "call_logged")) == 1 and len(_audit(db, "note_added")) == 1


def test_promise_withdraws_queued_mail_and_refuses_bad_input(li: TestClient, db: Engine) -> None:
    before = _count(db, Promise)
    past = li.post("/api/v1/receivables/R-2/promises",
                   json={"date": (DAY - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and past.json()["error"]["code"] == "invalid_input"
    too_much = li.post("/api/v1/receivables/R-2/promises",
                       json={"date": "2026-12-01", "amount": "8000.01"})
    assert too_much.status_code == 422
    cents = li.post("/api/v1/receivables/R-2/promises",
                    json={"date": "2026-12-01", "amount": "1.001"})
    assert cents.json()["error"]["code"] == "invalid_amount"
    assert _count(db, Promise) == before
    ok = li.post("/api/v1/receivables/R-2/promises", json={"date": "2026-12-01", "amount": 4000})
    assert ok.status_code == 200
    with Session(db) as s:
        promise = s.execute(select(Promise)).scalar_one()
        statuses = set(s.execute(select(Outbox.status)
                                 .join(Customer, Customer.id == Outbox.customer_id)
                                 .where(Customer.code == "C001")).scalars())
    assert (str(promise.amount), promise.promised_date.isoformat()) == ("4000.00", "2026-12-01")
    assert statuses == {"cancelled"}  # C001's queued statement carried R-2: withdrawn
    assert _audit(db, "promise_recorded")[0].actor == "api:li.na"


def test_dispute_holds_and_resolve_returns(li: TestClient, db: Engine) -> None:
    opened = li.post("/api/v1/receivables/R-1/disputes", json={"reason": "wrong price"})
    assert opened.json()["stage"] == "disputed"
    again = li.post("/api/v1/receivables/R-1/disputes", json={"reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_move"
    assert li.post("/api/v1/receivables/R-1/disputes/resolve", json={"note": "credit note"}
                   ).json()["stage"] == "escalated"
    assert [a.actor for a in _audit(db, "dispute")] == ["api:li.na"]


def test_legal_hand_over_walks_every_stage_and_opens_the_legal_task(
        li: TestClient, db: Engine) -> None:
    moved = li.post("/api/v1/receivables/R-3/legal", json={"note": "no reply in 60 days"})
    assert moved.status_code == 200 and moved.json()["stage"] == "legal"
    rid = _receivable(db, "R-3").id
    with Session(db) as s:
        steps = [(c.from_stage, c.to_stage, c.rule_id, c.actor) for c in s.execute(
            select(StageChange).where(StageChange.receivable_id == rid)
            .where(StageChange.actor == "api:li.na").order_by(StageChange.id)).scalars()]
        task = s.execute(select(Task).where(Task.kind == "legal_handover")).scalar_one()
        linked = list(s.execute(select(TaskReceivable.receivable_id)
                                .where(TaskReceivable.task_id == task.id)).scalars())
    assert steps == [("due_soon", "overdue", "manual-legal", "api:li.na"),
                     ("overdue", "escalated", "manual-legal", "api:li.na"),
                     ("escalated", "legal", "manual-legal", "api:li.na")]
    assert (task.kind, task.assignee, task.due_date, task.customer_id, linked) == (
        "legal_handover", "legal", DAY + timedelta(days=5), _receivable(db, "R-3").customer_id,
        [rid])
    assert _audit(db, "legal_handover")[0].details["steps"] == ["overdue", "escalated", "legal"]
    again = li.post("/api/v1/receivables/R-3/legal", json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_move"


def test_pause_and_resume_reminders(li: TestClient, db: Engine) -> None:
    paused = li.post("/api/v1/customers/C001/pause",
                     json={"reason": "restructuring", "until": "2026-12-31"})
    assert paused.json() == {"code": "C001", "reminders_paused": True,
                             "reminders_paused_until": "2026-12-31",
                             "pause_reason": "restructuring"}
    past = li.post("/api/v1/customers/C001/pause", json={"reason": "x", "until": "2026-11-01"})
    assert past.status_code == 422
    assert li.post("/api/v1/customers/C001/resume").json()["reminders_paused"] is False
    twice = li.post("/api/v1/customers/C001/resume")
    assert twice.status_code == 422 and twice.json()["error"]["code"] == "invalid_input"


def test_another_collectors_customer_is_not_found_and_untouched(
        li: TestClient, db: Engine) -> None:
    for path, body in (("/api/v1/receivables/R-4/calls", {"outcome": "reached"}),
                       ("/api/v1/receivables/R-4/disputes", {"reason": "x"}),
                       ("/api/v1/receivables/R-4/legal", {}),
                       ("/api/v1/receivables/NOPE/notes", {"text": "x"}),
                       ("/api/v1/customers/C002/pause", {"reason": "x"})):
        response = li.post(path, json=body)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert _receivable(db, "R-4").stage == "escalated"
    assert _audit(db, "call_logged") == [] and _audit(db, "reminders_paused") == []


def test_page_forms_act_redirect_with_a_notice_and_need_the_csrf_token(
        app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        form = {"csrf_token": csrf, "outcome": "reached", "note": "will pay Friday"}
        done = browser.post("/receivables/R-1/calls", data=form, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"].startswith("/receivables/R-1?done=")
        assert "will pay Friday" in browser.get(done.headers["location"]).text
        forged = browser.post("/receivables/R-1/notes", data={"text": "forged"},
                              follow_redirects=False)
        assert forged.status_code == 403
        promise = browser.post("/receivables/R-1/promises",
                               data={"csrf_token": csrf, "date": "2026-12-04", "amount": ""},
                               follow_redirects=False)
        assert promise.status_code == 303
        bad_date = browser.post("/receivables/R-1/promises",
                                data={"csrf_token": csrf, "date": "soon"})
        assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.text
        other = browser.post("/customers/C002/pause", data={"csrf_token": csrf, "reason": "x"})
        assert other.status_code == 404
        # the call completed C001's call task: nothing left open on her list
        assert browser.get("/api/v1/tasks").json()["items"] == []
        with Session(db) as s:
            c001 = s.execute(select(Customer.id).where(Customer.code == "C001")).scalar_one()
            mine = Task(kind="fix_contact_details", customer_id=c001, assignee="li.na",
                        due_date=DAY, created_on=DAY)
            s.add(mine)
            s.commit()
            task_id = mine.id
        completed = browser.post(f"/tasks/{task_id}/complete",
                                 data={"csrf_token": csrf, "note": "done", "back": "/worklist"},
                                 follow_redirects=False)
        assert completed.headers["location"].startswith("/worklist?done=")
    assert [a.actor for a in _audit(db, "call_logged")] == ["web:li.na"]
    assert _audit(db, "note_added") == [] and len(_audit(db, "promise_recorded")) == 1
    assert [(a.actor, a.details["task_id"]) for a in _audit(db, "task_completed")] == [
        ("web:li.na", _call_task(db, "C001")), ("web:li.na", task_id)]


def test_a_collector_completing_the_legal_teams_task_is_refused_on_the_form(
        app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        handed = browser.post("/receivables/R-1/legal",
                              data={"csrf_token": csrf, "note": "no reply"},
                              follow_redirects=False)
        assert handed.status_code == 303
        with Session(db) as s:
            legal = s.execute(select(Task).where(Task.kind == "legal_handover")).scalar_one()
        assert legal.assignee == "legal"
        back = "/receivables/R-1"
        refused = browser.post(f"/tasks/{legal.id}/complete",
                               data={"csrf_token": csrf, "note": "I did it", "back": back})
        assert refused.status_code == 403  # the page again, the refusal beside the form
        assert 'id="timeline"' in refused.text  # the receivable page, not an error page
        shown = re.search(rf'id="task-{legal.id}-complete-error">(.*?)</p>', refused.text, re.S)
        assert shown is not None and "someone else" in shown.group(1)
        assert "forbidden" in shown.group(1) and "assigned to legal" in shown.group(1)
        assert 'value="I did it"' in refused.text  # what was typed is kept
    with Session(db) as s:
        task = s.get(Task, legal.id)
        assert task is not None and task.status == "open"
    assert _audit(db, "task_completed") == []


def test_a_call_on_the_customer_page_completes_its_call_task(
        app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        before = browser.get("/customers/C001").text
        tasks = before[before.index('id="tasks"'):]
        assert "R-1, R-2" in tasks[:tasks.index("</table>")]  # the task names its invoices
        bad = browser.post("/customers/C001/calls",
                           data={"csrf_token": csrf, "outcome": "shouted", "note": "x"})
        assert bad.status_code == 422 and 'id="form-call"' in bad.text
        assert 'value="x"' in bad.text  # the note kept beside the refusal
        done = browser.post("/customers/C001/calls",
                            data={"csrf_token": csrf, "outcome": "no_answer", "note": ""},
                            follow_redirects=False)
        assert done.headers["location"].startswith("/customers/C001?done=")
        assert browser.get("/api/v1/tasks").json()["items"] == []
        api = browser.post("/api/v1/customers/C001/calls", json={"outcome": "reached"},
                           headers={"X-CSRF-Token": csrf})
        assert api.status_code == 200 and api.json()["code"] == "C001"
    calls = _audit(db, "call_logged")
    assert [(a.entity, a.subject, a.details["outcome"]) for a in calls] == [
        ("customer", "C001", "no_answer"), ("customer", "C001", "reached")]
    assert calls[0].details["tasks_completed"] == [_call_task(db, "C001")]
