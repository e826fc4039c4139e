"""The customer page's promise and payment-plan forms (templates/collector/_promises.html).

Each runs the same ``act_on_promises`` as the API; a refusal shows the customer page again
with the message beside the form and what was typed kept (pages/forms.submit). The plan
form posts its instalment rows as repeated ``date`` and ``amount`` fields (blank rows are
skipped); they are kept back as ``date_1``, ``amount_1``, ... for the rows shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import NO_NUL, Code
from arflow.web.api.promises import act_on_promises
from arflow.web.auth import permitted
from arflow.web.errors import ApiError
from arflow.web.pages.fields import form_amount, form_day, optional_amount
from arflow.web.pages.forms import submit
from arflow.web.pages.receivable import customer_page
from arflow.web.pages.render import back_to
from ledger.db import Session
from workflows import promises

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
Short = Annotated[str, Form(max_length=32, pattern=NO_NUL)]
Many = Annotated[list[str], Form(max_length=1000)]




def _invoices(values: list[str]) -> list[str]:
    """The invoice numbers ticked (PostgreSQL refuses a NUL in text: a forged form's)."""
    if any("\x00" in value or len(value) > 64 for value in values):
        raise ApiError(422, "invalid_input", "not an invoice number", "invoices")
    return values


def _url(code: str) -> str:
    from urllib.parse import quote

    return f"/customers/{quote(code, safe='')}"


def _run(request: Request, db: Session, today: date, who: Principal, code: str, form: str,
         values: dict[str, str], act: Callable[[], None], done: str) -> Response:
    """Run a customer page's form; a refusal shows that page again, the message inline."""
    def run() -> Response:
        act()
        return back_to(_url(code), done)

    return submit(request, who, form, values, run, db=db, path=_url(code),
                  again=lambda: customer_page(request, code, db, today, who))


@router.post("/customers/{code}/promises")
def customer_promise_form(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
                          who: Collector,
                          promised: Annotated[str, Form(alias="date", max_length=10,
                                                        pattern=NO_NUL)] = "",
                          amount: Short = "", invoices: Many = []) -> Response:  # noqa: B006
    """A promise on the customer's account: an amount by a day, on the invoices ticked or
    the oldest open ones."""
    def act() -> None:
        act_on_promises(db, who, today, code, promises.record_customer_promise,
                        promised_date=form_day(promised, "date"),
                        amount=optional_amount(amount),
                        invoices=_invoices(invoices))

    return _run(request, db, today, who, code, "form-customer-promise",
                {"date": promised, "amount": amount, "invoices": ",".join(invoices)}, act,
                "promise.done.promise")


@router.post("/customers/{code}/plans")
def plan_form(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
              who: Collector, dates: Annotated[list[str], Form(alias="date", max_length=60)] = [],  # noqa: B006
              amounts: Annotated[list[str], Form(alias="amount", max_length=60)] = [],  # noqa: B006
              invoices: Many = [],  # noqa: B006
              note: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = "") -> Response:
    """A payment plan: the instalment rows filled in, on the invoices ticked or the
    oldest open ones up to the plan's total."""
    rows = list(zip(dates, amounts, strict=False))
    values = {"invoices": ",".join(invoices), "note": note}
    for i, (day, amount) in enumerate(rows, 1):
        values[f"date_{i}"], values[f"amount_{i}"] = day, amount

    def act() -> None:
        instalments = []
        for i, (day, amount) in enumerate(rows, 1):
            if not day.strip() and not amount.strip():
                continue
            what = f"instalment {i}: "
            if not day.strip() or not amount.strip():
                raise ApiError(422, "invalid_input", f"{what}a date and an amount",
                               "instalments")
            instalments.append((form_day(day, "instalments", what),
                                form_amount(amount, "instalments", what)))
        act_on_promises(db, who, today, code, promises.record_plan, instalments=instalments,
                        invoices=_invoices(invoices), note=note)

    return _run(request, db, today, who, code, "form-plan", values, act, "promise.done.plan")
