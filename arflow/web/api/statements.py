"""GET /api/v1/customers/{code}/statement.pdf[?as_of=D]: the customer's statement of
account (notifiers/statement.py), the same PDF `arflow statement` writes. Visible to whoever
may read the customer (a collector only their own: another's answers 404 as a missing one)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from arflow import statements
from arflow.days import Day
from arflow.web import deps
from arflow.web.api.customers import Code
from arflow.web.auth import Caller, ensure_visible
from arflow.web.errors import ApiError, documented
from ledger.reads import customers as reads
from notifiers.statement_pdf import FontMissing

router = APIRouter(prefix="/customers", tags=["customers"])
PDF = {200: {"content": {"application/pdf": {}}, "description": "the statement as PDF"}}


@router.get("/{code}/statement.pdf", response_class=Response,
            responses={**PDF, **documented(401, 404, 422)})
def statement_pdf(code: Code, request: Request, db: deps.DbSession, who: Caller,
                  today: deps.Today,
                  as_of: Annotated[Day | None, Query(description="the statement date; "
                                                      "default today")] = None) -> Response:
    """The statement of account as of ``as_of`` (default today), in the customer's
    language."""
    missing = ApiError(404, "not_found", f"no customer {code!r}", "code")
    found = reads.one(db, code, today)
    if found is None:
        raise missing
    ensure_visible(who, found.collector, missing)
    app = request.app.state
    maker = statements.maker(app.settings, app.engine, app.policy)
    try:
        built = maker.for_code(code, as_of or today)
    except FontMissing as exc:
        raise ApiError(503, "font_missing", str(exc)) from None
    if built is None:
        raise missing
    disposition = f"inline; filename=\"statement-{code}.pdf\"; filename*=UTF-8''" \
                  f"{quote(built.filename)}"
    return Response(built.data, media_type="application/pdf",
                    headers={"Content-Disposition": disposition})
