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
``reason_params``, for the web app to say it in the reader's language:
engine/bank_reasons.explain).

Confidence follows the evidence, so that the auto-apply threshold (settings, 0.90 by
default) applies invoice numbers with the amount that settles them, or a known account
with an exact amount, at once, and leaves the rest to a person:

- invoice numbers in the text: the amount is their balance 0.99, their balance less bank
  charges 0.97, more (the rest as credit) 0.85, exactly some of them 0.85, less (a part
  payment, oldest due first) 0.80; invoices of several customers with no payer to say
  whose 0.60 each, of a customer other than the payer 0.50;
- the payer known by account: one invoice 0.95, a combination 0.92; by an exact or learned
  name 0.90 / 0.88; by a fuzzy name of score s, 0.9 * s / 100 - 0.1 (a combination 0.02
  less); bank charges 0.03 less; two equally good choices 0.15 less each; nothing fits
  the amount: oldest due first 0.50, all of it as credit 0.40;
- only invoices in another currency named: all of it as credit on their customer 0.40.

The amounts of one option add up to the line's amount exactly (bank charges are extra)
and never exceed a balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from engine.amount_combos import CombinationSearch, find_combinations
from engine.bank_reasons import explain
from engine.invoice_numbers import keys_in_text, number_key, whole_keys

__all__ = ["Book", "OpenInvoice", "Proposal", "StatementLine", "explain", "propose"]


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


def charges_allowed(amount: Decimal, tolerance: Decimal) -> Decimal:
    """The shortfall a line of ``amount`` may leave as bank charges: the setting's
    tolerance, but never more than CHARGES_MAX_SHARE of the transfer (a bank keeps a fee,
    not a sixth of the money: 10.00 paid on a 60.00 invoice is a part payment)."""
    share = (amount * CHARGES_MAX_SHARE).quantize(CENT, rounding=ROUND_DOWN)
    return max(Decimal("0"), min(tolerance, share))


def propose(line: StatementLine, book: Book, tolerance: Decimal) -> list[Proposal]:
    """The proposals for ``line``, best option first; [] when nothing points anywhere."""
    if line.amount <= 0:
        return []
    tolerance = charges_allowed(line.amount, tolerance)
    keys = keys_in_text(line.text)
    named = _unique(book.invoices_by_key(keys)) if keys else []
    same = [inv for inv in named if inv.currency == line.currency and inv.balance > 0]
    if same:
        options = _by_numbers(line, same, book, tolerance)
        if max(option.confidence for option in options) < SETTLED_BY_NUMBERS:
            options += _alternatives(options, _by_customer(line, book, tolerance))
    else:
        options = _by_customer(line, book, tolerance)
        other = [inv for inv in named if inv.currency != line.currency]
        if not options and other:
            options = _other_currency(line, other)
    return _proposals(line, options)


def _alternatives(named: list[_Option], by_payer: list[_Option]) -> list[_Option]:
    """The payer's invoices matching the amount, offered beside named invoices the amount
    does not settle (a number in the text may not be what it seems), for a person only."""
    seen = {_paid(option) for option in named}
    found = []
    for option in by_payer:
        if option.key.endswith((".oldest_first", ".credit")) or _paid(option) in seen:
            continue
        option.confidence = min(option.confidence, PAYER_BESIDE_NUMBERS)
        found.append(option)
    return found


def _paid(option: _Option) -> frozenset[tuple[int | None, Decimal]]:
    return frozenset((share.invoice.id if share.invoice else None, share.amount)
                     for share in option.shares)


# -- what one option is, before it becomes proposals -------------------------------------

@dataclass
class _Share:
    invoice: OpenInvoice | None  # None: credit on the customer
    amount: Decimal
    charges: Decimal = Decimal("0")


@dataclass
class _Option:
    customer_id: int
    shares: list[_Share]
    confidence: Decimal
    key: str
    params: dict[str, Any]


@dataclass(frozen=True)
class _Payer:
    customer_id: int
    evidence: str  # account | name
    score: int  # 100: the account, an exact or learned name


