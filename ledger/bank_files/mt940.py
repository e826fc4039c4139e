"""SWIFT MT940 statements through the ``mt-940`` library (import name ``mt940``).

The payer sits in each line's ``:86:`` field, written one of three ways: German-style
subfields (``?20``..``?29`` purpose, ``?31`` account, ``?32``/``?33`` name: parsed by the
library, with spaces kept between subfields so ``INV-2026-0050`` stays apart from the next
word), SWIFT keywords (``/ORDP/name/ACCT/account/REMI/text``), or free text (all of it
is the remittance text). Only ``C`` lines are credits; ``D``, ``RC`` and ``RD`` are not
a customer paying.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import mt940

from ledger.bank_files.base import ParsedLine, StatementFile, clean, currency_of
from ledger.importers.base import FieldError, ImportFailed, RowError
from ledger.importers.source import SourceError, decode

NUL_IN_STATEMENT = ("NUL byte (\\x00) in the statement: a damaged file "
                    "(or UTF-16: pass --encoding utf-16)")
_TAG_61 = re.compile(r"^:61:", re.MULTILINE)
_LOOKS = re.compile(r"^:20:.*^:61:", re.MULTILINE | re.DOTALL)
_KEYWORD = re.compile(r"/(ORDP|NAME|BENM|ACCT|ACC|IBAN|REMI|USTD|EREF|PURP|ORDR)/")
_NAME_KEYS = {"ORDP", "NAME", "BENM", "ORDR"}
_ACCOUNT_KEYS = {"ACCT", "ACC", "IBAN"}
_TEXT_KEYS = {"REMI", "USTD", "PURP"}


def looks_like(text: str) -> bool:
    """MT940 tags: a ``:20:`` reference and at least one ``:61:`` line."""
    return _LOOKS.search(text) is not None


def read(path: Path, encoding: str | None = None) -> StatementFile:
    name = path.name
    try:
        text = decode(path.read_bytes(), encoding)
    except (OSError, UnicodeDecodeError, LookupError, SourceError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    if not text.strip("\ufeff \t\r\n"):
        raise SourceError(f"{path}: the file is empty")
    if "\x00" in text:  # kept by the library, then refused by PostgreSQL at the insert
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFailed([RowError(name, line, "", NUL_IN_STATEMENT)])
    rows = [text.count("\n", 0, m.start()) + 1 for m in _TAG_61.finditer(text)]
    processors = dict(mt940.models.Transactions.DEFAULT_PROCESSORS)
    processors["post_transaction_details"] = [
        mt940.processors.transaction_details_post_processor_with_space]
    try:  # one Transactions per :20: block: each keeps its own :25: account and balances
        statements = mt940.parse_statements(io.StringIO(text), processors=processors,
                                            options=mt940.Options(applicant_iban=True))
    except Exception as exc:  # noqa: BLE001 - the library raises many kinds on bad input
        raise ImportFailed([RowError(name, 1, "", f"not a readable MT940 statement: {exc}")]) \
            from None
    if not statements:
        raise ImportFailed([RowError(name, 1, ":20:", "not an MT940 statement (no :20: "
                                     "statement reference)")])
    read = [(statement, transaction) for statement in statements
            for transaction in statement.transactions]
    if len(read) != len(rows):
        raise ImportFailed([RowError(name, 1, ":61:", f"{len(rows)} :61: lines but "
                                     f"{len(read)} read")])
    out = StatementFile("mt940")
    errors: list[RowError] = []
    for row, (statement, transaction) in zip(rows, read, strict=True):
        data = transaction.data
        if data.get("status") != "C":
            out.debits_skipped += 1
            continue
        try:
            out.lines.append(_line(data, row,
                                   _account(statement.data.get("account_identification")),
                                   _statement_currency(statement.data)))
        except FieldError as exc:
            errors.append(RowError(name, row, ":61:", str(exc)))
    if errors:
        raise ImportFailed(errors)
    return out


def _line(data: dict[str, Any], row: int, account: str, fallback: str | None) -> ParsedLine:
    money = data.get("amount")
    amount = getattr(money, "amount", None)
    if amount is None or amount <= 0:
        raise FieldError(f"not a credit amount: {money!r}")
    payer_name, payer_account, text = _details(data)
    day = data.get("date")
    if day is None:
        raise FieldError("no value date")
    return ParsedLine(
        row=row, date=date(day.year, day.month, day.day),  # a plain date, not mt940's Date
        amount=amount, currency=currency_of(getattr(money, "currency", None), fallback),
        payer_name=clean(payer_name, 200), payer_account=clean(payer_account, 64),
        text=clean(text, 2000), bank_ref=clean(data.get("bank_reference") or "", 128),
        account=clean(account, 64))


def _details(data: dict[str, Any]) -> tuple[str, str, str]:
    """(payer name, payer account, remittance text) from the ``:86:`` field."""
    if "transaction_details" not in data:  # subfields, parsed by the library
        text = " ".join(p for p in (data.get("purpose"), data.get("additional_purpose")) if p)
        return (data.get("applicant_name") or "", data.get("applicant_iban") or "",
                text or data.get("posting_text") or "")
    details = " ".join((data.get("transaction_details") or "").split())
    parts = _KEYWORD.split(details)
    if len(parts) < 3:
        return "", "", details
    name = account = ""
    texts = [parts[0].strip()] if parts[0].strip() else []
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        value = value.strip().strip("/").strip()
        if key in _NAME_KEYS and not name:
            name = value
        elif key in _ACCOUNT_KEYS and not account:
            account = value
        elif key in _TEXT_KEYS or key not in _NAME_KEYS | _ACCOUNT_KEYS:
            texts.append(value)
    return name, account, " ".join(t for t in texts if t)


def _account(identification: str | None) -> str:
    """``BIC/account`` (as :25: often reads) -> the account."""
    return (identification or "").strip().rsplit("/", 1)[-1]


def _statement_currency(data: dict[str, Any]) -> str | None:
    for key in ("final_opening_balance", "opening_balance", "final_closing_balance"):
        balance = data.get(key)
        currency = getattr(getattr(balance, "amount", None), "currency", None)
        if currency:
            return str(currency)
    return None
