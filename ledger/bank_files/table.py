"""A bank's own export (online banking CSV in GBK or UTF-8, or XLSX) read through the
importers' ``read_rows`` and a ``Mapping`` onto the line's fields.

Fields (the mapping's targets): ``date`` and ``amount`` (the credit amount) are required;
``debit`` (a debit amount column), ``direction`` (借/贷, D/C, DR/CR, Debit/Credit),
``currency``, ``payer_name``, ``payer_account``, ``text``, ``bank_ref``, ``account`` are
optional. A row is a debit, counted and skipped, when its direction says so, when its debit
column holds an amount, or when it has no credit amount (or a negative one). An amount or
debit cell holding only a dash (``-``, ``--``, ``—``, ``－``) is empty: several Chinese
banks write the empty side of a row that way.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ledger.bank_files.base import ParsedLine, StatementFile, clean, currency_of
from ledger.importers.base import (
    FieldError,
    ImportFailed,
    RowError,
    RowReader,
    parse_date,
)
from ledger.importers.source import Mapping, read_rows
from ledger.money import parse_money

REQUIRED = ("date", "amount")
OPTIONAL = ("debit", "direction", "currency", "payer_name", "payer_account", "text",
            "bank_ref", "account")
FIELDS = REQUIRED + OPTIONAL
DEBIT_WORDS = {"借", "借方", "支出", "付", "D", "DR", "DEBIT", "-"}
CREDIT_WORDS = {"", "贷", "贷方", "收入", "收", "C", "CR", "CREDIT", "+"}
#: what several Chinese banks write in the empty side of a row (借方/贷方): no amount
EMPTY_MARKS = {"-", "--", "—", "——", "－", "－－", "–"}
#: a table with no currency column: the caller's book currency, else a Chinese bank's
DEFAULT_CURRENCY = "CNY"


def read(path: Path, mapping: Mapping | None = None, encoding: str | None = None,
         sheet: str | None = None, default_currency: str = DEFAULT_CURRENCY
         ) -> StatementFile:
    """All rows or none: every bad row is listed (``FILE:ROW: header: reason``)."""
    name = path.name
    header, rows = read_rows(path, mapping, encoding, sheet)
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        shown = {field: column for column, field in mapping.columns.items()} if mapping else {}
        hint = "" if mapping else " (pass --mapping to name the export's columns)"
        raise ImportFailed([RowError(name, 1, f, f"missing column{hint}", shown.get(f, ""))
                            for f in missing])
    date_format = mapping.date_format if mapping else None
    out = StatementFile("csv")
    errors: list[RowError] = []
    for row in rows:
        reader = RowReader.of(name, row, errors)  # errors name the file's header / cell
        if _is_debit(reader):
            out.debits_skipped += 1
            continue
        amount = reader.take("amount", _credit)
        day = reader.take("date", parse_date, date_format)
        currency = reader.take("currency", currency_of, default_currency)
        if not reader.ok:
            continue
        if amount is None:  # no credit amount (or a negative one): money out
            out.debits_skipped += 1
            continue
        values = row.values
        out.lines.append(ParsedLine(
            row=row.number, date=day, amount=amount, currency=currency,
            payer_name=clean(values.get("payer_name"), 200),
            payer_account=clean(values.get("payer_account"), 64).replace(" ", ""),
            text=clean(values.get("text"), 2000), bank_ref=clean(values.get("bank_ref"), 128),
            account=clean(values.get("account"), 64)))
    if errors:
        raise ImportFailed(errors)
    return out


def _is_debit(reader: RowReader) -> bool:
    direction = (reader.values.get("direction") or "").strip().upper()
    if direction in DEBIT_WORDS:
        return True
    if direction not in CREDIT_WORDS:
        reader.fail("direction", f"not a direction (借/贷, D/C, DR/CR): {direction!r}")
        return False
    debit = _cell(reader.values.get("debit"))
    if not debit:
        return False
    try:
        return parse_money(debit, allow_negative=True) != 0
    except ValueError as exc:
        reader.fail("debit", str(exc))
        return False


def _credit(value: str | None) -> Decimal | None:
    """The credit amount, None when the row has none (a debit row) or it is negative."""
    text = _cell(value)
    if not text:
        return None
    try:
        amount = parse_money(text, allow_negative=True)
    except ValueError as exc:
        raise FieldError(str(exc)) from None
    return amount if amount > 0 else None


def _cell(value: str | None) -> str:
    """An amount cell as written, "" when empty or a placeholder dash."""
    text = (value or "").strip()
    return "" if text in EMPTY_MARKS else text
