"""The demo's customers and their invoices.

A portfolio is only a useful demo if it looks like a real one: a few big buyers and a
long tail, mostly domestic firms invoiced in CNY with some export buyers in USD, and a
mix of payer profiles so every stage, warning and rating has something to show.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from arflow.demo.names import NameBook, chinese_company, english_company

HISTORY_DAYS = 547  # invoices spread over the 18 months before as_of
PROFILE_SHARES = (("defaulting", 0.08), ("chronic", 0.15), ("slow", 0.25))  # rest: good
SEGMENTS = ("manufacturing", "distribution", "retail", "export")
SEGMENT_WEIGHTS = (40, 25, 20, 15)
EXPORT_COUNTRIES = ("US", "DE", "SG", "GB", "AU", "NL", "AE", "JP")
COLLECTORS = ("li.na", "wang.wei", "zhang.min")
EXPORT_COLLECTOR = "chen.jie"  # the English-speaking collector works the export book
TERMS = (30, 45, 60, 90)
CNY_PER_USD = 7.1


@dataclass
class DemoCustomer:
    code: str
    name: str
    email: str
    language: str
    segment: str
    country: str
    currency: str
    terms: int
    collector: str
    profile: str  # good | slow | chronic | defaulting
    weight: float  # share of the invoices this customer gets
    typical_cents: int  # median invoice amount
    credit_limit: int | None = None  # whole units of the customer's currency
    stop_paying: date | None = None  # defaulting: no payment after this day
    last_order: date | None = None  # defaulting: no invoice after this day
    names_invoices: bool = True  # remittances name the invoice; else applied oldest-first


@dataclass
class DemoInvoice:
    number: str
    customer: DemoCustomer
    issue: date
    due: date
    cents: int


def profile_mix(rng: random.Random, count: int) -> list[str]:
    """Exact shares, shuffled: even a 30-customer demo shows every profile."""
    mix: list[str] = []
    for profile, share in PROFILE_SHARES:
        wanted = round(count * share)
        mix += [profile] * (max(1, wanted) if count >= 10 else wanted)
    mix += ["good"] * (count - len(mix))
    rng.shuffle(mix)
    return mix


def make_customers(rng: random.Random, count: int, invoices: int, as_of: date
                   ) -> list[DemoCustomer]:
    """``count`` customers with names, terms, profiles and credit limits sized to volume."""
    book = NameBook()
    customers = [_customer(rng, book, i, profile, as_of)
                 for i, profile in enumerate(profile_mix(rng, count), 1)]
    total = sum(c.weight for c in customers)
    for customer in customers:
        customer.credit_limit = _credit_limit(rng, customer, invoices * customer.weight / total)
    return customers


def _customer(rng: random.Random, book: NameBook, index: int, profile: str, as_of: date
              ) -> DemoCustomer:
    segment = rng.choices(SEGMENTS, weights=SEGMENT_WEIGHTS)[0]
    if segment == "export":
        country = rng.choice(EXPORT_COUNTRIES)
        name, email = book.unique(rng, english_company(segment, country))
        language, currency, collector = "en", "USD", EXPORT_COLLECTOR
        terms = rng.choices(TERMS, weights=(10, 15, 45, 30))[0]
    else:
        country, currency, collector = "CN", "CNY", rng.choice(COLLECTORS)
        foreign_invested = rng.random() < 0.06
        maker = english_company(segment, "CN") if foreign_invested else chinese_company(segment)
        name, email = book.unique(rng, maker)
        language = "en" if foreign_invested else "zh-CN"
        terms = rng.choices(TERMS, weights=(35, 25, 30, 10))[0]
    typical = math.exp(rng.uniform(math.log(8_000), math.log(120_000)))
    if currency == "USD":
        typical /= CNY_PER_USD
    customer = DemoCustomer(
        code=f"C{index:05d}", name=name, email=email, language=language, segment=segment,
        country=country, currency=currency, terms=terms, collector=collector, profile=profile,
        weight=min(rng.paretovariate(1.3), 25.0), typical_cents=int(typical * 100),
        names_invoices=profile in ("chronic", "defaulting") or rng.random() < 0.6)
    if profile == "defaulting":  # a sizeable buyer that kept ordering after it stopped paying
        customer.weight = max(customer.weight, 2.0)
        customer.stop_paying = as_of - timedelta(days=rng.randint(100, 270))
        customer.last_order = customer.stop_paying + timedelta(days=rng.randint(20, 60))
    return customer


def _credit_limit(rng: random.Random, customer: DemoCustomer, expected_invoices: float
                  ) -> int | None:
    """A term's worth of purchases plus headroom, so good payers sit well inside it and
    late payers run over; a few customers have no limit at all."""
    if rng.random() < 0.03:
        return None
    monthly = expected_invoices / (HISTORY_DAYS / 30) * customer.typical_cents / 100
    step = 5_000 if customer.currency == "USD" else 10_000
    limit = monthly * (customer.terms / 30 + 1) * 1.5
    return max(step * 2, math.ceil(limit / step) * step)


def make_invoices(rng: random.Random, customers: list[DemoCustomer], count: int, as_of: date
                  ) -> list[DemoInvoice]:
    """``count`` invoices over the last 18 months, numbered in issue order."""
    cum_weights = list(accumulate(c.weight for c in customers))
    drafts: list[tuple[date, str, int, DemoCustomer]] = []
    for _ in range(count):
        issue = _business_day(as_of - timedelta(days=rng.randint(0, HISTORY_DAYS)))
        customer = _buyer(rng, customers, cum_weights, issue)
        drafts.append((issue, customer.code, _amount(rng, customer), customer))
    drafts.sort(key=lambda d: (d[0], d[1], d[2]))
    return [DemoInvoice(f"INV-{issue.year}-{n:06d}", customer, issue,
                        issue + timedelta(days=customer.terms), cents)
            for n, (issue, _code, cents, customer) in enumerate(drafts, 1)]


def _business_day(day: date) -> date:
    """Invoices go out on weekdays: a Saturday or Sunday becomes the Friday before."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _buyer(rng: random.Random, customers: list[DemoCustomer], cum_weights: list[float],
           issue: date) -> DemoCustomer:
    """A customer by volume weight; a defaulter put on hold gets no more invoices."""
    for _ in range(50):
        customer = rng.choices(customers, cum_weights=cum_weights)[0]
        if customer.last_order is None or issue <= customer.last_order:
            return customer
    return customer


def _amount(rng: random.Random, customer: DemoCustomer) -> int:
    """Cents: spread around the customer's typical invoice, a few thousand to ~500k CNY."""
    low, high = (300_00, 70_000_00) if customer.currency == "USD" else (2_000_00, 500_000_00)
    cents = int(customer.typical_cents * rng.lognormvariate(0.0, 0.55))
    return min(high, max(low, cents))
