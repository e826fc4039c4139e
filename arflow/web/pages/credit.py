"""Pages: the credit manager's warnings board, held orders and customers' credit files.

Decisions go through the same workflow functions as the CLI (workflows/orders.py,
workflows/credit.py), so a release or an override from the web is checked and audited
exactly as one from ``arflow``; the audit names the person (``web:<name>``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.errors import ApiError, refused
from arflow.web.pages.fields import form_amount, form_day
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to, page
from engine import LEVELS
from ledger.facts import customer_facts

router = APIRouter(include_in_schema=False)
Credit = permitted("credit")
SEVERITY = tuple(reversed(LEVELS))  # red first


def _book(request: Request) -> str:
    """settings.book_currency: exposure and limits are stated in it."""
    return request.app.state.settings.book_currency  # type: ignore[no-any-return]


def _by_level(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Groups, most severe level first; a level the policy does not know comes last."""
    order = {level: i for i, level in enumerate(SEVERITY)}
    levels = sorted({r["level"] for r in rows}, key=lambda lv: (order.get(lv, len(order)), lv))
    return [(level, [r for r in rows if r["level"] == level]) for level in levels]


@router.get("/warnings", response_class=HTMLResponse)
def warnings_board(request: Request, who: Credit, db: DbSession, level: str = "",
                   customer: str = "") -> Response:
    from ledger.credit_board import open_warnings

    rows = open_warnings(db, level.strip() or None, customer.strip() or None)
    return page(request, "credit/warnings.html", who, groups=_by_level(rows), total=len(rows),
                levels=SEVERITY, level=level, customer=customer)


@router.get("/orders/held", response_class=HTMLResponse)
def held_orders(request: Request, who: Credit, db: DbSession, today: Today) -> Response:
    from ledger.order_store import list_orders

    rows = list_orders(db, "held")
    exposure = ({f["customer.code"]: f for f in customer_facts(
        db, today, book=_book(request)).values()} if rows else {})
    for row in rows:
        facts = exposure.get(str(row["customer"]), {})
        row["exposure"] = facts.get("customer.exposure")
        row["credit_limit"] = facts.get("customer.credit_limit")
    return page(request, "credit/held.html", who, orders=rows, book_currency=_book(request))


# an order that cannot be decided now (not held any more) was a 409 before refusals were
# typed; a typed refusal brings its own status
ORDER_CONFLICT = (409, "conflict")


def _decided(request: Request, who: Any, db: Any, today: date, number: str, form: str,
             values: dict[str, str], action: Any) -> Response:
    """Run a held order's form; a refusal shows the held orders again, the message on
    that order's form and what was typed kept."""
    def run() -> Response:
        action()
        db.commit()
        return back_to("/orders/held", "orders.done", number=number)

    return submit(request, who, f"order-{number}-{form}", values, run, db=db,
                  path="/orders/held", plain_value=ORDER_CONFLICT,
                  again=lambda: held_orders(request, who, db, today))


@router.post("/orders/{number}/release")
def release_order(request: Request, number: str, who: Credit, db: DbSession, today: Today,
                  note: Annotated[str, Form()] = "") -> Response:
    from workflows.orders import release

    return _decided(request, who, db, today, number, "release", {"note": note},
                    lambda: release(db, number, today, who.actor, note.strip()))


@router.post("/orders/{number}/reject")
def reject_order(request: Request, number: str, who: Credit, db: DbSession, today: Today,
                 reason: Annotated[str, Form()] = "") -> Response:
    from workflows.orders import reject

    def act() -> None:
        if not reason.strip():
            raise ApiError(422, "reason_required", "a rejection needs a reason", "reason")
        reject(db, number, today, who.actor, reason.strip())

    return _decided(request, who, db, today, number, "reject", {"reason": reason}, act)


@router.get("/credit", response_class=HTMLResponse)
def credit_files(request: Request, who: Credit, db: DbSession, today: Today) -> Response:
    from ledger.credit_store import credit_files as files
    from ledger.queries import customers

    names = {c["code"]: c for c in customers(db)}
    facts = customer_facts(db, today, book=_book(request))
    rows = []
    for file in files(db):
        exposure = facts.get(file.id, {}).get("customer.exposure", Decimal("0.00"))
        limit = file.credit_limit
        rows.append({"file": file, "name": names.get(file.code, {}).get("name", ""),
                     "exposure": exposure,
                     "utilisation": exposure / limit if limit else None})
    return page(request, "credit/files.html", who, rows=rows, today=today,
                book_currency=_book(request))


@router.get("/credit/{code}", response_class=HTMLResponse)
def credit_file(request: Request, code: str, who: Credit, db: DbSession, today: Today
                ) -> Response:
    from workflows import credit

    with refused():
        file = credit.credit_file(db, code, today, _book(request))
    factors, live = file["factors"], False
    policy = request.app.state.policy
    if not factors and policy is not None and policy.credit is not None:
        factors, live = credit.review(db, policy, today, code, _book(request))[0].factors, True
    return page(request, "credit/file.html", who, f=file, factors=factors, live=live,
                today=today)




def _on_file(request: Request, who: Any, db: Any, today: date, code: str, form: str,
             values: dict[str, str], act: Any, done: str) -> Response:
    """Run a credit file's form; a refusal shows the file again, the message inline."""
    def run() -> Response:
        act()
        db.commit()
        return back_to(f"/credit/{code}", done)

    return submit(request, who, form, values, run, db=db, path=f"/credit/{code}",
                  again=lambda: credit_file(request, code, who, db, today))


@router.post("/credit/{code}/override")
def set_override(request: Request, code: str, who: Credit, db: DbSession, today: Today,
                 limit: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
                 until: Annotated[str, Form()] = "") -> Response:
    from workflows import credit

    def act() -> None:
        if not reason.strip():
            raise ApiError(422, "reason_required", "an override needs a reason", "reason")
        amount, day = form_amount(limit, "limit"), form_day(until, "until")
        credit.set_override(db, code, amount, reason.strip(), day, today, who.actor)

    return _on_file(request, who, db, today, code, "form-override",
                    {"limit": limit, "reason": reason, "until": until}, act,
                    "credit.override_set")


@router.post("/credit/{code}/override/clear")
def clear_override(request: Request, code: str, who: Credit, db: DbSession, today: Today
                   ) -> Response:
    from workflows import credit

    return _on_file(request, who, db, today, code, "form-override-clear", {},
                    lambda: credit.clear_override(db, code, today, who.actor),
                    "credit.override_cleared")