CENT = Decimal("0.01")
AMBIGUOUS_PENALTY = Decimal("0.15")
CHARGES_PENALTY = Decimal("0.03")
CHARGES_MAX_SHARE = Decimal("0.02")  # bank charges above 2% of the transfer are not charges
SEVERAL_CUSTOMERS = Decimal("0.60")  # invoices of several customers named, payer unknown
OTHER_CUSTOMER = Decimal("0.50")  # named invoices of a customer the payer is not
SETTLED_BY_NUMBERS = Decimal("0.97")  # named invoices settled exactly or less charges
PAYER_BESIDE_NUMBERS = Decimal("0.75")  # the payer's own fit when named ones do not fit
MAX_SAME_BALANCE = 3  # invoices of one balance offered when the amount fits each


def _proposals(line: StatementLine, options: list[_Option]) -> list[Proposal]:
    ordered = sorted(options, key=lambda option: -option.confidence)  # stable
    proposals: list[Proposal] = []
    for number, option in enumerate(ordered, start=1):
        params = dict(option.params, currency=line.currency)
        reason = explain(option.key, params, "en")
        for share in option.shares:
            proposals.append(Proposal(
                option=number, customer_id=option.customer_id,
                receivable_id=share.invoice.id if share.invoice else None,
                invoice=share.invoice.number if share.invoice else None,
                amount=share.amount, charges=share.charges,
                confidence=_confidence(option.confidence), reason=reason,
                reason_key=option.key, reason_params=dict(params)))
    return proposals


def _confidence(value: Decimal) -> Decimal:
    return min(max(value, Decimal("0")), Decimal("1")).quantize(CENT, ROUND_HALF_UP)


def _unique(invoices: Iterable[OpenInvoice]) -> list[OpenInvoice]:
    seen: dict[int, OpenInvoice] = {}
    for invoice in invoices:
        seen.setdefault(invoice.id, invoice)
    return _oldest_first(seen.values())


def _oldest_first(invoices: Iterable[OpenInvoice]) -> list[OpenInvoice]:
    return sorted(invoices, key=lambda inv: (inv.due_date, inv.id))


def _pay_oldest_first(invoices: list[OpenInvoice], amount: Decimal) -> list[_Share]:
    """``amount`` over ``invoices`` oldest first, each at most its balance; what exceeds
    every balance becomes credit."""
    shares: list[_Share] = []
    left = amount
    for invoice in invoices:
        paid = min(left, invoice.balance)
        if paid <= 0:
            break
        shares.append(_Share(invoice, paid))
        left -= paid
    if left > 0:
        shares.append(_Share(None, left))
    return shares


def _settle_with_charges(invoices: list[OpenInvoice], short: Decimal) -> list[_Share] | None:
    """Every invoice settled, ``short`` (what the bank kept) recorded as charges on the
    last ones, each still paid at least a cent; None when the invoices are too small."""
    charges = [Decimal("0")] * len(invoices)
    left = short
    for i in range(len(invoices) - 1, -1, -1):
        charges[i] = min(left, invoices[i].balance - CENT)
        left -= charges[i]
        if left <= 0:
            break
    if left > 0:
        return None
    return [_Share(inv, inv.balance - taken, taken) for inv, taken in zip(invoices, charges,
                                                                         strict=True)]


def _numbers_params(invoices: list[OpenInvoice], **extra: Any) -> dict[str, Any]:
    return {"invoices": [inv.number for inv in invoices], **extra}


# -- 1. invoice numbers in the text ------------------------------------------------------

