"""/api/v1/customers/{code}/contacts: the people at a customer, read by anyone who may see
the customer, added and changed by those who collect (collectors on their own customers,
credit managers, systems) through workflows/contacts.py, audited with ``api:<token>`` or
``web:<user>``. A refusal is the usual JSON error (422 ``invalid_<field>``, 409
``contact_exists``, 404 for a customer or contact the caller may not see).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from arflow.auth import Principal
from arflow.web import deps
from arflow.web.api.actions import NO_NUL, Code, visible_customer
from arflow.web.api.schemas_reads import ContactOut, contact_out
from arflow.web.auth import Caller, permitted
from arflow.web.errors import documented, refused
from arflow.web.responses import ExactRoute, MoneyJSONResponse
from ledger.db import Session
from workflows import contacts

router = APIRouter(prefix="/customers/{code}/contacts", tags=["contacts"],
                   route_class=ExactRoute)
ContactId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# generous: the workflow checks each column's length and answers with the field's code
Text = Annotated[str, Field(max_length=400, pattern=NO_NUL)]
Collector = permitted("collect")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(description="Unique per customer.")
    role: Text = ""
    phone: Text = Field(default="", description="Digits, spaces, + - ( ) and an extension "
                                                "('ext. 12', '转12').")
    mobile: Text = ""
    email: Text = Field(default="", description="One address.")
    wechat: Text = Field(default="", description="WeChat ID.")
    language: Text = Field(default="", description="zh-CN or en; empty: the customer's.")
    billing: bool = Field(default=False, description="Receives the reminders and statements.")


class ContactPatch(BaseModel):
    """Only the fields sent change; ``name`` renames the contact."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    role: Text | None = None
    phone: Text | None = None
    mobile: Text | None = None
    email: Text | None = None
    wechat: Text | None = None
    language: Text | None = None
    billing: bool | None = None


def _customer_id(db: Session, who: Principal, code: str, today: Any) -> int:
    return visible_customer(db, who, code, today)["customer"].id  # type: ignore[no-any-return]


@router.get("", response_model=list[ContactOut], responses=documented(401, 404, 422))
def list_contacts(code: Code, db: deps.DbSession, who: Caller, today: deps.Today
                  ) -> MoneyJSONResponse:
    """The customer's contacts, billing contacts first."""
    _customer_id(db, who, code, today)
    return MoneyJSONResponse([contact_out(c) for c in contacts.list_contacts(db, code)])


@router.post("", response_model=ContactOut, status_code=201,
             responses=documented(401, 403, 404, 409, 422))
def add_contact(code: Code, body: ContactIn, db: deps.DbSession, today: deps.Today,
                who: Collector) -> MoneyJSONResponse:
    """Add a contact to the customer (audited ``contact_added``)."""
    _customer_id(db, who, code, today)
    with refused(db):
        found = contacts.add_contact(db, code, body.model_dump(), on_date=today,
                                     actor=who.actor)
        db.commit()
    return MoneyJSONResponse(contact_out(found), status_code=201)


@router.patch("/{contact_id}", response_model=ContactOut,
              responses=documented(401, 403, 404, 409, 422))
def change_contact(code: Code, contact_id: ContactId, body: ContactPatch, db: deps.DbSession,
                   today: deps.Today, who: Collector) -> MoneyJSONResponse:
    """Change a contact: the fields sent (audited ``contact_changed``, before and after)."""
    _customer_id(db, who, code, today)
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    with refused(db):
        found = contacts.set_contact(db, code, values, contact_id=contact_id, on_date=today,
                                     actor=who.actor)
        db.commit()
    return MoneyJSONResponse(contact_out(found))
