"""The matcher's Book (engine/bank_match.Book) over the database, for a batch of lines.

Everything the matcher may ask about a batch is read up front in a few bulk queries, so
10,000 lines against a million receivables cost a handful of round trips, not one per
question: the invoices whose number key appears in any line's text (one IN query per
chunk of keys), the payer aliases of the lines' accounts and names, every customer's name
for the fuzzy index (engine/payer_names.NameIndex), then the open invoices of every
customer the lines may point to (one IN query per chunk of customers). A question about a
customer not prefetched is still answered, with one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlmodel import Session

from engine.bank_match import OpenInvoice, StatementLine
from engine.invoice_numbers import keys_in_text
from engine.payer_names import NameIndex, normalize_name
from engine.stages import ACTIVE_STAGES
from ledger.bulk import chunks, in_list
from ledger.models import Customer, PayerAlias, Receivable

_ACTIVE = frozenset(ACTIVE_STAGES)

_OPEN = _ACTIVE - {"disputed"}


class LedgerBook:
    """engine/bank_match.Book answered from memory, prefetched for ``lines``."""

    def __init__(self, session: Session, lines: Sequence[StatementLine]) -> None:
        self.session = session
        self.by_key: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.accounts: dict[str, int] = {}
        self.names: dict[str, int] = {}
        self.open: dict[tuple[int, str], list[OpenInvoice]] = {}
        self._loaded_customers: set[int] = set()
        self._index: NameIndex | None = None
        self._in_list = in_list(session)
        self._fuzzy: dict[str, tuple[int, int] | None] = {}
        self._prefetch(lines)

    # the Book protocol

    def invoices_by_key(self, keys: Iterable[str]) -> list[OpenInvoice]:
        found: dict[int, OpenInvoice] = {}
        for key in keys:
            for invoice in self.by_key.get(key, ()):
                found.setdefault(invoice.id, invoice)
        return list(found.values())

    def customer_of_account(self, account: str) -> int | None:
        return self.accounts.get(account_key(account)) if account else None

    def customer_of_name(self, name: str) -> tuple[int, int] | None:
        key = normalize_name(name)
        if not key:
            return None
        learned = self.names.get(key)
        if learned is not None:
            return learned, 100
        if key not in self._fuzzy:  # the same payer pays often: asked once per batch
            self._fuzzy[key] = self.index.best(name)
        return self._fuzzy[key]

    def open_invoices(self, customer_id: int, currency: str) -> list[OpenInvoice]:
        if customer_id not in self._loaded_customers:
            self._load_open([customer_id])
        return list(self.open.get((customer_id, currency), ()))

    # prefetching

    @property
    def index(self) -> NameIndex:
        if self._index is None:
            rows = self.session.execute(select(Customer.id, Customer.name))
            self._index = NameIndex({cid: name for cid, name in rows})
        return self._index

    def _prefetch(self, lines: Sequence[StatementLine]) -> None:
        self._load_keys(sorted({key for line in lines for key in keys_in_text(line.text)}))
        self._load_aliases(
            {account_key(line.payer_account) for line in lines if line.payer_account},
            {normalize_name(line.payer_name) for line in lines if line.payer_name} - {""})
        customers: set[int] = set()
        for line in lines:  # the payer's open invoices: what the matcher asks about (the
            customer = self.customer_of_account(line.payer_account)  # name only when the
            if customer is None:  # account is not known, as the matcher asks)
                customer = self._customer_of_name_quiet(line.payer_name)
            if customer is not None:
                customers.add(customer)
        self._load_open(sorted(customers))

    def _customer_of_name_quiet(self, name: str) -> int | None:
        found = self.customer_of_name(name) if name else None
        return found[0] if found else None

    def _load_keys(self, keys: list[str]) -> None:
        """Active invoices with a balance whose key is one of ``keys``. Only the key is in
        the WHERE: given the stage too, SQLite walks ix_receivable_stage_due (every active
        receivable) instead of probing ix_receivable_number_key."""
        r = Receivable.__table__
        for chunk in chunks(keys, self._in_list):
            stmt = select(r.c.id, r.c.number, r.c.customer_id, r.c.due_date, r.c.balance,
                          r.c.currency, r.c.number_key, r.c.stage
                          ).where(r.c.number_key.in_(chunk))
            for row in self.session.execute(stmt):
                if row.stage in _ACTIVE and row.balance > 0:
                    self.by_key[row.number_key].append(_invoice(row))

    def _load_aliases(self, accounts: set[str], names: set[str]) -> None:
        a = PayerAlias.__table__
        for kind, values, into in (("account", accounts, self.accounts),
                                   ("name", names, self.names)):
            for chunk in chunks(sorted(values), self._in_list):
                stmt = select(a.c.value, a.c.customer_id).where(a.c.kind == kind,
                                                                a.c.value.in_(chunk))
                into.update({value: cid for value, cid in self.session.execute(stmt)})

    def _load_open(self, customer_ids: list[int]) -> None:
        """Open, undisputed invoices of these customers, per currency, oldest due first
        (filtered here, not in SQL, for the reason given in :meth:`_load_keys`)."""
        r = Receivable.__table__
        fresh = [c for c in customer_ids if c not in self._loaded_customers]
        self._loaded_customers.update(fresh)
        for chunk in chunks(fresh, self._in_list):
            stmt = (select(r.c.id, r.c.number, r.c.customer_id, r.c.due_date, r.c.balance,
                           r.c.currency, r.c.stage)
                    .where(r.c.customer_id.in_(chunk)).order_by(r.c.due_date, r.c.id))
            for row in self.session.execute(stmt):
                if row.stage in _OPEN and row.balance > 0:
                    self.open.setdefault((row.customer_id, row.currency), []
                                         ).append(_invoice(row))


def _invoice(row: object) -> OpenInvoice:
    return OpenInvoice(id=row.id, number=row.number, customer_id=row.customer_id,  # type: ignore[attr-defined]
                       due_date=row.due_date, balance=row.balance,  # type: ignore[attr-defined]
                       currency=row.currency)  # type: ignore[attr-defined]


def account_key(account: str) -> str:
    """A payer account as aliases store it: no spaces, upper-case (IBANs)."""
    return "".join(account.split()).upper()


