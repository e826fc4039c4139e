"""Cash application: bank statement lines in, matched to invoices, applied as payments.

INTERFACE (written first so the CLI, the API and the web page can be built beside the
implementation; the implementation keeps these names, fields and refusals).

- import_statement: read a file (ledger/bank_files: camt.053, MT940, bank CSV/XLSX with a
  mapping), store its credit lines once (fingerprint), propose matches for the new lines
  (engine/bank_match.propose over ledger's Book), apply at once every line whose best
  option reaches ``rules.auto_apply_confidence``; the rest wait as ``proposed`` (or
  ``unmatched`` when nothing points anywhere).
- apply_line: a person applies a line: ``option`` (confirm a proposal), or ``splits``
  (their own invoices and amounts, e.g. one transfer over two invoices), or
  ``credit_customer`` (leave it as unapplied credit on a customer). The line becomes a
  payment (reference ``BANK-<id>``, the line's date and currency; a shortfall within
  the tolerance as a second payment of kind ``bank_charges``) settled through the same
  path as every payment (workflows/actions.settle_touched: paid invoices settle, their
  reminders are withdrawn, warnings close, the worklist re-ranks); the payer's account
  and name are learned as aliases of the customer; audited ``bank_applied``.
- unapply_line: reverse it (payments and allocations removed, invoices reopened, the
  proposals back), audited ``bank_unapplied``.

Refusals (workflows/errors.py): NotFound (no such line / invoice / customer), Invalid
(an amount that is not the line's, an invoice in another currency or of a closed
receivable, splits that add up to more than the line, ``field`` named), Refused (a line
already applied, or not applied when unapplying).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.db import Session

FORMATS = ("camt053", "mt940", "csv")  # csv: a bank's CSV or XLSX export with a mapping
STATUSES = ("unmatched", "proposed", "applied")


@dataclass(frozen=True)
class BankRules:
    """The settings' ``bank`` section, as the workflow needs it."""

    auto_apply_confidence: Decimal = Decimal("0.90")
    charges_tolerance: Decimal = Decimal("50.00")


@dataclass(frozen=True)
class Split:
    """One share of a line a person applies: ``amount`` to ``invoice``."""

    invoice: str
    amount: Decimal


@dataclass
class ImportSummary:
    file: str
    format: str
    lines: int = 0  # credit lines read
    debits_skipped: int = 0
    inserted: int = 0
    duplicates: int = 0  # lines already stored (a re-import, an overlapping statement)
    applied: int = 0  # applied at once (confidence at or above the threshold)
    proposed: int = 0
    unmatched: int = 0
    line_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "lines": self.lines,
                "debits_skipped": self.debits_skipped, "inserted": self.inserted,
                "duplicates": self.duplicates, "applied": self.applied,
                "proposed": self.proposed, "unmatched": self.unmatched}


def import_statement(
    session: Session, path: Path, fmt: str | None, *, today: date, actor: str,
    rules: BankRules, mapping: Path | None = None, encoding: str | None = None,
    sheet: str | None = None,
) -> ImportSummary:
    """Read, store once, propose, auto-apply. A bad file is refused whole (ImportFailed /
    SourceError from ledger/importers, each error FILE:ROW or FILE:CELL), nothing written."""
    raise NotImplementedError


def apply_line(
    session: Session, line_id: int, *, today: date, actor: str, rules: BankRules,
    option: int | None = None, splits: list[Split] | None = None,
    credit_customer: str | None = None,
) -> dict[str, Any]:
    """Apply a line one way (exactly one of option / splits / credit_customer); return the
    line as `arflow bank lines --json` shows it."""
    raise NotImplementedError


def unapply_line(session: Session, line_id: int, *, today: date, actor: str) -> dict[str, Any]:
    """Reverse an applied line; return it as `arflow bank lines --json` shows it."""
    raise NotImplementedError
