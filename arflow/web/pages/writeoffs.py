"""Pages: proposing a write-off on the receivable page, and the credit manager's
``/writeoffs`` queue where proposals are approved or rejected.

Both run the same functions as the API (arflow/web/api/writeoffs.py: visibility, the
workflow, the commit, the audit with ``web:<name>``); a refusal shows the page again with
the message beside the form and the input kept (pages/forms.submit). Collectors and
credit managers propose (``collect``); the queue is for those who decide (credit managers
and admins, ``workflows.writeoffs.may_decide``): anyone else gets 403 there.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api import writeoffs as api
from arflow.web.api.actions import NO_NUL, Number, RowId
from arflow.web.auth import authenticated, permitted
from arflow.web.errors import ApiError
from arflow.web.pages.fields import optional_amount
from arflow.web.pages.forms import submit
from arflow.web.pages.receivable import receivable_page
from arflow.web.pages.render import TEMPLATES, back_to, page
from ledger.reads import writeoffs as reads
from workflows.writeoffs import may_decide

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
Text = Annotated[str, Form(max_length=2000, pattern=NO_NUL)]
Short = Annotated[str, Form(max_length=32, pattern=NO_NUL)]
TEMPLATES.env.globals["may_decide_writeoffs"] = may_decide  # the menu's link


async def _decider(request: Request) -> Principal:
    who = await authenticated(request)
    if not may_decide(who.role):
        raise ApiError(403, "forbidden", f"your role ({who.role}) may not decide write-offs")
    return who


Decider = Annotated[Principal, Depends(_decider)]



def _receivable_url(number: str) -> str:
    from urllib.parse import quote

    return f"/receivables/{quote(number, safe='')}"


@router.post("/receivables/{number}/writeoffs")
def propose_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
                 who: Collector, reason: Text = "", amount: Short = "") -> Response:
    """The receivable page's "propose a write-off" form (amount empty: the balance)."""
    def act() -> Response:
        api.propose(db, who, today, number, reason, optional_amount(amount))
        return back_to(_receivable_url(number), "writeoff.done.proposed")

    return submit(request, who, "form-writeoff", {"reason": reason, "amount": amount}, act,
                  db=db, path=_receivable_url(number),
                  again=lambda: receivable_page(request, number, db, today, who))


STATUSES = ("proposed", "approved", "rejected", "all")
LIMIT = 200  # a page of the queue (the CLI and the API list every one)


@router.get("/writeoffs", response_class=HTMLResponse)
def writeoffs_page(request: Request, who: Decider, db: deps.DbSession,
                   status: str = "proposed") -> Response:
    if status not in STATUSES:
        raise ApiError(400, "bad_status", f"status must be one of {', '.join(STATUSES)}",
                       "status")
    rows, total = reads.listing(db, status=None if status == "all" else status, limit=LIMIT)
    return page(request, "credit/writeoffs.html", who, rows=rows, total=total, status=status,
                statuses=STATUSES)


def _decide(request: Request, who: Principal, db: Any, today: date, writeoff_id: int,
            approve: bool, note: str) -> Response:
    form = f"form-{'approve' if approve else 'reject'}-{writeoff_id}"

    def act() -> Response:
        row = api.decide(db, who, today, writeoff_id, approve, note)
        key = "writeoff.done.approved" if approve else "writeoff.done.rejected"
        return back_to("/writeoffs", key, invoice=row.invoice)

    return submit(request, who, form, {"note": note}, act, db=db, path="/writeoffs",
                  again=lambda: writeoffs_page(request, who, db))


@router.post("/writeoffs/{writeoff_id}/approve")
def approve_form(request: Request, writeoff_id: RowId, who: Decider, db: deps.DbSession,
                 today: deps.Today, note: Text = "") -> Response:
    return _decide(request, who, db, today, writeoff_id, True, note)


@router.post("/writeoffs/{writeoff_id}/reject")
def reject_form(request: Request, writeoff_id: RowId, who: Decider, db: deps.DbSession,
                today: deps.Today, note: Text = "") -> Response:
    return _decide(request, who, db, today, writeoff_id, False, note)
