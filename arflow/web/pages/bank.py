"""The cash-application page ``/bank``: the bank lines that wait for a person (proposed
first, then unmatched), each with its proposals, and the forms that apply them.

Every form runs the same functions as the API (arflow/web/api/bank.py: the workflow, the
commit, the audit with ``web:<name>``); a refusal shows the page again with the message
beside the form and what was typed kept (pages/forms.submit). The split form posts its
rows as repeated ``invoice`` and ``amount`` fields (blank rows skipped); its "another row"
button posts the same form back with one more row and nothing applied, so no script is
needed. Only people with ``cash`` (credit managers) open it: see arflow/auth/roles.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api import bank as api
from arflow.web.api.actions import NO_NUL
from arflow.web.api.bank import LineId
from arflow.web.errors import ApiError
from arflow.web.pages.bank_view import VIEWS, queue
from arflow.web.pages.fields import form_amount, optional_amount
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to, page, translator
from ledger.db import Session
from workflows.bank import FORMATS, Split

router = APIRouter(include_in_schema=False)
Cash = api.Cash
Short = Annotated[str, Form(max_length=64, pattern=NO_NUL)]
View = Annotated[str, Query(max_length=16, pattern=r"^[a-z]*$")]
SPLIT_ROWS = 2  # rows the split form shows; "another row" adds one (up to MAX_ROWS)
MAX_ROWS = 20


@dataclass
class SplitDraft:
    """A split form posted back for one more row: its values shown again, nothing applied."""

    form: str
    rows: int
    values: dict[str, str] = field(default_factory=dict)


def _view(status: str) -> str:
    if status not in VIEWS:
        raise ApiError(400, "bad_status", f"status must be one of {', '.join(VIEWS)}",
                       "status")
    return status


def _url(status: str) -> str:
    return f"/bank?status={status}"


@router.get("/bank", response_class=HTMLResponse)
def bank_page(request: Request, who: Cash, db: deps.DbSession, status: View = "queue",
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> Response:
    """The queue (proposed lines, then unmatched ones), or the lines of one status."""
    return render_queue(request, who, db, _view(status), offset)


def render_queue(request: Request, who: Principal, db: Session, status: str = "queue",
                 offset: int = 0, draft: SplitDraft | None = None) -> Response:
    """The page (also shown again by a refused form, with its message and values)."""
    t = translator(request, who)
    return page(request, "bank.html", who, view=status, views=VIEWS,
                shown=queue(db, status, offset, t.language), draft=draft,
                split_rows=SPLIT_ROWS, max_rows=MAX_ROWS, formats=FORMATS)


def _run(request: Request, who: Principal, db: Session, status: str, form: str,
         values: dict[str, str], act: Callable[[], Any], done: str, **done_values: Any
         ) -> Response:
    """Run a line's form; a refusal shows the page again, the message beside the form."""
    status = status if status in VIEWS else "queue"

    def run() -> Response:
        act()
        return back_to(_url(status), done, **done_values)

    return submit(request, who, form, values, run, db=db, path=_url(status),
                  again=lambda: render_queue(request, who, db, status))


@router.post("/bank/lines/{line_id}/confirm")
def confirm_form(request: Request, line_id: LineId, who: Cash, db: deps.DbSession,
                 today: deps.Today, status: View = "queue",
                 option: Annotated[str, Form(max_length=4, pattern=NO_NUL)] = "") -> Response:
    """Confirm one option of the line's proposals (all of its invoices at once)."""
    def act() -> None:
        if not option.isdigit() or int(option) < 1:
            raise ApiError(422, "invalid_input", f"not an option: {option!r}", "option")
        api.apply(db, who, today, api.rules_of(request), line_id, option=int(option))

    return _run(request, who, db, status, f"form-confirm-{line_id}-{option}",
                {"option": option}, act, "bank.done.applied", id=line_id)


