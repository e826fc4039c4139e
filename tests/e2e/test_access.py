"""A collector stays in their lane, in the browser and in the API: credit-manager pages are
403, another collector's customer is 404, and a form post without the CSRF token is refused."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Activity, Customer, Task
from tests.e2e.conftest import sign_in
from tests.people import make_token


def _theirs(db: Engine) -> int:
    """wang.wei's customer C002's call task (about R-4)."""
    with Session(db) as s:
        return s.execute(select(Task.id).join(Customer, Customer.id == Task.customer_id)
                         .where(Customer.code == "C002", Task.kind == "call")).scalar_one()


def test_pages_refuse_what_is_not_hers(tab) -> None:  # type: ignore[no-untyped-def]
    page = tab
    sign_in(page, "li.na")
    for path, status in (("/policy", 403), ("/orders/held", 403), ("/customers/C002", 404),
                         ("/receivables/R-4", 404), ("/customers/C001", 200)):
        response = page.goto(path)
        assert response is not None and response.status == status, path
    page.goto("/policy")
    assert "You may not open this page." in page.content()
    assert "Warnings" not in page.locator("nav").inner_text()  # the menu does not offer it


def test_the_api_refuses_the_same_with_her_session_or_token(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    sign_in(page, "li.na")
    api = page.request
    theirs = _theirs(db)
    assert api.get(f"/api/v1/tasks/{theirs}").status == 404
    assert api.get("/api/v1/tasks").json()["total"] == 1  # C001's call task: R-1 and R-2
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.content())
    assert csrf is not None
    refused = api.post("/api/v1/customers/C002/pause", data={"reason": "x"},
                       headers={"X-CSRF-Token": csrf.group(1)})
    assert refused.status == 404 and refused.json()["error"]["code"] == "not_found"
    headers = {"Authorization": f"Bearer {make_token(db, 'li.na', 'collector')}"}
    assert api.get(f"/api/v1/tasks/{theirs}", headers=headers).status == 404
    forbidden = api.post("/api/v1/receivables/batch", data={"items": []}, headers=headers)
    assert forbidden.status == 403 and forbidden.json()["error"]["code"] == "forbidden"


def test_a_form_post_without_the_csrf_token_is_refused(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    sign_in(page, "li.na")
    page.goto("/receivables/R-1")
    forged = page.request.post("/receivables/R-1/notes", form={"text": "forged"})
    assert forged.status == 403
    wrong = page.request.post("/customers/C001/pause",
                              form={"reason": "x", "csrf_token": "not-the-token"})
    assert wrong.status == 403
    with Session(db) as s:
        written = s.execute(select(func.count()).select_from(Activity).where(
            Activity.action.in_(("note_added", "reminders_paused")))).scalar_one()
    assert written == 0
    page.fill("#form-note textarea[name=text]", "real note")  # the page's own form works
    page.click("#form-note button[type=submit]")
    page.wait_for_url("**/receivables/R-1?done=*")
    assert "real note" in page.locator("#timeline").inner_text()
