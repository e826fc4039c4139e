"""Scorecard factor values per customer, computed in SQL in bulk as of a day.

A handful of grouped queries cover every customer at once (or one customer), never a query
per customer, so a review of 10,000 customers costs about as much as one of ten. Names are
those of engine.facts.SCORECARD_FACTORS.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Date, Select, case, func, literal, select, type_coerce
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger import fx_store
from ledger.facts import days_between
from ledger.models import Activity, Allocation, Customer, Payment, Promise, Receivable
from ledger.money import Money

YEAR_DAYS = 365  # the scorecard's "last 12 months" and its unit of years as a customer
_HUNDREDTH = Decimal("0.01")
_RATIO = Decimal("0.0001")

Factors = dict[str, Any]


def _only(stmt: Select[Any], column: Any, customer_id: int | None) -> Select[Any]:
    return stmt if customer_id is None else stmt.where(column == customer_id)


def scorecard_factors(
    session: Session, as_of: date, customer_id: int | None = None, book: str | None = None
) -> dict[int, Factors]:
    """Every customer's (or one customer's) factor values on ``as_of``, keyed by id.

    No invoice history gives None for on_time_rate, avg_days_late and years_as_customer
    (None earns 0 points); counts and ratios of an empty ledger are 0. With ``book`` (the
    book currency) a customer owing in several currencies has its overdue_ratio taken in
    it, at the day's rates (a currency without a rate left out of both sides).
    """
    c = Customer.__table__
    ids = session.execute(_only(select(c.c.id), c.c.id, customer_id)).scalars().all()
    factors: dict[int, Factors] = {
        cid: {
            "on_time_rate": None,
            "avg_days_late": None,
            "years_as_customer": None,
            "overdue_ratio": Decimal("0"),
            "broken_promises_90d": 0,
            "disputes_12m": 0,
            "max_days_overdue": 0,
        }
        for cid in ids
    }
    for cid, values in _payment_record(session, as_of, customer_id).items():
        factors[cid].update(values)
    for cid, first in _first_invoices(session, as_of, customer_id).items():
        days = (as_of - first).days
        years = (Decimal(days) / YEAR_DAYS).quantize(_HUNDREDTH, rounding=ROUND_DOWN)
        factors[cid]["years_as_customer"] = years
    for cid, values in _open_book(session, as_of, customer_id, book).items():
        factors[cid].update(values)
    for cid, count in _broken_promises(session, as_of, customer_id).items():
        factors[cid]["broken_promises_90d"] = count
    for cid, count in _disputes(session, as_of, customer_id).items():
        factors[cid]["disputes_12m"] = count
    return factors


def _payment_record(session: Session, as_of: date, customer_id: int | None) -> dict[int, Factors]:
    """on_time_rate and avg_days_late over invoices issued in the 365 days before as_of.

    An invoice is paid when its balance is 0 and the payment that completed it (the latest
    allocated payment) is dated on or before as_of; on time when that date is <= due_date.
    on_time_rate counts invoices already past due (due_date < as_of); avg_days_late averages
    every paid invoice of the window (0 days for one paid on time).
    """
    r, a, p = Receivable.__table__, Allocation.__table__, Payment.__table__
    day = literal(as_of, Date)
    last_paid = (
        select(a.c.receivable_id, func.max(p.c.date).label("paid_on"))
        .select_from(a.join(p, p.c.id == a.c.payment_id))
        .group_by(a.c.receivable_id)
        .subquery()
    )
    paid = (r.c.balance == 0) & (last_paid.c.paid_on <= day)
    on_time = paid & (last_paid.c.paid_on <= r.c.due_date)
    late = days_between(session, r.c.due_date, last_paid.c.paid_on)
    due = r.c.due_date < day
    stmt = (
        select(
            r.c.customer_id,
            func.sum(case((due, 1), else_=0)).label("due"),
            func.sum(case((due & on_time, 1), else_=0)).label("on_time"),
            func.sum(case((paid, 1), else_=0)).label("paid"),
            func.sum(case((paid & (late > 0), late), else_=0)).label("late_days"),
        )
        .select_from(r.outerjoin(last_paid, last_paid.c.receivable_id == r.c.id))
        .where(r.c.issue_date > as_of - timedelta(days=YEAR_DAYS), r.c.issue_date <= as_of)
        .group_by(r.c.customer_id)
    )
    out: dict[int, Factors] = {}
    for row in session.execute(_only(stmt, r.c.customer_id, customer_id)):
        due_count, paid_count = int(row.due or 0), int(row.paid or 0)
        out[row.customer_id] = {
            "on_time_rate": _ratio(int(row.on_time or 0), due_count) if due_count else None,
            "avg_days_late": (
                (Decimal(int(row.late_days or 0)) / paid_count).quantize(
                    _HUNDREDTH, rounding=ROUND_HALF_UP
                )
                if paid_count
                else None
            ),
        }
    return out


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(_RATIO, rounding=ROUND_HALF_UP)


def _first_invoices(session: Session, as_of: date, customer_id: int | None) -> dict[int, date]:
    r = Receivable.__table__
    stmt = (
        select(r.c.customer_id, func.min(r.c.issue_date))
        .where(r.c.issue_date <= as_of)
        .group_by(r.c.customer_id)
    )
    return {cid: first for cid, first in session.execute(_only(stmt, r.c.customer_id, customer_id))}


def _open_book(session: Session, as_of: date, customer_id: int | None,
               book: str | None = None) -> dict[int, Factors]:
    """overdue_ratio and max_days_overdue of the open receivables (as the cycle sees them)."""
    r = Receivable.__table__
    day = literal(as_of, Date)
    past_due = r.c.due_date < day
    stmt = (
        select(
            r.c.customer_id,
            r.c.currency,
            type_coerce(func.sum(r.c.balance), Money()).label("open_balance"),
            type_coerce(func.sum(case((past_due, r.c.balance), else_=0)), Money()).label(
                "overdue"
            ),
            func.max(case((past_due, days_between(session, r.c.due_date, day)), else_=0)).label(
                "max_days"
            ),
        )
        .where(r.c.stage.in_(ACTIVE_STAGES), r.c.balance > 0)
        .group_by(r.c.customer_id, r.c.currency)
    )
    per: dict[int, list[Any]] = {}  # cid -> [{currency: open}, {currency: overdue}, max days]
    for row in session.execute(_only(stmt, r.c.customer_id, customer_id)):
        found = per.setdefault(row.customer_id, [{}, {}, 0])
        found[0][row.currency] = row.open_balance or Decimal("0.00")
        found[1][row.currency] = row.overdue or Decimal("0.00")
        found[2] = max(found[2], int(row.max_days or 0))
    mixed = {code for cid, f in per.items() if len(f[0]) > 1 for code in f[0]}
    rates = fx_store.rates_on(session, book, as_of, mixed) if book and mixed else None
    out: dict[int, Factors] = {}
    for cid, (owed, overdue, max_days) in per.items():
        if rates is not None and len(owed) > 1:  # one currency: the ratio needs no rate
            total, late = rates.total(owed, as_of).amount, rates.total(overdue, as_of).amount
        else:
            total, late = sum(owed.values(), Decimal(0)), sum(overdue.values(), Decimal(0))
        out[cid] = {"overdue_ratio": _ratio(late, total) if total else Decimal("0"),
                    "max_days_overdue": max_days}
    return out


def _broken_promises(session: Session, as_of: date, customer_id: int | None) -> dict[int, int]:
    """Promises broken in the last 90 days (a broken plan once: its broken instalment)."""
    p = Promise.__table__
    stmt = (
        select(p.c.customer_id, func.count())
        .where(
            p.c.status == "broken",
            p.c.broken_on > as_of - timedelta(days=90),
            p.c.broken_on <= as_of,
        )
        .group_by(p.c.customer_id)
    )
    return {cid: int(n) for cid, n in session.execute(_only(stmt, p.c.customer_id, customer_id))}


def _disputes(session: Session, as_of: date, customer_id: int | None) -> dict[int, int]:
    """Disputes opened in the last 365 days: the audit log's 'dispute' actions."""
    r, t = Receivable.__table__, Activity.__table__
    stmt = (
        select(r.c.customer_id, func.count())
        .select_from(t.join(r, r.c.id == t.c.entity_id))
        .where(
            t.c.action == "dispute",
            t.c.entity == "receivable",
            t.c.on_date > as_of - timedelta(days=YEAR_DAYS),
            t.c.on_date <= as_of,
        )
        .group_by(r.c.customer_id)
    )
    return {cid: int(n) for cid, n in session.execute(_only(stmt, r.c.customer_id, customer_id))}