def _by_numbers(line: StatementLine, named: list[OpenInvoice], book: Book,
                tolerance: Decimal) -> list[_Option]:
    by_customer: dict[int, list[OpenInvoice]] = {}
    for invoice in _unshadowed(named, line.text):
        by_customer.setdefault(invoice.customer_id, []).append(invoice)
    if len(by_customer) == 1:
        (customer_id, invoices), = by_customer.items()
        fits = _fit_named(line, invoices, tolerance)
        known = book.customer_of_account(line.payer_account) if line.payer_account else None
        if known is not None and known != customer_id:  # another customer's account pays
            for option in fits:  # them: a person decides (a group paying, or a mistake)
                option.confidence = min(option.confidence, OTHER_CUSTOMER)
                option.params["other_payer"] = True
        return fits
    payer = _payer(line, book)
    fits = sorted((option for invoices in by_customer.values()
                   for option in _fit_named(line, invoices, tolerance)),
                  key=lambda option: -option.confidence)  # the best fit first among equals
    for option in fits:
        if payer is None or payer.customer_id != option.customer_id:
            cap = SEVERAL_CUSTOMERS if payer is None or payer.customer_id not in by_customer \
                else OTHER_CUSTOMER
            option.confidence = min(option.confidence, cap)
            option.params["several_customers"] = True
    return fits


def _unshadowed(named: list[OpenInvoice], text: str) -> list[OpenInvoice]:
    """Without the invoices whose number is only part of another number found in the
    same text, never written whole: ``INV-2026-0042`` also gives the key ``2026``, and an
    invoice numbered plainly 2026 is not named by it (unless the text says
    ``INV-2026-0042, 2026``). The longest numbers always stay."""
    if len(named) < 2:
        return named
    keys = {inv.id: number_key(inv.number) for inv in named}
    longer = set(keys.values())
    whole = whole_keys(text)
    return [inv for inv in named if keys[inv.id] in whole
            or not any(keys[inv.id] != other and keys[inv.id] in other for other in longer)]


def _fit_named(line: StatementLine, invoices: list[OpenInvoice],
               tolerance: Decimal) -> list[_Option]:
    """The named invoices of one customer settled by the line's amount."""
    customer_id = invoices[0].customer_id
    total = sum((inv.balance for inv in invoices), Decimal("0"))
    amount = line.amount
    if amount == total:
        return [_Option(customer_id, _pay_oldest_first(invoices, amount), Decimal("0.99"),
                        "numbers.exact", _numbers_params(invoices))]
    settled = _settle_with_charges(invoices, total - amount) \
        if total - tolerance <= amount < total else None
    if settled is not None:
        return [_Option(customer_id, settled, Decimal("0.97"), "numbers.charges",
                        _numbers_params(invoices, charges=str(total - amount)))]
    if amount < total:
        partial = _Option(customer_id, _pay_oldest_first(invoices, amount), Decimal("0.80"),
                          "numbers.partial", _numbers_params(invoices, balance=str(total)))
        return [*_named_subsets(line, invoices), partial]
    return [_Option(customer_id, _pay_oldest_first(invoices, amount), Decimal("0.85"),
                    "numbers.surplus",
                    _numbers_params(invoices, balance=str(total), credit=str(amount - total)))]


def _named_subsets(line: StatementLine, invoices: list[OpenInvoice]) -> list[_Option]:
    """Some of the named invoices exactly (the others paid already, or later): 0.85, or
    less when two choices fit."""
    if len(invoices) < 2:
        return []
    combos = find_combinations([_cents(inv.balance) for inv in invoices], _cents(line.amount),
                               min_size=1, max_size=len(invoices) - 1)
    ambiguous = len(combos) > 1
    options = []
    for combo in combos:
        paid = [invoices[i] for i in combo.positions]
        params = _numbers_params(invoices, paid=[inv.number for inv in paid])
        confidence = Decimal("0.85")
        if ambiguous:
            params["ambiguous"] = True
            confidence -= AMBIGUOUS_PENALTY
        options.append(_Option(invoices[0].customer_id, _pay_oldest_first(paid, line.amount),
                               confidence, "numbers.subset", params))
    return options


def _other_currency(line: StatementLine, named: list[OpenInvoice]) -> list[_Option]:
    """Only invoices in another currency named: their customer, the line left as credit
    (allocation never crosses currencies)."""
    customers = {inv.customer_id for inv in named}
    if len(customers) != 1:
        return []
    params = {"ignored": [inv.number for inv in named],
              "other_currency": ", ".join(sorted({inv.currency for inv in named})),
              "credit": str(line.amount)}
    return [_Option(named[0].customer_id, [_Share(None, line.amount)], Decimal("0.40"),
                    "other_currency.credit", params)]


