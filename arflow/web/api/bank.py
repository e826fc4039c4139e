"""/api/v1/bank: cash application. The statement lines that wait for a person (or were
applied), and applying one: confirm a proposal, split it over invoices of one's own
choosing, or leave it as unapplied credit on a customer; unapplying reverses it.

workflows/bank.py holds the rules; this module checks who is calling and formats (the
/bank page calls the same ``apply`` and ``unapply``). Only callers with ``cash`` (credit
managers, systems) see the lines: an unmatched line belongs to no known customer yet, so
there is no collector scope to show a collector. A refusal is ``{"error": {code, message,
field}}``: 404 ``not_found`` (no such line, invoice or customer), 409 (the line already
applied, or not applied when unapplying; ``reference_taken``: a payment holds
``BANK-<id>``; ``balance_changed``: another payment of the invoice committed first), 422
with ``field`` (an option the line does not have, an amount, an invoice in another
currency or closed, splits over the line).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.schemas_bank import ApplyIn, BankLineOut, Status, line_out
from arflow.web.auth import permitted
from arflow.web.errors import ApiError, documented, refused
from arflow.web.pagination import PageOut, Paging, envelope
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.db import Session
from ledger.reads import bank as reads
from workflows import bank
from workflows.bank import BankRules, Split

router = APIRouter(prefix="/bank", tags=["bank"], route_class=ExactRoute)
Cash = permitted("cash")
LineId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ERRORS = documented(401, 403, 404, 409, 422)


def rules_of(request: Request) -> BankRules:
    """The settings' ``bank`` section as the workflow takes it."""
    section = request.app.state.settings.bank
    return BankRules(auto_apply_confidence=section.auto_apply_confidence,
                     charges_tolerance=section.charges_tolerance)


def one_line(db: Session, line_id: int) -> dict[str, Any]:
    """The line as `arflow bank lines --json` prints it (404 when there is none)."""
    found = reads.one(db, line_id)
    if found is None:
        raise ApiError(404, "not_found", f"no bank line {line_id}")
    return found.as_dict()


def apply(db: Session, who: Principal, today: date, rules: BankRules, line_id: int, *,
          option: int | None = None, splits: list[Split] | None = None,
          credit_customer: str | None = None) -> dict[str, Any]:
    """Apply the line one way as ``who``, commit; the line as it is now."""
    with refused(db):
        bank.apply_line(db, line_id, today=today, actor=who.actor, rules=rules,
                        option=option, splits=splits, credit_customer=credit_customer)
        db.commit()
    return one_line(db, line_id)


def unapply(db: Session, who: Principal, today: date, line_id: int) -> dict[str, Any]:
    """Reverse an applied line as ``who``, commit; the line as it is now."""
    with refused(db):
        bank.unapply_line(db, line_id, today=today, actor=who.actor)
        db.commit()
    return one_line(db, line_id)


@router.get("/lines", response_model=PageOut[BankLineOut], responses=documented(401, 403, 422))
def list_lines(request: Request, db: deps.DbSession, who: Cash, paging: Paging,
               status: Annotated[Status | None, Query()] = None) -> MoneyJSONResponse:
    """Statement lines (credits), with their proposals: ``status=proposed`` is the queue."""
    rows, total = reads.listing(db, status=status, limit=paging.limit, offset=paging.offset)
    return MoneyJSONResponse(envelope(request, [line_out(r.as_dict()) for r in rows], total,
                                      paging))


@router.get("/lines/{line_id}", response_model=BankLineOut,
            responses=documented(401, 403, 404, 422))
def get_line(line_id: LineId, db: deps.DbSession, who: Cash) -> MoneyJSONResponse:
    return MoneyJSONResponse(line_out(one_line(db, line_id)))


@router.post("/lines/{line_id}/apply", response_model=BankLineOut, responses=ERRORS)
def apply_line(line_id: LineId, body: ApplyIn, request: Request, db: deps.DbSession,
               today: deps.Today, who: Cash) -> MoneyJSONResponse:
    """Apply the line: ``{"option": N}`` confirms a proposal, ``{"splits": [{"invoice",
    "amount"}]}`` pays invoices of your choosing (the rest stays credit on the customer),
    ``{"credit_customer": "C001"}`` leaves it all as unapplied credit. The payments carry
    the line's date and currency and settle as every payment does (paid invoices leave
    the reminders and the worklist)."""
    splits = ([Split(invoice=s.invoice, amount=s.amount) for s in body.splits]
              if body.splits is not None else None)
    row = apply(db, who, today, rules_of(request), line_id, option=body.option,
                splits=splits, credit_customer=body.credit_customer)
    return MoneyJSONResponse(line_out(row))


@router.post("/lines/{line_id}/unapply", response_model=BankLineOut, responses=ERRORS)
def unapply_line(line_id: LineId, db: deps.DbSession, today: deps.Today,
                 who: Cash) -> MoneyJSONResponse:
    """Reverse an applied line: its payments go, the invoices reopen, the proposals are
    back in the queue."""
    return MoneyJSONResponse(line_out(unapply(db, who, today, line_id)))
