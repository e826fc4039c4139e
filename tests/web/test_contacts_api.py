"""Contacts over the API (GET, POST, PATCH /api/v1/customers/{code}/contacts), in the
customer read, and on the pages: the block with tel: links on the customer and receivable
pages, the customer page's add and edit forms with inline errors in the user's language.
On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Activity, Contact
from tests.factories import load, seed_customers, write
from tests.people import bearer
from tests.web.conftest import TestClient
from tests.web.forms_html import form_html as _form
from tests.web.forms_html import input_value as _value
from tests.web.portfolio import app_on_day, people, sign_in

ZHANG = {"name": "张伟", "role": "财务经理", "phone": "021-5555 1234 转 8",
         "mobile": "138 0013 8000", "email": "zhangwei@huadong.example.cn",
         "wechat": "zhangwei88", "language": "zh-CN", "billing": True}
URL = "/api/v1/customers/C001/contacts"


def _contacts(db: Engine) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(Contact)).scalar_one()


def test_add_list_and_change_a_contact(client: TestClient, db: Engine) -> None:
    assert client.get(URL).json() == []
    added = client.post(URL, json=ZHANG)
    assert added.status_code == 201, added.text
    body = added.json()
    assert body == {"id": body["id"], **ZHANG}
    assert client.post(URL, json={"name": "李强", "role": "采购经理"}).status_code == 201
    listed = client.get(URL).json()
    assert [(c["name"], c["billing"]) for c in listed] == [("张伟", True), ("李强", False)]
    changed = client.patch(f"{URL}/{body['id']}", json={"name": "张伟明", "billing": False,
                                                        "phone": "021-6666 0000"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["billing"], changed.json()["role"]) == (
        "张伟明", False, "财务经理")
    customer = client.get("/api/v1/customers/C001").json()
    assert [c["name"] for c in customer["contacts"]] == ["张伟明", "李强"]
    assert customer["contacts"][0]["phone"] == "021-6666 0000"
    page = client.get("/api/v1/customers", params={"q": "C00"}).json()
    assert {i["code"]: len(i["contacts"]) for i in page["items"]} == {"C001": 2, "C002": 0}
    with Session(db) as s:
        audit = s.execute(select(Activity.action, Activity.actor, Activity.details)
                          .order_by(Activity.id)).all()
    assert [(a.action, a.actor) for a in audit] == [
        ("contact_added", "api:erp"), ("contact_added", "api:erp"),
        ("contact_changed", "api:erp")]
    assert audit[2].details["before"] == {"name": "张伟", "phone": "021-5555 1234 转 8",
                                          "billing": True}


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({**ZHANG, "phone": "ask reception"}, 422, "invalid_phone", "phone"),
    ({**ZHANG, "email": "zhang@"}, 422, "invalid_email", "email"),
    ({**ZHANG, "language": "fr"}, 422, "invalid_language", "language"),
    ({**ZHANG, "name": "  "}, 422, "invalid_contact_name", "name"),
    ({**ZHANG, "role": "x" * 65}, 422, "invalid_role", "role"),
    ({**ZHANG, "fax": "021"}, 422, "invalid_input", "fax"),  # not a field
    ({**ZHANG, "billing": "yes please"}, 422, "invalid_input", "billing"),
])
def test_bad_bodies_are_4xx_json_and_write_nothing(client: TestClient, db: Engine,
                                                   body: dict, status: int, code: str,
                                                   field: str) -> None:
    answer = client.post(URL, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["field"] == field
    assert _contacts(db) == 0


def test_conflicts_and_missing_things(client: TestClient, db: Engine) -> None:
    first = client.post(URL, json={"name": "张伟"}).json()
    other = client.post("/api/v1/customers/C002/contacts", json={"name": "Ann Lee"}).json()
    again = client.post(URL, json={"name": "张伟"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "contact_exists"
    assert client.post("/api/v1/customers/C999/contacts", json={"name": "x"}
                       ).status_code == 404
    assert client.get("/api/v1/customers/C999/contacts").status_code == 404
    assert client.patch(f"{URL}/{other['id']}", json={"role": "x"}).status_code == 404
    assert client.patch(f"{URL}/999999", json={"role": "x"}).status_code == 404
    assert client.patch(f"{URL}/{first['id']}", json={"name": "Ann Lee"}).status_code == 200
    assert _contacts(db) == 2


def test_a_collector_works_only_on_their_own_customers(client: TestClient, db: Engine) -> None:
    client.post("/api/v1/customers/C002/contacts", json={"name": "Ann Lee"})
    li = bearer(db, "li.na", "collector")  # C001 is li.na's, C002 wang.wei's
    assert client.post(URL, json={"name": "张伟"}, headers=li).status_code == 201
    assert client.get("/api/v1/customers/C002/contacts", headers=li).status_code == 404
    assert client.post("/api/v1/customers/C002/contacts", json={"name": "x"},
                       headers=li).status_code == 404
    admin = bearer(db, "root", "admin")  # reads every customer, collects from none
    assert client.get(URL, headers=admin).status_code == 200
    assert client.post(URL, json={"name": "王芳"}, headers=admin).status_code == 403
    assert _contacts(db) == 2


# --- the pages ---------------------------------------------------------------------------

@pytest.fixture
def pages(db_url: str, db: Engine, tmp_path: Path) -> Iterator[TestClient]:
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv",
                                  "number,customer_code,issue_date,due_date,amount,currency\n"
                                  "R-1,C001,2026-07-01,2026-09-01,50000.00,CNY\n"))
    people(db, ("li.na", "collector"))
    people(db, ("chen.jing", "credit_manager"), language="zh-CN")
    with TestClient(app_on_day(db_url, db, tmp_path)) as test_client:
        yield test_client


def test_the_customer_page_adds_and_edits_contacts(pages: TestClient, db: Engine) -> None:
    csrf = sign_in(pages, "li.na")
    empty = pages.get("/customers/C001")
    assert 'id="contacts"' in empty.text and "No contact yet" in empty.text
    done = pages.post("/customers/C001/contacts",
                      data={"csrf_token": csrf, **{k: v for k, v in ZHANG.items()
                                                   if k != "billing"}, "billing": "on"},
                      follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/customers/C001")
    shown = pages.get("/customers/C001").text
    assert 'href="tel:02155551234,8"' in shown and 'href="tel:13800138000"' in shown
    assert 'href="mailto:zhangwei@huadong.example.cn"' in shown and "zhangwei88" in shown
    assert "Billing" in shown
    with Session(db) as s:
        contact = s.execute(select(Contact)).scalar_one()
    edit = _form(shown, f"form-contact-{contact.id}")
    assert _value(edit, "phone") == "021-5555 1234 转 8" and " checked" in edit
    # the edit form sends every field; an unchecked box takes the billing flag away
    saved = pages.post(f"/customers/C001/contacts/{contact.id}",
                       data={"csrf_token": csrf, **{k: v for k, v in ZHANG.items()
                                                    if k != "billing"}, "role": "财务总监"},
                       follow_redirects=False)
    assert saved.status_code == 303
    with Session(db) as s:
        contact = s.execute(select(Contact)).scalar_one()
    assert (contact.role, contact.billing) == ("财务总监", False)
    with Session(db) as s:
        assert [a for (a,) in s.execute(select(Activity.actor))] == ["web:li.na"] * 2


def test_a_refused_contact_form_comes_back_inline_in_chinese(pages: TestClient,
                                                             db: Engine) -> None:
    csrf = sign_in(pages, "chen.jing")  # a credit manager, Chinese UI
    refused = pages.post("/customers/C001/contacts",
                         data={"csrf_token": csrf, "name": "王芳", "phone": "请打总机",
                               "email": "wangfang@huadong.example.cn", "billing": "on"})
    assert refused.status_code == 422
    assert "<h1>C001" in refused.text  # the customer page itself
    form = _form(refused.text, "form-contact-add")
    assert 'id="form-contact-add-phone-error"' in form
    assert "不是有效的电话号码" in form and "invalid_phone" in form
    assert _value(form, "name") == "王芳" and _value(form, "phone") == "请打总机"
    assert _value(form, "email") == "wangfang@huadong.example.cn" and " checked" in form
    assert '<details class="contact-add card" open>' in refused.text
    assert _contacts(db) == 0
    pages.post("/customers/C001/contacts", data={"csrf_token": csrf, "name": "王芳"})
    taken = pages.post("/customers/C001/contacts", data={"csrf_token": csrf, "name": "王芳"})
    assert taken.status_code == 409 and "该客户已有同名联系人" in taken.text
    assert _contacts(db) == 1


def test_the_receivable_page_shows_the_contacts_without_forms(pages: TestClient,
                                                              db: Engine) -> None:
    csrf = sign_in(pages, "li.na")
    pages.post("/customers/C001/contacts",
               data={"csrf_token": csrf, "name": "张伟", "mobile": "+86 138 0013 8000"})
    shown = pages.get("/receivables/R-1").text
    block = re.search(r'<section id="contacts">.*?</section>', shown, re.S).group(0)
    assert 'href="tel:+8613800138000"' in block and "张伟" in block
    assert "<form" not in block
    # another collector's customer: no contact forms to post to
    assert pages.post("/customers/C002/contacts",
                      data={"csrf_token": csrf, "name": "x"}).status_code == 404
    assert _contacts(db) == 1
