"""Write-offs in the reports, worked by hand on the worked example plus a partial write-off:
R4 (800.00, issued 03-20, due 04-19) has 200.00 written off on 04-05 and stays open.

A written-off balance is gone from AR from the day of the approval (ageing, DSO), is not
a payment (settlements) and is not collected (CEI)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.reports import ageing, kpis, monthly_kpis, provision
from tests.ledger.reports.book import worked_example

D = Decimal


@pytest.fixture
def ledger(db: Engine) -> Iterator[Session]:
    session = worked_example(db, lambda book: book.write_off("R4", date(2026, 4, 5), "200.00"))
    try:
        yield session
    finally:
        session.close()


def test_ageing_takes_a_write_off_out_from_its_day(ledger: Session) -> None:
    # before 04-05 R4 still owed 800 (its balance now, 600, plus the 200 written off later)
    before = ageing(ledger, date(2026, 4, 4))
    assert before.total("CNY") == D("1300.00")  # R3 500 + R4 800
    # from 04-05: R4 600 current, R3 500 eleven days past due (paid 04-10)
    on = ageing(ledger, date(2026, 4, 5)).totals[0]
    assert (on.amounts["current"], on.amounts["1-30"], on.total, on.count) == (
        D("600.00"), D("500.00"), D("1100.00"), 2)
    # R6 (400, 100 paid 01-20, the rest written off 03-15) is gone from 03-15 on
    assert ageing(ledger, date(2026, 3, 14)).totals[0].amounts["61-90"] == D("300.00")
    assert ageing(ledger, date(2026, 3, 15)).totals[0].amounts["61-90"] == D("0.00")


def test_april_kpis_keep_write_offs_out_of_collections(ledger: Session) -> None:
    k = kpis(ledger, date(2026, 4, 1), date(2026, 4, 30))
    # AR at 03-31: R3 500 + R4 800 = 1300; no sales in April; AR at 04-30: R4 600
    # (11 days past due), none current
    assert (k.beginning_receivables, k.credit_sales) == (D("1300.00"), D("0.00"))
    assert (k.receivables_end, k.current_receivables) == (D("600.00"), D("0.00"))
    assert (k.written_off, k.written_off_count) == (D("200.00"), 1)
    # collected in April is R3's 500 alone: (1300 + 0 - 600 - 200) / (1300 + 0 - 0) x 100
    assert k.cei == D("38.46")
    assert k.overdue_ratio == D("1.0000") and k.dso_simple is None  # no sales: no DSO
    assert (k.settled_count, k.settled_on_time) == (1, 0)  # R3 on 04-10, due 03-25


def test_part_paid_and_written_off_is_not_a_settlement(ledger: Session) -> None:
    # R6's only payment (100 on 01-20) did not settle it: the other 300 was written off
    january = kpis(ledger, date(2026, 1, 1), date(2026, 1, 31))
    assert january.settled_count == 0 and january.avg_days_to_pay is None
    assert (january.written_off, january.written_off_count) == (D("0.00"), 0)


def test_monthly_series_counts_each_month_s_write_offs(ledger: Session) -> None:
    series = monthly_kpis(ledger, date(2026, 4, 30), months=3)
    assert [(k.written_off, k.written_off_count) for k in series] == [
        (D("0.00"), 0), (D("300.00"), 1), (D("200.00"), 1)]
    for month in series:  # the grouped queries agree with kpis() month by month
        assert month == kpis(ledger, month.start, month.end)
    assert series[1].cei == D("77.14")  # March: R6's 300 is not collected (test_kpis)


def test_provision_shows_the_last_twelve_months_written_off(ledger: Session) -> None:
    rates = {"current": D("0.01"), "1-30": D("0.05")}
    report = provision(ledger, date(2026, 4, 30), rates)
    # on 04-30 only R4's 600 is open, 11 days past due: 600 x 0.05 = 30
    assert report.total_balance == D("600.00") and report.total == D("30.00")
    assert report.written_off_from == date(2025, 5, 1)
    assert (report.written_off, report.written_off_count) == (D("500.00"), 2)
    lost = {line.bucket: line.written_off for line in report.lines}
    # R4's 200 was approved 14 days before its due date (current); R6's 300 was 74 days
    # past due on 03-15 (61-90)
    assert (lost["current"], lost["61-90"], lost["1-30"]) == (
        D("200.00"), D("300.00"), D("0.00"))
    # a year later both have left the window
    later = provision(ledger, date(2027, 4, 5), rates)
    assert (later.written_off_from, later.written_off, later.written_off_count) == (
        date(2026, 4, 6), D("0.00"), 0)
    assert provision(ledger, date(2027, 4, 4), rates).written_off == D("200.00")
