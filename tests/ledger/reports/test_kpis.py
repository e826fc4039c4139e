"""KPIs: each formula on the worked-example ledger, computed on paper in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.reports import kpis, monthly_kpis
from ledger.reports.kpis import countback

D = Decimal


def test_march_kpis_by_hand(example):
    k = kpis(example, date(2026, 3, 1), date(2026, 3, 31))
    # AR at 02-28: R1 700 + R2 2000 + R6 300 = 3000. Sales in March: R3 500 + R4 800.
    assert k.beginning_receivables == D("3000.00")
    assert k.credit_sales == D("1300.00")
    # AR at 03-31: R3 500 (6 days past due) + R4 800 (current)
    assert (k.receivables_end, k.current_receivables) == (D("1300.00"), D("800.00"))
    assert k.overdue_receivables == D("500.00")
    assert k.days == 31
    assert k.dso_simple == D("31.00")  # 1300 / 1300 x 31
    assert k.best_possible_dso == D("19.08")  # 800 / 1300 x 31 = 19.0769
    assert k.add == D("11.92")  # 31.00 - 19.08
    # CEI: R6's 300 written off is not collected: (3000 + 1300 - 1300 - 300) / (3000 + 1300
    # - 800) x 100 = 2700 / 3500 = 77.14 (2700: R1's 700 and R2's 2000 paid in March)
    assert k.cei == D("77.14")
    assert k.overdue_ratio == D("0.3846")  # 500 / 1300
    # settled in March: R1 on 03-25 (due 02-04: late, 79 days after 01-05) and
    # R2 on 03-10 (due 03-12: on time, 28 days after 02-10)
    assert (k.settled_count, k.settled_on_time) == (2, 1)
    assert k.on_time_rate == D("0.5000")
    assert k.avg_days_to_pay == D("53.50")  # (79 + 28) / 2
    # R6 written off 03-15 with 400 - 100 still open
    assert (k.written_off, k.written_off_count) == (D("300.00"), 1)
    assert k.as_dict()["write_offs"] == k.written_off  # the name scripts read before
    assert k.dso_countback == D("31.00")  # March's sales alone cover AR: 1300/1300 x 31


def test_countback_differs_from_simple_dso_in_february(example):
    k = kpis(example, date(2026, 2, 1), date(2026, 2, 28))
    # AR at 02-28 = 3000, Feb sales = R2 2000: simple DSO = 3000 / 2000 x 28 = 42.00
    assert k.dso_simple == D("42.00")
    # countback: Feb's 2000 leaves 1000 (28 days), Jan's sales R1 1000 cover it: + 31
    assert k.dso_countback == D("59.00")
    # beginning AR at 01-31: R1 1000 + R6 300 (100 paid 01-20); settled in Feb: none
    assert k.beginning_receivables == D("1300.00")
    assert k.on_time_rate is None and k.avg_days_to_pay is None
    # CEI = (1300 + 2000 - 3000) / (1300 + 2000 - 2000) x 100 = 300 / 1300 = 23.08 %
    assert k.current_receivables == D("2000.00")
    assert k.cei == D("23.08")


def test_countback_arithmetic_on_paper():
    # AR 2500: month 1 sales 1000 (31 d) -> 1500 left; month 2 1200 (30 d) -> 300 left;
    # month 3 800 (31 d): 300 / 800 x 31 = 11.625 -> 31 + 30 + 11.625 = 72.63
    assert countback(250000, [(31, 100000), (30, 120000), (31, 80000)]) == D("72.63")
    assert countback(0, [(31, 100)]) == D("0.00")
    # AR older than every month looked back: the days counted (a lower bound)
    assert countback(500, [(31, 100), (28, 100)]) == D("59.00")


def test_other_currency_and_empty_period(example):
    usd = kpis(example, date(2026, 1, 1), date(2026, 1, 31), currency="USD")
    # USD R5 300 issued 01-01, open 01-31 (due that day: current): DSO = 300/300 x 31
    assert usd.dso_simple == D("31.00") and usd.best_possible_dso == D("31.00")
    assert usd.add == D("0.00")
    none = kpis(example, date(2025, 1, 1), date(2025, 1, 31))
    assert none.dso_simple is None and none.cei is None and none.receivables_end == D("0.00")


def test_monthly_series(example):
    series = monthly_kpis(example, date(2026, 3, 31), months=3)
    assert [(k.start, k.end) for k in series] == [
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
    ]
    assert [k.credit_sales for k in series] == [D("1000.00"), D("2000.00"), D("1300.00")]
    assert series[2].dso_simple == D("31.00") and series[1].dso_simple == D("42.00")
    # each month begins where the one before ended
    assert series[1].beginning_receivables == series[0].receivables_end
    # the shared grouped queries give exactly what kpis() gives month by month
    for month in series:
        assert month == kpis(example, month.start, month.end)
    partial = monthly_kpis(example, date(2026, 3, 20), months=1)[0]
    assert partial == kpis(example, date(2026, 3, 1), date(2026, 3, 20))
    assert partial.days == 20 and partial.credit_sales == D("1300.00")
