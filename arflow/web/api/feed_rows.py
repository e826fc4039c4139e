"""The feed runs JSON items through the CSV importers: same validation, same bulk write.

An item becomes the importer's row of strings (the field names are the CSV columns), so
a rule about customers, receivables or payments lives in one place (ledger/importers).
Here only what JSON adds is checked: a value must be a string or a number, without NUL,
and fit its column. Every bad row is reported, with a stable code per problem, before
anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.db import Session
from ledger.importers import ImportResult, RowError
from ledger.importers.runner import KINDS
from ledger.importers.source import Row
from ledger.models import Customer, Payment, Receivable

TABLES = {"customers": Customer.__table__, "receivables": Receivable.__table__,
          "payments": Payment.__table__}
KEYS = {"customers": "code", "receivables": "number", "payments": "reference"}

# (words in the importer's reason, code): the first that matches names the problem
_REASONS = (
    ("required", "required"),
    ("unknown customer", "unknown_customer"),
    ("unknown invoice", "unknown_invoice"),
    ("belongs to another customer", "invoice_of_another_customer"),
    ("currency mismatch", "currency_mismatch"),
    ("duplicate", "duplicate_key"),
    ("not a date", "invalid_date"),
    ("is before issue date", "invalid_date"),
    ("currency", "invalid_currency"),
    ("email", "invalid_email"),
    ("language", "invalid_language"),
    ("country", "invalid_country"),
    ("whole number", "invalid_number"),
    ("must be at least", "invalid_number"),
)
_AMOUNT_COLUMNS = frozenset({"amount", "balance", "credit_limit"})


@dataclass(frozen=True)
class Problem:
    index: int | None  # the item's position in a batch; None for a single record
    column: str
    code: str
    message: str

    @property
    def field(self) -> str:
        return self.column if self.index is None else f"items.{self.index}.{self.column}"


class FeedRejected(Exception):
    """The record or batch was refused whole; ``problems`` lists every bad field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def code_for(column: str, reason: str) -> str:
    """A stable code for an importer's reason (clients branch on codes, not messages)."""
    lowered = reason.lower()
    for words, code in _REASONS:
        if words in lowered:
            return code
    return "invalid_amount" if column in _AMOUNT_COLUMNS else "invalid_value"


def _limits(kind: str) -> dict[str, int]:
    table = TABLES[kind]
    found = {c.name: getattr(c.type, "length", None) for c in table.columns}
    # a currency is written many ways (人民币, US$, RMB¥) and stored as its ISO code: the
    # importer reads it (engine/currency), so its column's width says nothing about it
    return {name: length for name, length in found.items()
            if isinstance(length, int) and name != "currency"}


def _as_text(value: Any) -> str:
    """A JSON scalar as the importer's cell text; ValueError for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a string or a number")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_rows(kind: str, items: Sequence[dict[str, Any]], single: bool
            ) -> tuple[list[Row], list[Problem]]:
    """Items -> rows of strings (only the fields given), plus what JSON got wrong."""
    limits = _limits(kind)
    rows: list[Row] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        where = None if single else index
        values: dict[str, str] = {}
        for column, value in item.items():
            if value is None:
                continue
            try:
                text = _as_text(value)
            except ValueError as exc:
                problems.append(Problem(where, column, "invalid_type", str(exc)))
                continue
            if "\x00" in text:
                problems.append(Problem(where, column, "invalid_value", "contains a NUL"))
            elif column in limits and len(text.strip()) > limits[column]:
                problems.append(Problem(where, column, "too_long",
                                        f"at most {limits[column]} characters"))
            else:
                values[column] = text
        rows.append(Row(index, values))
    return rows, problems


def run(session: Session, kind: str, items: Sequence[dict[str, Any]], *, single: bool = False,
        book_currency: str = "CNY") -> ImportResult:
    """Validate every item with the importer, raise FeedRejected, else write them in bulk.

    ``book_currency``: the currency of a receivable or payment that gives none (for a
    payment, after its invoice's and its customer's). The caller owns the transaction
    (nothing is written when a row is bad)."""
    module = KINDS[kind]
    rows, problems = to_rows(kind, items, single)
    errors: list[RowError] = []
    if kind == "customers":
        records = module.validate(session, "items", rows, errors)
    else:
        records = module.validate(session, "items", rows, errors, None,
                                  book_currency=book_currency)
    seen = {(p.index, p.column) for p in problems}
    for error in errors:
        where = None if single else error.row
        if (where, error.column) not in seen:  # a field JSON already refused
            problems.append(Problem(where, error.column, code_for(error.column, error.reason),
                                    error.reason))
    if problems:
        problems.sort(key=lambda p: (p.index or 0, p.column))
        raise FeedRejected(problems)
    result = ImportResult(kind=kind, file="api", rows=len(rows))
    module.write(session, records, result)
    return result
