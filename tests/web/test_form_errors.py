"""A refused page form answers with the same page: the refusal's status, the message beside
the form (in the user's language where the code has a fixed text), what was typed kept in
the inputs, nothing written. On both databases."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from arflow.settings import Settings
from arflow.web import create_app
from ledger.models import Activity, CreditChange, Promise, User
from tests.factories import seed_customers
from tests.people import make_user, web_sign_in
from tests.web.forms_html import form_html as _form
from tests.web.forms_html import input_value as _value
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in

ROOT = Path(__file__).resolve().parents[2]


def _count(db: Engine, model: type) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def collectors(db_url: str, db: Engine, tmp_path: Path) -> Iterator[TestClient]:
    build(db, tmp_path)
    people(db, ("li.na", "collector"))
    people(db, ("chen.jing", "credit_manager"), language="zh-CN")
    with TestClient(app_on_day(db_url, db, tmp_path)) as client:
        yield client


def test_a_promise_over_the_balance_is_shown_on_the_receivable_page(collectors, db) -> None:
    csrf = sign_in(collectors, "li.na")
    before = _count(db, Promise)
    promised = (DAY + timedelta(days=10)).isoformat()
    refused = collectors.post("/receivables/R-2/promises",
                              data={"csrf_token": csrf, "date": promised, "amount": "8,000.01"})
    assert refused.status_code == 422
    assert "<h1>" in refused.text and "R-2" in refused.text  # the receivable page itself
    form = _form(refused.text, "form-promise")
    assert 'id="form-promise-amount-error"' in form
    assert "The amount must be more than 0 and at most the balance." in form
    assert "invalid_input" in form  # the code and the workflow's words:
    assert "8,000.01 is more than the 8,000.00 owed on the invoices covered" in form
    assert _value(form, "amount") == "8,000.01" and _value(form, "date") == promised
    assert 'aria-invalid="true"' in form
    assert _count(db, Promise) == before
    # the page's other forms (language, tasks) lead back to the page, not to the post
    assert 'name="back" value="/receivables/R-2"' in refused.text
    assert 'name="back" value="/receivables/R-2/' not in refused.text
    # the other forms are empty, and a good promise still goes through
    assert _value(_form(refused.text, "form-call"), "note") == ""
    done = collectors.post("/receivables/R-2/promises",
                           data={"csrf_token": csrf, "date": promised, "amount": "8000"},
                           follow_redirects=False)
    assert done.status_code == 303 and _count(db, Promise) == before + 1


def test_the_message_is_in_the_users_language(collectors) -> None:
    csrf = sign_in(collectors, "chen.jing")
    refused = collectors.post("/receivables/R-2/promises",
                              data={"csrf_token": csrf, "date": DAY.isoformat(),
                                    "amount": "12.345"})
    assert refused.status_code == 422
    form = _form(refused.text, "form-promise")
    assert "不是有效金额" in form and "invalid_amount" in form
    assert _value(form, "amount") == "12.345"
    # a code without a fixed text shows the refusal's own message (a bad date here)
    bad_date = collectors.post("/receivables/R-2/promises",
                               data={"csrf_token": csrf, "date": "soon", "amount": "10"})
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in _form(bad_date.text, "form-promise")


def test_a_refused_task_form_shows_the_page_it_came_from(collectors) -> None:
    csrf = sign_in(collectors, "li.na")
    task_id = collectors.get("/api/v1/tasks").json()["items"][0]["id"]
    done = collectors.post(f"/tasks/{task_id}/complete",
                           data={"csrf_token": csrf, "note": "done", "back": "/worklist"},
                           follow_redirects=False)
    assert done.status_code == 303
    again = collectors.post(f"/tasks/{task_id}/complete",
                            data={"csrf_token": csrf, "note": "twice", "back": "/worklist"})
    assert again.status_code == 409
    assert "<h1>" in again.text and 'class="filters"' in again.text  # the worklist page
    assert "This task is already closed." in again.text and "task_closed" in again.text
    assert 'name="back" value="/tasks/' not in again.text  # the forms lead back, not here


@pytest.fixture
def credit(db_url: str, db: Engine, tmp_path: Path) -> Iterator[TestClient]:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    settings = Settings(home=tmp_path, database_url=db_url, policy_dir=tmp_path / "rules",
                        timezone="Asia/Shanghai")
    seed_customers(db, tmp_path)
    make_user(db, "zhou.min", "credit_manager")
    with TestClient(create_app(settings, db)) as client:
        yield client


def test_an_override_without_a_reason_is_shown_on_the_credit_file(credit, db) -> None:
    csrf = web_sign_in(credit, "zhou.min")
    until = "2099-01-31"
    refused = credit.post("/credit/C001/override",
                          data={"csrf_token": csrf, "limit": "650,000.00", "reason": " ",
                                "until": until})
    assert refused.status_code == 422
    assert "on_time_rate" in refused.text  # the credit file page itself
    form = _form(refused.text, "form-override")
    assert 'id="form-override-reason-error"' in form
    assert "Say why: a reason is required." in form and "reason_required" in form
    assert _value(form, "limit") == "650,000.00" and _value(form, "until") == until
    assert _count(db, CreditChange) == 0
    bad = credit.post("/credit/C001/override",
                      data={"csrf_token": csrf, "limit": "12.345", "reason": "bank guarantee",
                            "until": until})
    assert bad.status_code == 422
    form = _form(bad.text, "form-override")
    assert 'id="form-override-limit-error"' in form and "invalid_amount" in form
    assert _value(form, "limit") == "12.345" and _value(form, "reason") == "bank guarantee"


@pytest.fixture
def admin(settings: Settings, db: Engine) -> Iterator[TestClient]:
    make_user(db, "admin.zhao", "admin")
    with TestClient(create_app(settings, db)) as client:
        yield client


def test_a_user_with_a_bad_name_is_shown_on_the_users_page(admin, db) -> None:
    csrf = web_sign_in(admin, "admin.zhao")
    refused = admin.post("/admin/users", data={"csrf_token": csrf, "name": "wang wei",
                                               "role": "credit_manager", "language": "en",
                                               "password": "long-enough-1"})
    assert refused.status_code == 422
    assert 'id="user-admin.zhao"' in refused.text  # the users page itself
    form = _form(refused.text, "form-user-add")
    assert 'id="form-user-add-name-error"' in form
    assert "A name is 1 to 64 characters without spaces." in form and "invalid_name" in form
    assert _value(form, "name") == "wang wei"
    assert '<option value="credit_manager" selected>' in form
    assert "long-enough-1" not in refused.text  # a password is never put back
    with Session(db) as s:
        assert s.execute(select(Activity)).first() is None
        assert list(s.execute(select(User.name)).scalars()) == ["admin.zhao"]


def test_a_refusal_without_a_form_on_the_page_is_still_shown(admin) -> None:
    csrf = web_sign_in(admin, "admin.zhao")
    refused = admin.post("/admin/users/admin.zhao/active", data={"csrf_token": csrf,
                                                                  "active": "0"})
    assert refused.status_code == 409 and "self_lockout" in refused.text
    assert 'id="user-admin.zhao-active-error"' in refused.text
    forbidden = admin.post("/admin/users", data={"name": "x"})  # no CSRF: the error page
    assert forbidden.status_code == 403 and 'id="form-user-add"' not in forbidden.text