@router.post("/bank/lines/{line_id}/change")
def change_form(request: Request, line_id: LineId, who: Cash, db: deps.DbSession,
                today: deps.Today, status: View = "queue", invoice: Short = "",
                amount: Short = "") -> Response:
    """Apply the line to another invoice (amount empty: as much of the line as the
    invoice's balance takes, the rest credit, as `arflow bank apply --invoice` does)."""
    def act() -> None:
        if not invoice.strip():
            raise ApiError(422, "invalid_input", "name the invoice", "invoice")
        api.apply(db, who, today, api.rules_of(request), line_id,
                  splits=[Split(invoice=invoice.strip(), amount=optional_amount(amount))])

    return _run(request, who, db, status, f"form-change-{line_id}",
                {"invoice": invoice, "amount": amount}, act, "bank.done.applied", id=line_id)


def _splits(invoices: list[str], amounts: list[str]) -> list[Split]:
    """The rows filled in; a row with only one of its two fields is refused, naming it."""
    splits = []
    for n, (invoice, amount) in enumerate(zip(invoices, amounts, strict=False), 1):
        if not invoice.strip() and not amount.strip():
            continue
        what = f"row {n}: "
        if not invoice.strip() or not amount.strip():
            raise ApiError(422, "invalid_input", f"{what}an invoice and an amount", "splits")
        if len(invoice.strip()) > 64 or "\x00" in invoice:
            raise ApiError(422, "invalid_input", f"{what}not an invoice number", "splits")
        splits.append(Split(invoice=invoice.strip(),
                            amount=form_amount(amount, "splits", what)))
    if not splits:
        raise ApiError(422, "invalid_input", "fill in at least one invoice and amount",
                       "splits")
    return splits


@router.post("/bank/lines/{line_id}/split")
def split_form(request: Request, line_id: LineId, who: Cash, db: deps.DbSession,
               today: deps.Today, status: View = "queue", invoices: Annotated[
                   list[str], Form(alias="invoice", max_length=MAX_ROWS)] = [],  # noqa: B006
               amounts: Annotated[list[str], Form(alias="amount", max_length=MAX_ROWS)] = [],  # noqa: B006
               more: Annotated[str, Form(max_length=1)] = "") -> Response:
    """Apply the line over the invoices and amounts of the rows filled in; ``more``: show
    the form again with one more row, applying nothing."""
    form = f"form-split-{line_id}"
    values: dict[str, str] = {}
    for n, (invoice, amount) in enumerate(zip(invoices, amounts, strict=False), 1):
        values[f"invoice_{n}"], values[f"amount_{n}"] = invoice, amount
    rows = max(len(invoices), SPLIT_ROWS)
    values["rows"] = str(rows)
    if more:
        draft = SplitDraft(form=form, rows=min(rows + 1, MAX_ROWS), values=values)
        return render_queue(request, who, db, status if status in VIEWS else "queue",
                            draft=draft)

    def act() -> None:
        api.apply(db, who, today, api.rules_of(request), line_id,
                  splits=_splits(invoices, amounts))

    return _run(request, who, db, status, form, values, act, "bank.done.applied", id=line_id)


@router.post("/bank/lines/{line_id}/credit")
def credit_form(request: Request, line_id: LineId, who: Cash, db: deps.DbSession,
                today: deps.Today, status: View = "queue", customer: Short = "") -> Response:
    """Leave the whole line as unapplied credit on a customer (its code)."""
    def act() -> None:
        if not customer.strip():
            raise ApiError(422, "invalid_input", "name the customer (its code)", "customer")
        api.apply(db, who, today, api.rules_of(request), line_id,
                  credit_customer=customer.strip())

    return _run(request, who, db, status, f"form-credit-{line_id}", {"customer": customer},
                act, "bank.done.credited", id=line_id, code=customer.strip())


@router.post("/bank/lines/{line_id}/unapply")
def unapply_form(request: Request, line_id: LineId, who: Cash, db: deps.DbSession,
                 today: deps.Today, status: View = "applied") -> Response:
    """Reverse an applied line: the invoices reopen, the proposals are back."""
    return _run(request, who, db, status, f"form-unapply-{line_id}", {},
                lambda: api.unapply(db, who, today, line_id), "bank.done.unapplied",
                id=line_id)
