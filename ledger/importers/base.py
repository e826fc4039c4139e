"""What every importer shares: row errors, the result, and field parsers that name the column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ledger.money import parse_money


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    column: str  # "" when the fault is in no one column (a broken file, the header row)
    reason: str

    def __str__(self) -> str:
        column = f" {self.column}:" if self.column else ""
        return f"{self.file}:{self.row}:{column} {self.reason}"


class ImportFailed(Exception):
    """The file was rejected whole; ``errors`` lists every bad row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportResult:
    kind: str
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # receivables whose balance changed, with the date it changed (None: the import day)
    touched_receivables: dict[int, date | None] = field(default_factory=dict)
    # foreign AR exports (settled_date / disputed columns): payments made for settled rows,
    # and the invoice numbers the caller must open a dispute on through workflows
    settlements: int = 0
    to_dispute: list[str] = field(default_factory=list)

    def count(self, outcome: Any) -> None:
        """Add an upsert's outcome (lists of inserted/updated/unchanged keys)."""
        self.inserted += len(outcome.inserted)
        self.updated += len(outcome.updated)
        self.unchanged += len(outcome.unchanged)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            **({"settlements": self.settlements} if self.settlements else {}),
            **({"to_dispute": list(self.to_dispute)} if self.to_dispute else {}),
        }


class FieldError(ValueError):
    """Raised by a parser; the importer turns it into a RowError for the column at hand."""


def required(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise FieldError("required")
    return text


def optional(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def parse_date(value: str | None, date_format: str | None = None) -> date:
    from datetime import datetime

    text = required(value)
    try:
        if date_format:
            return datetime.strptime(text, date_format).date()
        return date.fromisoformat(text)
    except ValueError as exc:
        expected = date_format or "YYYY-MM-DD"
        raise FieldError(f"not a date ({expected}): {text!r}") from exc


def parse_optional_date(value: str | None, date_format: str | None = None) -> date | None:
    return None if optional(value) is None else parse_date(value, date_format)


TRUE_FLAGS = {"1", "y", "yes", "true", "t", "x", "是", "有", "争议"}
FALSE_FLAGS = {"", "0", "n", "no", "false", "f", "否", "无", "-"}


def parse_flag(value: str | None) -> bool:
    """A yes/no column as ERPs write it: 1/0, Y/N, yes/no, true/false, 是/否; empty = no."""
    text = (value or "").strip().lower()
    if text in TRUE_FLAGS:
        return True
    if text in FALSE_FLAGS:
        return False
    raise FieldError(f"not a yes/no flag: {text!r}")


def parse_amount(value: str | None, *, allow_zero: bool = True) -> Decimal:
    try:
        return parse_money(required(value), allow_zero=allow_zero)
    except FieldError:
        raise
    except ValueError as exc:
        raise FieldError(str(exc)) from None


def parse_optional_amount(value: str | None) -> Decimal | None:
    return None if optional(value) is None else parse_amount(value)


def parse_int(value: str | None, *, minimum: int = 0) -> int | None:
    text = optional(value)
    if text is None:
        return None
    try:
        number = int(text)
    except ValueError as exc:
        raise FieldError(f"not a whole number: {text!r}") from exc
    if number < minimum:
        raise FieldError(f"must be at least {minimum}: {number}")
    return number


def parse_currency(value: str | None, default: str = "CNY") -> str:
    text = (optional(value) or default).upper()
    if len(text) != 3 or not text.isalpha():
        raise FieldError(f"not an ISO currency code: {text!r}")
    return text


class RowReader:
    """Parses one row's columns, collecting every bad column instead of stopping at the first."""

    def __init__(self, file: str, row: int, values: dict[str, str], errors: list[RowError]):
        self.file = file
        self.row = row
        self.values = values
        self.errors = errors
        self.ok = True

    def take(self, column: str, parser, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return parser(self.values.get(column), *args, **kwargs)
        except FieldError as exc:
            self.fail(column, str(exc))
            return None

    def once(self, column: str, value: str | None, seen: dict[str, int], what: str) -> None:
        """A natural key may appear once per file: name the row that had it first."""
        if value in seen:
            self.fail(column, f"duplicate {what} {value!r} (also on row {seen[value]})")
        elif value:
            seen[value] = self.row

    def fail(self, column: str, reason: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.file, self.row, column, reason))
