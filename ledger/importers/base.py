"""What every importer shares: rows, row errors, the result, and field parsers that name
the column."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.currency import UnknownCurrency, normalize_currency
from ledger.money import parse_money


@dataclass(frozen=True)
class Row:
    """One data row of a file (CSV or a workbook's sheet) or one item of the feed.

    ``values`` are keyed by arflow's column (after the mapping). ``headers`` gives each
    column's header as the file writes it (``due_date`` -> ``到期日``) and ``letters``, for
    a sheet, its column letter (``D``), so an error names what the user sees; both are
    shared by every row of a file."""

    number: int  # the file's line (CSV, header = 1) or the sheet's row number
    values: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    letters: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    column: str  # arflow's column; "" when the fault is in no one column (the header row)
    reason: str
    header: str = ""  # the column's header as written in the file, when it differs
    cell: str = ""  # a sheet's cell (``D17``); "" for CSV

    def __str__(self) -> str:
        label = self.header or self.column
        if self.cell:  # ar.xlsx:D17 (到期日): not a date: '2026-02-30'
            named = f" ({label})" if label else ""
            return f"{self.file}:{self.cell}{named}: {self.reason}"
        column = f" {label}:" if label else ""
        return f"{self.file}:{self.row}:{column} {self.reason}"

    @classmethod
    def at(cls, file: str, row: Row, column: str, reason: str) -> RowError:
        """An error in ``column`` of ``row``, named as the file names it."""
        header = row.headers.get(column, "")
        letter = row.letters.get(column, "")
        return cls(file, row.number, column, reason,
                   header if header != column else "", f"{letter}{row.number}" if letter else "")


class SourceError(ValueError):
    """The file cannot be read at all (encoding, header, mapping, a sheet it lacks)."""


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


def required(value: str | None, *, limit: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise FieldError("required")
    return fits(text, limit)


def optional(value: str | None, *, limit: int | None = None) -> str | None:
    text = (value or "").strip()
    return fits(text, limit) or None


def fits(text: str, limit: int | None) -> str:
    """Text no longer than its column (``limit``: column_size), else a row error: stored,
    it would be a PostgreSQL error for the whole file, or cut without a word on SQLite."""
    if limit is not None and len(text) > limit:
        raise FieldError(f"at most {limit} characters ({len(text)} given)")
    return text


def column_size(model: Any, column: str) -> int:
    """The length of a text column of a ledger/models.py table: what an import may store."""
    return int(model.__table__.c[column].type.length)


def parse_date(value: str | None, date_format: str | None = None) -> date:
    """A date as ERPs and spreadsheets write it: in the mapping's ``date_format`` (else
    ISO), or an Excel date serial (5 digits: 1927 to 2173, a number no date format makes).
    A workbook's date cells arrive already written in that format (importers/xlsx.py)."""
    text = required(value)
    try:
        if date_format:
            return datetime.strptime(text, date_format).date()
        return date.fromisoformat(text)
    except ValueError:
        pass
    if _SERIAL.fullmatch(text):
        return _EXCEL_EPOCH + timedelta(days=int(text))
    raise FieldError(f"not a date: {text!r} ({_why_not(text, date_format)})")


# Excel's day 0 (its day 60 is a 29 February 1900 that never was; serials past it count
# from here)
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL = re.compile(r"[1-9][0-9]{4}")
_PARTS = {"%Y": (r"(?P<Y>[0-9]{4})", "YYYY"), "%m": (r"(?P<m>[0-9]{1,2})", "MM"),
          "%d": (r"(?P<d>[0-9]{1,2})", "DD"), "%y": (r"(?P<y>[0-9]{2})", "YY")}
_DIRECTIVE = re.compile(r"%.")


def _why_not(text: str, date_format: str | None) -> str:
    """In plain words: the day or month does not exist, else the form expected."""
    fmt = date_format or "%Y-%m-%d"
    pattern = "".join(_PARTS[d][0] if d in _PARTS else ".+?" if d.startswith("%")
                      else re.escape(d) for d in _tokens(fmt))
    shown = "".join(_PARTS[d][1] if d in _PARTS else d for d in _tokens(fmt))
    found = re.fullmatch(pattern, text)
    if found is not None and {"m", "d"} <= found.groupdict().keys():
        parts = found.groupdict()
        year = int(parts["Y"]) if parts.get("Y") else 2000 + int(parts.get("y") or 0)
        month, day = int(parts["m"]), int(parts["d"])
        if not 1 <= month <= 12:
            return f"there is no month {month}; expected {shown}"
        days = calendar.monthrange(year, month)[1]
        if not 1 <= day <= days:
            name = calendar.month_name[month]
            return f"that date does not exist: {name} {year} has {days} days"
    return f"expected {shown}"


def _tokens(fmt: str) -> list[str]:
    """``%Y/%m/%d`` -> ``['%Y', '/', '%m', '/', '%d']``."""
    tokens: list[str] = []
    position = 0
    for match in _DIRECTIVE.finditer(fmt):
        tokens += list(fmt[position:match.start()]) + [match.group()]
        position = match.end()
    return tokens + list(fmt[position:])


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
    """An ISO 4217 code, read through engine/currency (人民币, RMB, ¥ -> CNY); ``default``
    when the cell is empty."""
    text = optional(value)
    if text is None:
        return default
    try:
        return normalize_currency(text)
    except UnknownCurrency as exc:
        raise FieldError(str(exc)) from None


def parse_optional_currency(value: str | None) -> str | None:
    return None if optional(value) is None else parse_currency(value)


class RowReader:
    """Parses one row's columns, collecting every bad column instead of stopping at the first."""

    def __init__(self, file: str, row: int, values: dict[str, str], errors: list[RowError],
                 source: Row | None = None):
        self.file = file
        self.row = row
        self.values = values
        self.source = source if source is not None else Row(row, values)
        self.errors = errors
        self.ok = True

    @classmethod
    def of(cls, file: str, row: Row, errors: list[RowError]) -> RowReader:
        """A reader whose errors name the file's own header (and cell, for a sheet)."""
        return cls(file, row.number, row.values, errors, row)

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
        self.errors.append(RowError.at(self.file, self.source, column, reason))
