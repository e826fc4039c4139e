"""Cash forecast and back-test on a ledger whose delays are chosen by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.reports import backtest, forecast
from ledger.reports.delays import Delays
from ledger.reports.forecast import week_shares
from tests.ledger.reports.book import Book

D = Decimal
AS_OF = date(2026, 6, 30)


@pytest.fixture
def delays_ledger(db: Engine) -> Iterator[Session]:
    """C001 (manufacturing) paid five invoices 0, 0, 7, 7 and 14 days after due. On 06-30:
    C001 owes 1000 due 07-03; C002 (export, no history) 500 due 06-25; C003 (manufacturing,
    no history of its own) 100 due 07-10. Later: C001 pays 07-02, C002 pays 07-09."""
    book = Book(db)
    book.customer("C001", segment="manufacturing")
    book.customer("C002", segment="export")
    book.customer("C003", segment="manufacturing")
    for i, delay in enumerate((0, 0, 7, 7, 14)):
        due = date(2026, 5, 1) + timedelta(days=i)
        book.invoice(f"H{i}", "C001", due - timedelta(days=30), due, "10.00")
        book.pay(f"H{i}", due + timedelta(days=delay), "10.00")
    book.invoice("A", "C001", date(2026, 6, 3), date(2026, 7, 3), "1000.00")
    book.invoice("B", "C002", date(2026, 5, 26), date(2026, 6, 25), "500.00")
    book.invoice("C", "C003", date(2026, 6, 10), date(2026, 7, 10), "100.00")
    book.pay("A", date(2026, 7, 2), "1000.00")
    book.pay("B", date(2026, 7, 9), "500.00")
    session = book.commit()
    try:
        yield session
    finally:
        session.close()


def test_week_shares_condition_on_lateness_so_far():
    delays = Delays([0, 0, 7, 7, 14])
    # not yet due by 3 days: week 1 = delays -2..4 (two of five), week 2 = 5..11, week 3 = 12..18
    assert week_shares(delays, -3, 3) == [D("0.4"), D("0.4"), D("0.2")]
    # 5 days late already: only delays above 5 remain possible (7, 7, 14)
    assert week_shares(delays, 5, 2) == [D(2) / D(3), D(1) / D(3)]
    assert week_shares(delays, 20, 2) == [D(0), D(0)]  # later than any history
    assert week_shares(Delays([]), -9, 3) == [D(0), D(1), D(0)]  # no history: on the due day


def test_forecast_by_hand(delays_ledger):
    f = forecast(delays_ledger, AS_OF, weeks=4)
    # A (own history, 3 days before due): 400 / 400 / 200 in weeks 1-3
    # B (portfolio = C001's delays, 5 days late): 2/3 and 1/3 of 500 in weeks 1-2
    # C (segment manufacturing, 10 days before due): week 2 = delays -2..4 -> 2/5 of 100,
    #   week 3 = 5..11 -> 2/5, week 4 = 12..18 -> 1/5
    assert [w.week_start for w in f.weeks] == [
        date(2026, 7, 1) + timedelta(7 * i) for i in range(4)
    ]
    assert [w.expected for w in f.weeks] == [
        D("733.33"),  # 400 + 333.33
        D("606.67"),  # 400 + 166.67 + 40
        D("240.00"),  # 200 + 40
        D("20.00"),
    ]
    assert f.sources == {"customer": 1, "portfolio": 1, "segment": 1}
    assert f.open_balance == D("1600.00") and f.beyond == D("0.00")
    # week 1 variance: 1000^2 x 0.4 x 0.6 + 500^2 x 2/3 x 1/3 = 295555.56; sd 543.65;
    # x 1.2816 = 696.74 -> [733.33 - 696.74, 733.33 + 696.74]
    assert (f.weeks[0].p10, f.weeks[0].p90) == (D("36.59"), D("1430.07"))
    assert f.weeks[1].p10 == D("0.00")  # the range is floored at zero


def test_backtest_uses_only_what_was_known(delays_ledger):
    bt = backtest(delays_ledger, AS_OF + timedelta(days=14), weeks=2)
    assert bt.made_on == AS_OF
    # the same forecast as on 06-30 (A's payment of 07-02 is not history yet)
    assert [w.expected for w in bt.weeks] == [D("733.33"), D("606.67")]
    assert [w.actual for w in bt.weeks] == [D("1000.00"), D("500.00")]
    assert (bt.total_expected, bt.total_actual) == (D("1340.00"), D("1500.00"))
    # MAPE = (266.67 / 1000 + 106.67 / 500) / 2 = (0.26667 + 0.21334) / 2
    assert bt.mape == D("0.2400")
    assert bt.wape == D("0.2489")  # (266.67 + 106.67) / 1500
    assert bt.in_range == 2


def test_backtest_counts_whole_weeks_on_both_databases(db: Engine) -> None:
    """Day 5 is week 0, day 13 week 1, day 91 the last of 13 weeks (a rounding division
    put them a week late on PostgreSQL, and day 91 past the end)."""
    book = Book(db)
    book.customer("C001", segment="manufacturing")
    made_on = date(2026, 3, 31)
    book.invoice("W", "C001", made_on - timedelta(days=30), made_on, "300.00")
    for days in (5, 13, 91):
        book.pay("W", made_on + timedelta(days=days), "100.00")
    session = book.commit()
    try:
        bt = backtest(session, made_on + timedelta(weeks=13), weeks=13)
    finally:
        session.close()
    actual = [w.actual for w in bt.weeks]
    assert (actual[0], actual[1], actual[12]) == (D("100.00"), D("100.00"), D("100.00"))
    assert sum(actual) == D("300.00")
