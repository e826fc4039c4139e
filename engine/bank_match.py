"""Matching a bank statement line to open invoices, explained (decide; ledger/ applies).

INTERFACE (written first so that the ledger, the workflows and the web can be built at
once; the implementation fills the bodies, keeping these names and fields).

For one credit line, :func:`propose` returns proposals, best option first. Proposals that
share an ``option`` go together (one transfer paying two invoices is one option of two
proposals); applying an option applies all of its proposals. Evidence, in order:

1. invoice numbers found in the remittance text (engine/invoice_numbers.py: spaces,
   dashes, full-width characters, ranges like ``0042/0043``);
2. the payer's account, then name, mapped to a customer (``Book``: learned aliases, exact
   names, fuzzy names in Chinese and Latin: engine/payer_names.py);
3. the amount equal to one open invoice of that customer, or to a combination of its
   open invoices (bounded search), in the line's currency only;
4. a shortfall within ``tolerance`` recorded as bank charges (``Proposal.charges``).

Each proposal says why in ``reason`` (English) and as data (``reason_key`` and
``reason_params``, for the web app to say it in the reader's language).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True)
class StatementLine:
    id: int
    date: date
    amount: Decimal  # a credit, > 0, in ``currency``
    currency: str
    payer_name: str = ""
    payer_account: str = ""
    text: str = ""


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: int
    due_date: date
    balance: Decimal
    currency: str


@dataclass(frozen=True)
class Proposal:
    option: int  # 1 = the best; proposals of one option are applied together
    customer_id: int
    receivable_id: int | None  # None: left as unapplied credit on the customer
    invoice: str | None  # the invoice number, None for credit
    amount: Decimal  # of the line's money, to this invoice (or credit)
    charges: Decimal  # the invoice's shortfall taken as bank charges (0 when none)
    confidence: Decimal  # 0..1, two decimals
    reason: str  # plain English: what was found and why it fits
    reason_key: str = ""
    reason_params: dict[str, Any] = field(default_factory=dict)


class Book(Protocol):
    """What the matcher may ask of the ledger (ledger/bank_book.py answers from memory,
    prefetched for a batch of lines)."""

    def invoices_by_key(self, keys: Iterable[str]) -> list[OpenInvoice]:
        """Open (active) invoices whose number key is one of ``keys``."""
        ...

    def customer_of_account(self, account: str) -> int | None:
        """The customer a payer account is known to belong to (learned), else None."""
        ...

    def customer_of_name(self, name: str) -> tuple[int, int] | None:
        """(customer id, score 0..100) for a payer name: a learned alias or exact name is
        100; otherwise the best fuzzy match above the matcher's floor, else None."""
        ...

    def open_invoices(self, customer_id: int, currency: str) -> list[OpenInvoice]:
        """The customer's open, undisputed invoices in ``currency``, oldest due first."""
        ...


def propose(line: StatementLine, book: Book, tolerance: Decimal) -> list[Proposal]:
    """The proposals for ``line``, best option first; [] when nothing points anywhere."""
    raise NotImplementedError  # filled in by the matcher's implementation
