"""How each payer profile pays, and which invoices the customers dispute.

Payments are what a bank statement would show up to ``as_of``: nothing later exists.
Good payers pay by the due date or a few days late, slow payers 10-40 days late, the
chronically late 30-120 days late and often in part, and defaulters stopped paying
some months ago. Some remittances name their invoice; others do not, and the importer
applies them oldest-first, as an ERP would. A few overpay, leaving unapplied credit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from arflow.demo.portfolio import DemoCustomer, DemoInvoice

DISPUTE_SHARE = 0.015
DISPUTE_WINDOW_DAYS = 120  # customers dispute recent invoices
OVERPAY_SHARE = 0.004

Instalment = tuple[int, int]  # (days after the due date, cents)


@dataclass
class DemoPayment:
    reference: str
    customer_code: str
    day: date
    cents: int
    invoice_number: str | None


def choose_disputed(rng: random.Random, invoices: list[DemoInvoice], as_of: date) -> list[str]:
    """About 1.5% of recent invoices, which their customers withhold payment on.

    Their customers name invoices on every remittance: an unnamed payment would be
    applied oldest-first to the very invoice they are refusing to pay.
    """
    since = as_of - timedelta(days=DISPUTE_WINDOW_DAYS)
    candidates = [i for i in invoices if i.issue >= since and i.customer.profile != "defaulting"]
    wanted = min(len(candidates), max(1, round(len(invoices) * DISPUTE_SHARE))) if invoices else 0
    picked = sorted(rng.sample(candidates, wanted), key=lambda i: i.number)
    for invoice in picked:
        invoice.customer.names_invoices = True
    return [i.number for i in picked]


def instalments(rng: random.Random, customer: DemoCustomer, cents: int) -> list[Instalment]:
    """What this customer would ever pay on an invoice of ``cents``, by its profile."""
    if customer.profile == "good":
        roll = rng.random()
        delay = (-rng.randint(1, 10) if roll < 0.2 else
                 -rng.randint(0, 3) if roll < 0.8 else rng.randint(1, 7))
        return [(delay, cents)]
    if customer.profile in ("slow", "defaulting"):
        delay = rng.randint(10, 40)
        if rng.random() < 0.1:
            half = cents // 2
            return [(delay, half), (delay + rng.randint(15, 30), cents - half)]
        return [(delay, cents)]
    delay = rng.randint(30, 120)  # chronic
    if rng.random() < 0.5:
        part = cents * rng.randint(30, 70) // 100
        rest = [(delay + rng.randint(20, 60), cents - part)] if rng.random() < 0.7 else []
        return [(delay, part), *rest]
    return [(delay, cents)]


@dataclass
class _Draft:
    day: date
    code: str
    number: str | None
    cents: int
    full: bool  # pays the whole invoice in one go


def make_payments(rng: random.Random, invoices: list[DemoInvoice], disputed: list[str],
                  as_of: date) -> list[DemoPayment]:
    """Every payment received up to ``as_of``, in date order, with bank references."""
    withheld = set(disputed)  # membership only
    drafts: list[_Draft] = []
    for invoice in invoices:
        if invoice.number in withheld:
            continue
        customer = invoice.customer
        for delay, cents in instalments(rng, customer, invoice.cents):
            day = max(invoice.due + timedelta(days=delay), invoice.issue + timedelta(days=1))
            if day > as_of or (customer.stop_paying and day > customer.stop_paying):
                continue
            number = invoice.number if customer.names_invoices else None
            drafts.append(_Draft(day, customer.code, number, cents, cents == invoice.cents))
    drafts = _merge_unnamed(drafts)
    _overpay(rng, drafts)
    drafts.sort(key=lambda d: (d.day, d.code, d.number or "", d.cents))
    return [DemoPayment(f"PAY-{n:07d}", d.code, d.day, d.cents, d.number)
            for n, d in enumerate(drafts, 1)]


def _merge_unnamed(drafts: list[_Draft]) -> list[_Draft]:
    """A customer who does not name invoices pays a day's invoices in one transfer."""
    merged: dict[tuple[date, str], _Draft] = {}
    kept: list[_Draft] = []
    for draft in drafts:
        if draft.number is not None:
            kept.append(draft)
        elif (key := (draft.day, draft.code)) in merged:
            merged[key].cents += draft.cents
            merged[key].full = False
        else:
            merged[key] = draft
            kept.append(draft)
    return kept


def _overpay(rng: random.Random, drafts: list[_Draft]) -> None:
    """A few full payments naming their invoice pay too much: the rest stays unapplied."""
    eligible = [d for d in drafts if d.number is not None and d.full]
    if not eligible:
        return
    for draft in rng.sample(eligible, max(1, round(len(eligible) * OVERPAY_SHARE))):
        draft.cents += rng.randint(100, 5_000) * 100
