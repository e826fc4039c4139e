"""The receivable, customer and sent-message pages, and the action forms on them.

Each form posts here, runs the same ``act_*`` function as the API (visibility check,
workflow, commit, audit with ``web:<name>``) and redirects back with a flash notice.
A collector opening another collector's customer gets 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from arflow.web import deps
from arflow.web.api.actions import (
    NO_NUL,
    Code,
    Number,
    RowId,
    act_on_customer,
    act_on_receivable,
    legal_tasks,
    visible_customer,
    visible_receivable,
)
from arflow.web.api.interest import customer_interest, receivable_interest
from arflow.web.auth import ensure_visible, permitted
from arflow.web.errors import ApiError
from arflow.web.pages import contact_cards
from arflow.web.pages.fields import form_day, optional_amount, optional_day
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to, page
from ledger import timeline
from ledger.people_store import collector_names
from ledger.reads import promises as promise_reads
from ledger.reads import receivables
from ledger.reads import timeline as story
from ledger.reads import writeoffs as writeoff_reads
from workflows import actions, promises

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
Text = Annotated[str, Form(max_length=4000, pattern=NO_NUL)]
Short = Annotated[str, Form(max_length=32, pattern=NO_NUL)]




@router.get("/receivables/{number}", response_class=HTMLResponse)
def receivable_page(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
                    who: Collector) -> Response:
    found = visible_receivable(db, who, number, today)
    from ledger.worklist import TaskFilter, tasks

    open_tasks = tasks(db, today, TaskFilter(invoice=number), 50, 0)
    return page(request, "collector/receivable.html", who, r=found, today=today,
                entries=_readable(story.timeline(db, receivable_id=found["id"])),
                open_tasks=open_tasks, outcomes=actions.CALL_OUTCOMES,
                collectors=collector_names(db),
                contacts=contact_cards.cards(db, found["customer_id"]),
                writeoffs=writeoff_reads.of_receivable(db, found["id"]),
                interest=receivable_interest(request, db, found["id"], today))


@router.get("/customers/{code}", response_class=HTMLResponse)
def customer_page(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
                  who: Collector) -> Response:
    found = visible_customer(db, who, code, today)
    customer = found["customer"]
    from ledger.worklist import TaskFilter, tasks

    return page(request, "collector/customer.html", who, c=customer, totals=found["totals"],
                limit=found["limit"], today=today,
                open_tasks=tasks(db, today, TaskFilter(customer=code), 50, 0),
                receivables=receivables.listing(db, today, customer=customer.code, stage="open",
                                                limit=story.LIMIT)[0],
                entries=_readable(story.timeline(db, customer_id=customer.id)),
                collectors=collector_names(db), outcomes=actions.CALL_OUTCOMES,
                contacts=contact_cards.cards(db, customer.id), contact_forms=True,
                promises=promise_reads.of_customer(db, customer.code),
                interest=customer_interest(request, db, customer.code, today))


@router.get("/messages/{outbox_id}", response_class=HTMLResponse)
def message_page(request: Request, outbox_id: RowId, db: deps.DbSession, who: Collector
                 ) -> Response:
    """The message as written: the HTML body only ever inside a sandboxed iframe."""
    found = timeline.message(db, outbox_id)
    if found is None:
        raise ApiError(404, "not_found", f"no message {outbox_id}")
    ensure_visible(who, found["collector"])
    return page(request, "collector/message.html", who, m=found)


def _readable(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audit details keep dates and amounts as text; the page formats them per locale."""
    for entry in entries:
        details = entry.get("details") or {}
        for key in ("promised_date", "until", "broken_on"):
            if isinstance(details.get(key), str):
                details[key] = date.fromisoformat(details[key])
        if isinstance(details.get("amount"), str):
            details["amount"] = Decimal(details["amount"])
        if entry["kind"] in story.PROMISE_ACTIONS:  # what was paid, a plan's instalments
            for key in ("paid", "due"):
                if isinstance(details.get(key), str):
                    details[key] = Decimal(details[key])
            for step in details.get("instalments") or ():
                if isinstance(step, dict) and isinstance(step.get("date"), str):
                    step["date"], step["amount"] = (date.fromisoformat(step["date"]),
                                                    Decimal(str(step.get("amount") or 0)))
    return entries


def _receivable_url(number: str) -> str:
    from urllib.parse import quote

    return f"/receivables/{quote(number, safe='')}"


