"""The customer page's forms to add and change a contact (the block that shows them is
templates/collector/_contacts.html, fed by pages/contact_cards.py).

The forms run workflows/contacts.py (as the API and the CLI do) through ``forms.submit``:
a refusal shows the customer page again with the message beside the field, in the
user's language, and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from arflow.web import deps
from arflow.web.api.actions import NO_NUL, Code, RowId, visible_customer
from arflow.web.auth import permitted
from arflow.web.pages.forms import submit
from arflow.web.pages.receivable import customer_page
from arflow.web.pages.render import back_to
from workflows import contacts

router = APIRouter(include_in_schema=False)
Collector = permitted("collect")
Field = Annotated[str, Form(max_length=400, pattern=NO_NUL)]  # the workflow checks lengths
TEXT = ("name", "role", "phone", "mobile", "email", "wechat", "language")


def _values(name: str, role: str, phone: str, mobile: str, email: str, wechat: str,
            language: str, billing: str) -> dict[str, str]:
    """What the form sent, as typed (kept in the inputs if it is refused)."""
    return {"name": name, "role": role, "phone": phone, "mobile": mobile, "email": email,
            "wechat": wechat, "language": language, "billing": "on" if billing else ""}


def _run(request: Request, db: Any, today: date, who: Any, code: str, form: str,
         values: dict[str, str], act: Callable[[dict[str, Any]], Any], done: str) -> Response:
    fields: dict[str, Any] = {k: values[k] for k in TEXT}
    fields["billing"] = values["billing"] == "on"

    def run() -> Response:
        visible_customer(db, who, code, today)  # another collector's customer: 404
        act(fields)
        db.commit()
        return back_to(f"/customers/{code}", done)

    return submit(request, who, form, values, run, db=db, path=f"/customers/{code}",
                  again=lambda: customer_page(request, code, db, today, who))


@router.post("/customers/{code}/contacts")
def add_contact_form(request: Request, code: Code, db: deps.DbSession, today: deps.Today,
                     who: Collector, name: Field = "", role: Field = "", phone: Field = "",
                     mobile: Field = "", email: Field = "", wechat: Field = "",
                     language: Field = "", billing: Field = "") -> Response:
    values = _values(name, role, phone, mobile, email, wechat, language, billing)
    return _run(request, db, today, who, code, "form-contact-add", values,
                lambda fields: contacts.add_contact(db, code, fields, on_date=today,
                                                    actor=who.actor),
                "contacts.done.added")


@router.post("/customers/{code}/contacts/{contact_id}")
def change_contact_form(request: Request, code: Code, contact_id: RowId, db: deps.DbSession,
                        today: deps.Today, who: Collector, name: Field = "", role: Field = "",
                        phone: Field = "", mobile: Field = "", email: Field = "",
                        wechat: Field = "", language: Field = "", billing: Field = ""
                        ) -> Response:
    values = _values(name, role, phone, mobile, email, wechat, language, billing)
    return _run(request, db, today, who, code, f"form-contact-{contact_id}", values,
                lambda fields: contacts.set_contact(db, code, fields, contact_id=contact_id,
                                                    on_date=today, actor=who.actor),
                "contacts.done.changed")
