"""The people at a customer: add one, change one (renaming included), list them. Every
shell (CLI, pages, API) comes here; each change is audited on the customer
(``contact_added``, ``contact_changed`` with the fields' ``before`` and ``after``).

The rules a value keeps are ledger/importers/reach.py's, the very ones the contacts import
applies: one email address, a phone of digits, spaces, ``+ - ( )`` and an extension, a
language among zh-CN and en ("" is the customer's), the columns' lengths. A value they
refuse is ``Invalid`` with the field and a code ``invalid_<field>`` (the name's:
``invalid_contact_name``); a name the customer's
other contact has is ``Refused`` (``contact_exists``, 409).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from ledger import contact_store, receivable_store
from ledger.audit import AuditEntry, write_audit
from ledger.contact_store import FIELDS, ContactRow
from ledger.importers.base import FieldError
from ledger.importers.reach import CONTACT_TEXT
from ledger.models import Customer
from workflows.errors import Invalid, NotFound, Refused

__all__ = ["FIELDS", "ContactExists", "add_contact", "clean", "list_contacts", "set_contact"]


# a refusal's code per field: ``invalid_<field>``, but a contact's name has its own code
# (``invalid_name`` is a user's or token's name rule, and pages show it by code)
CODES = {"name": "invalid_contact_name"}


class ContactExists(Refused):
    """The customer has a contact of that name already (names are unique per customer)."""

    code = "contact_exists"


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given fields checked and normalised (stripped, full-width digits made ASCII,
    language aliases resolved); ``Invalid`` names the first field that is wrong."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise TypeError(f"not a contact field: {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    for name in FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name == "billing":
            if not isinstance(value, bool):
                raise Invalid("billing is true or false", code="invalid_billing",
                              field="billing")
            cleaned[name] = value
            continue
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text", code=CODES.get(name, f"invalid_{name}"),
                          field=name)
        try:
            cleaned[name] = CONTACT_TEXT[name](value)
        except FieldError as exc:
            message = "a contact needs a name" if str(exc) == "required" else str(exc)
            raise Invalid(message, code=CODES.get(name, f"invalid_{name}"),
                          field=name) from None
    return cleaned


def _customer(session: Any, code: str) -> Customer:
    customer = receivable_store.find_customer(session, code)
    if customer is None:
        raise NotFound(f"no customer {code!r}", field="customer")
    return customer


def _contact(session: Any, customer: Customer, name: str | None, contact_id: int | None
             ) -> ContactRow:
    if contact_id is not None:
        found = contact_store.get(session, contact_id)
        if found is None or found.customer_id != customer.id:
            raise NotFound(f"no contact {contact_id} at {customer.code}", field="id")
        return found
    if name is None:
        raise TypeError("a contact is named by its name or its id")
    found = contact_store.find(session, customer.id or 0, name.strip())
    if found is None:
        raise NotFound(f"no contact {name.strip()!r} at {customer.code}", field="contact")
    return found


def _audit(session: Any, on_date: date, actor: str, action: str, customer: Customer,
           details: dict[str, Any]) -> None:
    write_audit(session, [AuditEntry(on_date, actor, action, "customer", customer.id,
                                     customer.code, details=details)])


def add_contact(session: Any, code: str, values: Mapping[str, Any], *, on_date: date,
                actor: str) -> ContactRow:
    """A new contact of the customer ``code`` (``values``: ``name`` and any other of
    FIELDS); audited ``contact_added`` with the contact as ``after``."""
    customer = _customer(session, code)
    cleaned = clean({"name": "", **values})
    if contact_store.find(session, customer.id or 0, cleaned["name"]) is not None:
        raise ContactExists(f"{customer.code} has a contact {cleaned['name']!r} already",
                            field="name")
    contact = contact_store.add(session, customer.id or 0, cleaned)
    _audit(session, on_date, actor, "contact_added", customer,
           {"contact_id": contact.id, "name": contact.name, "before": None,
            "after": contact.values()})
    return contact


def set_contact(session: Any, code: str, values: Mapping[str, Any], *, on_date: date,
                actor: str, name: str | None = None, contact_id: int | None = None
                ) -> ContactRow:
    """Change a contact of the customer ``code``, found by ``name`` or ``contact_id``;
    ``values["name"]`` renames it. Only what differs is written and audited
    (``contact_changed``, ``before``/``after`` of those fields); no difference, no row."""
    customer = _customer(session, code)
    contact = _contact(session, customer, name, contact_id)
    cleaned = clean(values)
    before = contact.values()
    changes = {k: v for k, v in cleaned.items() if before[k] != v}
    if not changes:
        return contact
    if "name" in changes and contact_store.find(session, customer.id or 0,
                                                changes["name"]) is not None:
        raise ContactExists(f"{customer.code} has a contact {changes['name']!r} already",
                            field="name")
    contact_store.change(session, contact.id, changes)
    _audit(session, on_date, actor, "contact_changed", customer,
           {"contact_id": contact.id, "name": changes.get("name", contact.name),
            "before": {k: before[k] for k in changes}, "after": changes})
    found = contact_store.get(session, contact.id)
    assert found is not None
    return found


def list_contacts(session: Any, code: str) -> list[ContactRow]:
    """The customer's contacts, billing ones first."""
    return contact_store.for_customer(session, _customer(session, code).id or 0)
