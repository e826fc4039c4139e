"""Forms that used to land on the error page now answer on their own page, the message on
the form in the user's language and what was typed kept: the held orders' release and
reject, a task's complete and reassign (a collector's refusal too), a policy draft's
buttons, and the sign-in form (the name kept, never the password). On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.db import session_scope
from ledger.models import SalesOrder, Task
from tests.people import make_user, web_sign_in
from tests.web.forms_html import form_html as _form
from tests.web.forms_html import input_value as _value
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in
from tests.web.test_credit_pages import MANAGER, POLICY, app_settings, post, today, web  # noqa: F401
from tests.web.test_policy_pages import upload
from workflows import orders


def test_a_held_order_refused_comes_back_on_its_form(web, db) -> None:  # noqa: F811
    with session_scope(db) as s:  # over C002's limit: held
        orders.add(s, POLICY, "C002", Decimal("250000.00"), "SO-1", today(web), "api:erp")
    make_user(db, "chen.jing", "credit_manager", language="zh-CN")
    csrf = web_sign_in(web, MANAGER)
    refused = post(web, "/orders/SO-1/reject", csrf, reason="   ")
    assert refused.status_code == 422
    form = _form(refused.text, "order-SO-1-reject")
    assert 'id="order-SO-1-reject-reason-error"' in form and "reason_required" in form
    assert "Say why: a reason is required." in form and 'aria-invalid="true"' in form
    assert _value(_form(refused.text, "order-SO-1-release"), "note") == ""
    with Session(db) as s:
        assert s.execute(select(SalesOrder.status)).scalar_one() == "held"

    web.post("/logout", data={"csrf_token": csrf})
    csrf = web_sign_in(web, "chen.jing")
    in_chinese = post(web, "/orders/SO-1/reject", csrf, reason="")
    assert "请填写原因。" in _form(in_chinese.text, "order-SO-1-reject")
    assert post(web, "/orders/SO-1/release", csrf, note="担保已到").status_code == 303
    again = post(web, "/orders/SO-1/release", csrf, note="再次放行")
    assert again.status_code == 409 and "<h1>" in again.text  # the held orders page
    assert 'role="alert"' in again.text and "SO-1" in again.text
    missing = post(web, "/orders/SO-9/release", csrf)
    assert missing.status_code == 404 and "找不到，或无权查看。" in missing.text


def test_a_closed_draft_is_said_on_its_page(web) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    text = web.app.state.policy.files["warnings.yaml"].replace("> 0.2", "> 0.25")
    draft_url = upload(web, csrf, {"warnings.yaml": text}).headers["location"]
    assert post(web, f"{draft_url}/discard", csrf).status_code == 303
    again = post(web, f"{draft_url}/publish", csrf)
    assert again.status_code == 409 and "draft_closed" in again.text
    assert 'id="preview"' not in again.text and "<h1>" in again.text  # the draft page


def test_a_failed_sign_in_keeps_the_name_not_the_password(web, db) -> None:  # noqa: F811
    form = web.get("/login")  # li.na is a collector of the credit pages' fixture
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    failed = web.post("/login", data={"name": "li.na", "password": "not-it-at-all",
                                      "csrf_token": token.group(1)}, follow_redirects=False)
    assert failed.status_code == 401
    assert "用户名或密码错误。" in failed.text  # no Accept-Language: Chinese
    assert _value(failed.text, "name") == "li.na" and "not-it-at-all" not in failed.text
    assert web_sign_in(web, "li.na")  # the form still signs in


@pytest.fixture
def collectors(db_url: str, db: Engine, tmp_path: Path) -> Iterator[TestClient]:
    build(db, tmp_path)
    people(db, ("li.na", "collector"), ("wang.wei", "collector"))
    with Session(db) as s:  # someone else's task on li.na's customer
        s.add(Task(kind="legal_handover", customer_id=1, assignee="wang.wei", due_date=DAY,
                   created_on=DAY))
        s.commit()
    with TestClient(app_on_day(db_url, db, tmp_path)) as client:
        yield client


def _task(db: Engine, kind: str) -> Task:
    with Session(db) as s:
        return s.execute(select(Task).where(Task.kind == kind, Task.customer_id == 1)
                         ).scalar_one()


def test_task_forms_refused_come_back_on_their_page(collectors, db) -> None:
    csrf = sign_in(collectors, "li.na")
    own, theirs = _task(db, "call"), _task(db, "legal_handover")
    nobody = collectors.post(f"/tasks/{own.id}/reassign",
                             data={"csrf_token": csrf, "assignee": "", "back": "/worklist?q=C0"})
    assert nobody.status_code == 422
    form = _form(nobody.text, f"task-{own.id}-reassign")
    assert f'id="task-{own.id}-reassign-assignee-error"' in form
    assert "Choose whom to give it to." in form
    assert 'name="q" value="C0"' in nobody.text  # the worklist as it was filtered

    forbidden = collectors.post(f"/tasks/{theirs.id}/complete",
                                data={"csrf_token": csrf, "note": "done it myself",
                                      "back": "/customers/C001"})
    assert forbidden.status_code == 403
    assert "<h1>C001" in forbidden.text  # the customer page, not the error page
    form = _form(forbidden.text, f"task-{theirs.id}-complete")
    assert "forbidden" in form and "assigned to wang.wei" in form
    assert _value(form, "note") == "done it myself"
    assert _task(db, "legal_handover").status == "open"
    no_csrf = collectors.post(f"/tasks/{own.id}/complete", data={"note": "x"})
    assert no_csrf.status_code == 403 and f'id="task-{own.id}-complete"' not in no_csrf.text
