"""customers.csv: code,name,email,language,segment,country,credit_limit,payment_terms_days
(+ collector, contact_name, contact_phone).

``contact_name`` (with ``contact_phone``, optional) names the person to call at the
customer: that contact is upserted by (customer, name) as contacts.csv would. A new one is
the customer's billing contact when the customer has no contact yet (its first contact
is the one who deals with the bills), else not; an existing one keeps its flag, role and
email. An empty ``contact_phone`` leaves a stored phone alone (an ERP export without the
number must not wipe the one a collector entered); ``contact_phone`` without
``contact_name`` is a row error. Contacts of their own (several, roles, emails, WeChat)
come from ``arflow import contacts``.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger import contact_store
from ledger.importers.base import (
    FieldError,
    ImportResult,
    Row,
    RowError,
    RowReader,
    column_size,
    optional,
    parse_int,
    parse_optional_amount,
    required,
)
from ledger.importers.reach import (
    parse_contact_name,
    parse_email,
    parse_language,
    parse_phone,
)
from ledger.importers.upsert import upsert
from ledger.models import Customer

__all__ = ["OPTIONAL", "REQUIRED", "parse_country", "parse_email", "parse_language",
           "validate", "write"]

REQUIRED = ("code", "name")
OPTIONAL = (
    "email",
    "language",
    "segment",
    "country",
    "credit_limit",
    "payment_terms_days",
    "collector",
    "contact_name",
    "contact_phone",
)
CONTACT_COLUMNS = ("contact_name", "contact_phone")
# the text columns' lengths (ledger/models.py): a longer value is a row error
SIZES = {c: column_size(Customer, c) for c in ("code", "name", "segment", "collector")}


def parse_country(value: str | None) -> str:
    text = (optional(value) or "CN").upper()
    if len(text) != 2 or not text.isalpha():
        raise FieldError(f"not an ISO country code: {text!r}")
    return text


def validate(
    session: Session, file: str, rows: list[Row], errors: list[RowError]
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        reader = RowReader.of(file, row, errors)
        record = {
            "code": reader.take("code", required, limit=SIZES["code"]),
            "name": reader.take("name", required, limit=SIZES["name"]),
            "email": reader.take("email", parse_email),
            "language": reader.take("language", parse_language),
            "segment": reader.take("segment", optional, limit=SIZES["segment"]) or "",
            "country": reader.take("country", parse_country),
            "credit_limit": reader.take("credit_limit", parse_optional_amount),
            "payment_terms_days": reader.take("payment_terms_days", parse_int),
        }
        record["collector"] = reader.take("collector", optional, limit=SIZES["collector"])
        contact = optional(row.values.get("contact_name"))
        record["contact_name"] = reader.take("contact_name", parse_contact_name) \
            if contact else None
        record["contact_phone"] = reader.take("contact_phone", parse_phone)
        if record["contact_phone"] and not contact:
            reader.fail("contact_phone", "a phone needs the contact_name it belongs to")
        # a column the file does not have leaves the stored value alone (and a new
        # customer gets the default): a short export must not wipe emails or limits
        record = {k: v for k, v in record.items() if k in REQUIRED or k in row.values}
        code = record["code"]
        reader.once("code", code, seen, "code")
        if reader.ok:
            records.append(record)
    return records


def write(session: Session, records: list[dict[str, Any]], result: ImportResult) -> None:
    people = {r["code"]: (r.pop("contact_name", None), r.pop("contact_phone", None))
              for r in records}
    outcome = upsert(session, Customer.__table__, "code", records)  # type: ignore[arg-type]
    result.count(outcome)
    _write_contacts(session, {outcome.ids[code]: found for code, found in people.items()
                              if found[0]})


def _write_contacts(session: Session, people: dict[int, tuple[str, str | None]]) -> None:
    """Each customer's named contact (see the module's docstring for the billing flag)."""
    if not people:
        return
    known = contact_store.with_contacts(session, people)
    contacts = []
    for customer_id, (name, phone) in sorted(people.items()):
        record: dict[str, Any] = {"customer_id": customer_id, "name": name}
        if phone:
            record["phone"] = phone
        if customer_id not in known:  # else: an existing contact keeps its flag, a new
            record["billing"] = True  # one is not billing (the upsert's default)
        contacts.append(record)
    contact_store.upsert(session, contacts)
