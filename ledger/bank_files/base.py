"""What every bank file reader gives back: credit lines in one shape, and the line's
fingerprint that makes storing a statement idempotent.

A reader (camt053, mt940, table) turns a file into :class:`StatementFile`; bad content is
``ImportFailed`` with ``FILE:ROW`` errors (ledger/importers/base.py), so a bad statement is
refused whole before anything is written.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from engine.currency import UnknownCurrency, normalize_currency
from ledger.importers.base import FieldError

FORMATS = ("camt053", "mt940", "csv")


@dataclass(frozen=True)
class ParsedLine:
    """One credit of a statement, as read: not stored yet."""

    row: int  # where it is in the file (XML line, :61: line, table row) for errors
    date: date
    amount: Decimal  # > 0
    currency: str  # ISO 4217
    payer_name: str = ""
    payer_account: str = ""
    text: str = ""
    bank_ref: str = ""  # the bank's own reference of the line, "" when the file has none
    account: str = ""  # our account the statement is for

    def identity(self) -> tuple[str, ...]:
        """The fields that make two lines without a bank reference the same line."""
        return (self.account, self.date.isoformat(), f"{self.amount:.2f}", self.currency,
                self.payer_account, self.payer_name, self.text)


@dataclass
class StatementFile:
    format: str
    lines: list[ParsedLine] = field(default_factory=list)  # credits only
    debits_skipped: int = 0


def fingerprints(lines: Sequence[ParsedLine]) -> list[str]:
    """Each line's fingerprint: sha256 of the bank's reference (with our account) when it
    has one, else of its fields and ``n``, its rank among identical lines of the file, so
    two equal transfers on one day stay two lines while a re-import adds neither again."""
    seen: Counter[tuple[str, ...]] = Counter()
    out = []
    for line in lines:
        if line.bank_ref:
            parts: tuple[str, ...] = ("ref", line.account, line.bank_ref)
        else:
            identity = line.identity()
            seen[identity] += 1
            parts = ("fields", *identity, str(seen[identity]))
        out.append(hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest())
    return out


def currency_of(value: str | None, fallback: str | None = None) -> str:
    """An ISO code for the line's currency (the statement's when the line has none)."""
    text = (value or "").strip() or (fallback or "").strip()
    if not text:
        raise FieldError("no currency (neither the line nor the statement names one)")
    try:
        return normalize_currency(text)
    except UnknownCurrency as exc:
        raise FieldError(str(exc)) from None


def clean(value: object, limit: int) -> str:
    """A text field as stored: whitespace runs folded, cut to the column's size."""
    return " ".join(str(value or "").split())[:limit]
