"""A refused form in a real browser: a promise larger than the balance comes back on the
receivable page with the message beside the amount and the amount still in the field."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Promise
from tests.e2e.conftest import screenshot, sign_in
from tests.web.portfolio import DAY


def _promises(db: Engine) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(Promise)).scalar_one()


def test_a_promise_over_the_balance_is_refused_inline(tab, db: Engine) -> None:  # type: ignore[no-untyped-def]
    page = tab
    sign_in(page, "li.na")
    page.goto("/receivables/R-2")
    assert "CN¥8,000.00" in page.locator("#facts").inner_text()
    promised = (DAY + timedelta(days=7)).isoformat()
    page.fill("#form-promise input[name=date]", promised)
    page.fill("#form-promise input[name=amount]", "9,500.00")
    with page.expect_response("**/receivables/R-2/promises") as answer:
        page.click("#form-promise button[type=submit]")
    assert answer.value.status == 422
    page.wait_for_load_state()
    error = page.locator("#form-promise-amount-error")
    assert error.is_visible()
    assert "at most the balance" in error.inner_text()
    assert page.locator("#form-promise input[name=amount]").input_value() == "9,500.00"
    assert page.locator("#form-promise input[name=date]").input_value() == promised
    assert page.locator("#form-promise input[name=amount]").get_attribute(
        "aria-invalid") == "true"
    assert "R-2" in page.locator("h1").inner_text()  # the receivable page, not an error page
    assert _promises(db) == 0
    screenshot(page, "form-error")

    page.fill("#form-promise input[name=amount]", "8000")  # corrected, it goes through
    page.click("#form-promise button[type=submit]")
    page.wait_for_url("**/receivables/R-2?done=*")
    assert _promises(db) == 1
