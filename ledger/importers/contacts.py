"""contacts.csv: customer_code,name[,role,phone,mobile,email,wechat,language,billing].

A contact is upserted by (customer_code, name): a new name adds a contact, a known one
is updated. As for customers, a column the file does not have leaves the stored value
alone (a new contact gets the default: empty, the customer's language, not billing); an
empty cell in a column the file has clears the value. ``billing`` is a yes/no flag
(yes/no, true/false, 1/0, 是/否; empty: no). An unknown customer code, a value the rules
of ledger/importers/reach.py refuse, or the same (customer_code, name) twice is a row error
naming the file, line and column; one bad row rejects the whole file (runner.py).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger import contact_store
from ledger.importers.base import ImportResult, Row, RowError, RowReader, parse_flag, required
from ledger.importers.lookups import customer_ids
from ledger.importers.reach import CONTACT_TEXT

REQUIRED = ("customer_code", "name")
OPTIONAL = ("role", "phone", "mobile", "email", "wechat", "language", "billing")


def validate(
    session: Session,
    file: str,
    rows: list[Row],
    errors: list[RowError],
    date_format: str | None = None,  # the runner's argument for dated files; none here
) -> list[dict[str, Any]]:
    customers = customer_ids(session, (r.values.get("customer_code", "").strip() for r in rows))
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        reader = RowReader.of(file, row, errors)
        code = reader.take("customer_code", required)
        record: dict[str, Any] = {"customer_id": customers.get(code or "")}
        for column, parser in CONTACT_TEXT.items():
            if column == "name" or column in row.values:
                record[column] = reader.take(column, parser)
        if "billing" in row.values:
            record["billing"] = reader.take("billing", parse_flag)
        if code and code not in customers:
            reader.fail("customer_code", f"unknown customer {code!r}")
        if code and record["name"]:
            reader.once("name", f"{code} / {record['name']}", seen, "contact")
        if reader.ok:
            records.append(record)
    return records


def write(session: Session, records: list[dict[str, Any]], result: ImportResult) -> None:
    result.count(contact_store.upsert(session, records))