# -- 2.-4. the payer, then the amount ----------------------------------------------------

def _payer(line: StatementLine, book: Book) -> _Payer | None:
    account = line.payer_account.strip()
    if account:
        customer_id = book.customer_of_account(account)
        if customer_id is not None:
            return _Payer(customer_id, "account", 100)
    name = line.payer_name.strip()
    if name:
        found = book.customer_of_name(name)
        if found is not None:
            return _Payer(found[0], "name", int(found[1]))
    return None


def _base_confidence(payer: _Payer) -> tuple[Decimal, Decimal]:
    """(one invoice, a combination) at the exact amount, from how sure the payer is."""
    if payer.evidence == "account":
        return Decimal("0.95"), Decimal("0.92")
    if payer.score >= 100:
        return Decimal("0.90"), Decimal("0.88")
    single = Decimal("0.9") * Decimal(payer.score) / 100 - Decimal("0.1")
    return single, single - Decimal("0.02")


def _by_customer(line: StatementLine, book: Book, tolerance: Decimal) -> list[_Option]:
    payer = _payer(line, book)
    if payer is None:
        return []
    invoices = _oldest_first(inv for inv in book.open_invoices(payer.customer_id, line.currency)
                             if inv.currency == line.currency and inv.balance > 0)
    single, combination = _base_confidence(payer)
    evidence = {"score": payer.score} if payer.evidence == "name" else {}
    key = payer.evidence

    def option(chosen: list[OpenInvoice], confidence: Decimal, fit: str,
               ambiguous: bool) -> _Option | None:
        total = sum((inv.balance for inv in chosen), Decimal("0"))
        short = total - line.amount
        params: dict[str, Any] = {"invoices": [inv.number for inv in chosen], **evidence}
        shares: list[_Share] | None = _pay_oldest_first(chosen, line.amount)
        if short > 0:
            params["charges"] = str(short)
            confidence -= CHARGES_PENALTY
            shares = _settle_with_charges(chosen, short)
        if ambiguous:
            params["ambiguous"] = True
            confidence -= AMBIGUOUS_PENALTY
        if shares is None:
            return None
        return _Option(payer.customer_id, shares, confidence, f"{key}.{fit}", params)

    search = CombinationSearch([_cents(inv.balance) for inv in invoices], _cents(tolerance) + 1)
    for slack, fit in ((Decimal("0"), "exact"), (tolerance, "charges")):
        if fit == "charges" and slack <= 0:
            break
        low = line.amount if fit == "exact" else line.amount + CENT
        singles = [inv for inv in invoices if low <= inv.balance <= line.amount + slack]
        found = [option([inv], single, fit, len(singles) > 1)
                 for inv in singles[:MAX_SAME_BALANCE]]
        if not singles:
            combos = search.find(_cents(low), _cents(line.amount + slack - low))
            found = [option([invoices[i] for i in combo.positions], combination, fit,
                            len(combos) > 1) for combo in combos]
        options = [found_option for found_option in found if found_option is not None]
        if options:
            return options
    return _fallbacks(line, payer, invoices, evidence)


def _fallbacks(line: StatementLine, payer: _Payer, invoices: list[OpenInvoice],
               evidence: dict[str, Any]) -> list[_Option]:
    """Nothing fits the amount: pay the oldest first (0.5), or leave it all as credit (0.4)."""
    options = []
    if invoices:
        shares = _pay_oldest_first(invoices, line.amount)
        credit = sum((share.amount for share in shares if share.invoice is None), Decimal("0"))
        paid = [share.invoice.number for share in shares if share.invoice is not None]
        options.append(_Option(payer.customer_id, shares, Decimal("0.50"),
                               f"{payer.evidence}.oldest_first",
                               {"invoices": paid, "credit": str(credit), **evidence}))
    options.append(_Option(payer.customer_id, [_Share(None, line.amount)], Decimal("0.40"),
                           f"{payer.evidence}.credit",
                           {"invoices": [], "credit": str(line.amount), **evidence}))
    return options


def _cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value(ROUND_HALF_UP))