def _on_receivable(request: Request, db: Any, today: date, who: Any, number: str, form: str,
                   values: dict[str, str], act: Callable[[], Any], done: str) -> Response:
    """Run a receivable page's form; a refusal shows that page again, the message inline."""
    def run() -> Response:
        act()
        return back_to(_receivable_url(number), done)

    return submit(request, who, form, values, run, db=db, path=_receivable_url(number),
                  again=lambda: receivable_page(request, number, db, today, who))


def _on_customer(request: Request, db: Any, today: date, who: Any, code: str, form: str,
                 values: dict[str, str], act: Callable[[], Any], done: str) -> Response:
    """Run a customer page's form; a refusal shows that page again, the message inline."""
    def run() -> Response:
        act()
        return back_to(f"/customers/{code}", done)

    return submit(request, who, form, values, run, db=db, path=f"/customers/{code}",
                  again=lambda: customer_page(request, code, db, today, who))


@router.post("/receivables/{number}/calls")
def call_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
              who: Collector, outcome: Short,
              note: Text = "") -> Response:
    return _on_receivable(
        request, db, today, who, number, "form-call", {"outcome": outcome, "note": note},
        lambda: act_on_receivable(db, who, today, number, actions.log_call, outcome=outcome,
                                  note=note),
        "collector.done.call")


@router.post("/receivables/{number}/notes")
def note_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
              who: Collector, text: Text = "") -> Response:
    return _on_receivable(
        request, db, today, who, number, "form-note", {"text": text},
        lambda: act_on_receivable(db, who, today, number, actions.add_note, text=text),
        "collector.done.note")


@router.post("/receivables/{number}/promises")
def promise_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
                 who: Collector,
                 promised: Annotated[str, Form(alias="date", max_length=10, pattern=NO_NUL)],
                 amount: Short = "") -> Response:
    return _on_receivable(
        request, db, today, who, number, "form-promise", {"date": promised, "amount": amount},
        lambda: act_on_receivable(db, who, today, number, promises.record_promise,
                                  promised_date=form_day(promised, "date"),
                                  amount=optional_amount(amount)),
        "collector.done.promise")


@router.post("/receivables/{number}/disputes")
def dispute_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
                 who: Collector, reason: Text = "") -> Response:
    def act() -> None:
        if not reason.strip():
            raise ApiError(422, "invalid_input", "say what the customer disputes", "reason")
        act_on_receivable(db, who, today, number, actions.open_dispute, reason=reason.strip())

    return _on_receivable(request, db, today, who, number, "form-dispute", {"reason": reason},
                          act, "collector.done.dispute")


@router.post("/receivables/{number}/disputes/resolve")
def resolve_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
                 who: Collector, note: Text = "") -> Response:
    return _on_receivable(
        request, db, today, who, number, "form-resolve", {"note": note},
        lambda: act_on_receivable(db, who, today, number, actions.resolve_dispute, note=note),
        "collector.done.resolve")


@router.post("/receivables/{number}/legal")
def legal_form(request: Request, number: Number, db: deps.DbSession, today: deps.Today,
               who: Collector, note: Text = "") -> Response:
    return _on_receivable(
        request, db, today, who, number, "form-legal", {"note": note},
        lambda: act_on_receivable(db, who, today, number, actions.hand_over_to_legal,
                                  reason=note, tasks=legal_tasks(request)),
        "collector.done.legal")


@router.post("/customers/{code}/calls")
def customer_call_form(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
                       who: Collector, outcome: Short, note: Text = "") -> Response:
    """A call about the customer's account: its open call task is done."""
    return _on_customer(
        request, db, today, who, code, "form-call", {"outcome": outcome, "note": note},
        lambda: act_on_customer(db, who, today, code, actions.log_customer_call,
                                outcome=outcome, note=note),
        "collector.done.call")


@router.post("/customers/{code}/pause")
def pause_form(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
               who: Collector, reason: Text = "",
               until: Short = "") -> Response:
    def act() -> None:
        if not reason.strip():
            raise ApiError(422, "invalid_input", "say why the reminders pause", "reason")
        act_on_customer(db, who, today, code, actions.pause_reminders, reason=reason.strip(),
                        until=optional_day(until, "until"))

    return _on_customer(request, db, today, who, code, "form-pause",
                        {"reason": reason, "until": until}, act, "collector.done.pause")


@router.post("/customers/{code}/resume")
def resume_form(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
                who: Collector) -> Response:
    return _on_customer(
        request, db, today, who, code, "form-resume", {},
        lambda: act_on_customer(db, who, today, code, actions.resume_reminders),
        "collector.done.resume")
