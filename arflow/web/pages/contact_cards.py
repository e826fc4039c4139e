"""The contacts block of the customer and receivable pages (templates/collector/
_contacts.html): each contact of the customer with its phones as ``tel:`` links, so a
collector on a phone calls with one tap."""

from __future__ import annotations

from typing import Any

from ledger import contact_store
from ledger.db import Session
from ledger.importers.reach import dial


def tel(phone: str) -> str:
    """A ``tel:`` link: the digits (and a leading +); an extension after a pause (``,``),
    which phone diallers dial once the call connects."""
    number, extension = dial(phone)
    return f"tel:{number}" + (f",{extension}" if extension else "")


def cards(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """The customer's contacts as the template shows them (billing contacts first)."""
    return [{**c.values(), "id": c.id,
             "phone_href": tel(c.phone) if c.phone else "",
             "mobile_href": tel(c.mobile) if c.mobile else ""}
            for c in contact_store.for_customer(session, customer_id)]
