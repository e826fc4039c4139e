"""The worklist's bulk form on both databases: reassign, complete and pause reminders for
the ticked rows in one transaction; each row checked as its own form would be (a
collector only their own tasks and customers, a credit manager any); a refused row is
counted in the notice (its reason shown when it is tried alone), not a 500; nothing
ticked or a missing reason comes back on the form with the ticks and inputs kept; no CSRF
token, nothing happens."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Activity, Customer, Task
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    """DAY's portfolio (li.na's C001 and wang.wei's C002 each with a call task), and:
    li.na's C003 with a contact to fix; wang.wei's legal task on C001; a task of
    li.na's on C002 (wang.wei's customer)."""
    build(db, tmp_path)
    people(db, ("li.na", "collector"), ("wang.wei", "collector"),
           ("zhou.mgr", "credit_manager"))
    with Session(db) as s:
        s.add(Customer(code="C003", name="深圳南山贸易有限公司", collector="li.na"))
        s.flush()
        s.add_all([Task(kind="fix_contact_details", customer_id=3, assignee="li.na",
                        due_date=DAY, created_on=DAY),
                   Task(kind="legal_handover", customer_id=1, assignee="wang.wei",
                        due_date=DAY, created_on=DAY),
                   Task(kind="report_to_insurer", customer_id=2, assignee="li.na",
                        due_date=DAY, created_on=DAY)])
        s.commit()
    return app_on_day(db_url, db, tmp_path)


def _task(db: Engine, kind: str, customer: int) -> Task:
    with Session(db) as s:
        return s.execute(select(Task).where(Task.kind == kind, Task.customer_id == customer)
                         ).scalar_one()


def _bulk(browser: TestClient, csrf: str, tasks: list[Task], **fields: str):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"task": [str(t.id) for t in tasks], "back": "/worklist",
                               **fields}
    if csrf:
        data["csrf_token"] = csrf
    return browser.post("/worklist/bulk", data=data, follow_redirects=False)


def _notice(browser: TestClient, answer) -> str:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.text
    page = browser.get(answer.headers["location"]).text
    found = re.search(r'<p class="flash" role="status">(.*?)</p>', page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def _form(page: str) -> str:
    found = re.search(r'<form class="bulk card" id="bulk".*?</form>', page, re.S)
    assert found is not None
    return found.group(0)


def test_reassign_then_complete_the_ticked_rows(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    call, fix = _task(db, "call", 1), _task(db, "fix_contact_details", 3)
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        page = browser.get("/worklist").text
        assert f'name="task" value="{call.id}" form="bulk"' in page
        assert 'id="select-page"' in page
        notice = _notice(browser, _bulk(browser, csrf, [call, fix], action="reassign",
                                        assignee="wang.wei"))
        assert notice == "2 task(s) reassigned to wang.wei."
    assert (_task(db, "call", 1).assignee, _task(db, "fix_contact_details", 3).assignee) == (
        "wang.wei", "wang.wei")
    with TestClient(app) as browser:
        csrf = sign_in(browser, "wang.wei")
        notice = _notice(browser, _bulk(browser, csrf, [call, fix], action="complete",
                                        note="all settled by phone"))
        assert notice == "2 task(s) completed."
    done = _task(db, "call", 1)
    assert (done.status, done.closed_on, done.note) == ("done", DAY, "all settled by phone")
    with Session(db) as s:
        actions = s.execute(select(Activity.action, Activity.actor).where(
            Activity.action.in_(("task_reassigned", "task_completed")))
            .order_by(Activity.id)).all()
    assert [tuple(a) for a in actions] == [
        ("task_reassigned", "web:li.na"), ("task_reassigned", "web:li.na"),
        ("task_completed", "web:wang.wei"), ("task_completed", "web:wang.wei")]


def test_a_collector_cannot_bulk_complete_anothers_task(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    own, theirs = _task(db, "call", 1), _task(db, "legal_handover", 1)
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        notice = _notice(browser, _bulk(browser, csrf, [own, theirs], action="complete",
                                        note="called"))
        assert notice == ("1 task(s) completed. 1 not changed (left as they were): "
                          "try one on its own to see why.")
        assert _task(db, "legal_handover", 1).status == "open"
        assert _task(db, "call", 1).status == "done"
        alone = _bulk(browser, csrf, [theirs], action="complete", note="mine now")
        assert alone.status_code == 403  # on the worklist, the form's message, not a 500
        form = _form(alone.text)
        assert "You may not do this" in form and "assigned to wang.wei" in form
        assert re.search(r'name="note"[^>]*value="mine now"', form)
        assert _task(db, "legal_handover", 1).status == "open"
    with TestClient(app) as browser:  # a credit manager may complete anyone's
        csrf = sign_in(browser, "zhou.mgr")
        assert _notice(browser, _bulk(browser, csrf, [theirs], action="complete")) == (
            "1 task(s) completed.")
    assert _task(db, "legal_handover", 1).status == "done"


def test_pause_reminders_for_the_rows_customers(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    c001, c003 = _task(db, "call", 1), _task(db, "fix_contact_details", 3)
    on_c002 = _task(db, "report_to_insurer", 2)  # li.na's task, wang.wei's customer
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        notice = _notice(browser, _bulk(browser, csrf, [c001, c003, on_c002], action="pause",
                                        until="2026-12-31", reason="春节前对账"))
        assert notice.startswith("Reminders paused for 2 customer(s). 1 not changed ")
    with Session(db) as s:
        paused = dict(s.execute(select(Customer.code, Customer.reminders_paused_until)
                                .where(Customer.reminders_paused.is_(True))).all())
        audit = s.execute(select(Activity.subject, Activity.actor).where(
            Activity.action == "reminders_paused").order_by(Activity.id)).all()
    assert set(paused) == {"C001", "C003"} and str(paused["C001"]) == "2026-12-31"
    assert [tuple(a) for a in audit] == [("C001", "web:li.na"), ("C003", "web:li.na")]


def test_a_bad_bulk_form_comes_back_with_its_input(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    c001, c003 = _task(db, "call", 1), _task(db, "fix_contact_details", 3)
    with TestClient(app) as browser:
        csrf = sign_in(browser, "li.na")
        nothing = _bulk(browser, csrf, [], action="pause", reason="盘点")
        assert nothing.status_code == 422
        form = _form(nothing.text)
        assert 'id="bulk-task-error"' in form and "Select at least one row." in form
        assert re.search(r'name="reason"[^>]*value="盘点"', form)
        assert '<option value="pause" selected>' in form
        no_reason = _bulk(browser, csrf, [c001, c003], action="pause", until="2026-12-31")
        assert no_reason.status_code == 422
        assert 'id="bulk-reason-error"' in _form(no_reason.text)
        for task in (c001, c003):  # the rows stay ticked
            assert f'name="task" value="{task.id}" form="bulk" ' in no_reason.text
            assert re.search(rf'value="{task.id}" form="bulk"[^>]* checked', no_reason.text)
        past = _bulk(browser, csrf, [c001, c003], action="pause", until="2026-11-01",
                     reason="盘点")
        assert past.status_code == 422 and 'id="bulk-until-error"' in _form(past.text)
        bad_day = _bulk(browser, csrf, [c001], action="pause", until="31/12", reason="盘点")
        assert bad_day.status_code == 422 and "invalid_date" in _form(bad_day.text)
        nobody = _bulk(browser, csrf, [c001], action="reassign")
        assert 'id="bulk-assignee-error"' in _form(nobody.text)
        stranger = _bulk(browser, csrf, [c001], action="reassign", assignee="ghost")
        assert stranger.status_code == 422 and "Not an active collector." in _form(stranger.text)
        no_csrf = _bulk(browser, "", [c001, c003], action="complete")
        assert no_csrf.status_code == 403 and 'id="bulk"' not in no_csrf.text
    with Session(db) as s:
        assert not s.execute(select(Customer.id).where(
            Customer.reminders_paused.is_(True))).first()
    assert (_task(db, "call", 1).status, _task(db, "call", 1).assignee) == ("open", "li.na")
