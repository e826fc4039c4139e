"""Ageing schedule: worked examples on the ledger of book.worked_example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import Receivable
from ledger.reports import DEFAULT_BUCKETS, Bucket, BucketError, ageing, buckets_from_settings

D = Decimal


def test_past_as_of_uses_balances_of_that_day(example):
    session = example
    # On 03-05: R1 has 1000 - 300 = 700 open (the 700 of 03-25 is later), 29 days past due
    # -> 1-30; R2 2000 due 03-12 and R3 500 due 03-25 are current; R6 400 - 100 = 300 is
    # 64 days past due -> 61-90 (written off only on 03-15); R4 is not issued yet.
    # USD R5 300 is 33 days past due -> 31-60.
    report = ageing(session, date(2026, 3, 5))
    cny, usd = report.totals
    assert cny.currency == "CNY" and usd.currency == "USD"
    assert cny.amounts["current"] == D("2500.00")
    assert cny.amounts["1-30"] == D("700.00")
    assert cny.amounts["61-90"] == D("300.00")
    assert cny.amounts["31-60"] == D("0.00") and cny.amounts[">365"] == D("0.00")
    assert cny.total == D("3500.00") and cny.count == 4
    assert usd.amounts["31-60"] == D("300.00") and usd.total == D("300.00")


def test_month_end_after_payments_and_write_off(example):
    session = example
    # On 03-31: R1, R2 settled; R6 written off; R3 500 is 6 days past due (its payment is
    # 04-10); R4 800 current. USD R5 is 59 days past due.
    report = ageing(session, date(2026, 3, 31))
    assert report.total("CNY") == D("1300.00")
    cny = report.totals[0]
    assert (cny.amounts["current"], cny.amounts["1-30"]) == (D("800.00"), D("500.00"))
    assert report.totals[1].amounts["31-60"] == D("300.00")
    # after R3's payment only R4 is left
    assert ageing(session, date(2026, 4, 10)).total("CNY") == D("800.00")


def test_grouping_by_customer_segment_collector_currency(example):
    session = example
    by_customer = ageing(session, date(2026, 3, 5), by="customer")
    rows = {(r.key, r.currency): r for r in by_customer.rows}
    assert rows[("C001", "CNY")].total == D("3000.00")  # R1 700 + R2 2000 + R6 300
    assert rows[("C002", "CNY")].total == D("500.00")  # R3
    assert rows[("C002", "USD")].amounts["31-60"] == D("300.00")
    by_segment = ageing(session, date(2026, 3, 5), by="segment")
    assert {(r.key, r.currency, r.total) for r in by_segment.rows} == {
        ("manufacturing", "CNY", D("3000.00")),
        ("export", "CNY", D("500.00")),
        ("export", "USD", D("300.00")),
    }
    by_collector = ageing(session, date(2026, 3, 5), by="collector")
    assert {r.key for r in by_collector.rows} == {"li.na", "wang.wei"}
    by_currency = ageing(session, date(2026, 3, 5), by="currency")
    assert [(r.key, r.total) for r in by_currency.rows] == [
        ("CNY", D("3500.00")),
        ("USD", D("300.00")),
    ]
    assert by_currency.as_dict()["totals"][0]["amounts"]["1-30"] == D("700.00")


def test_bad_grouping_is_refused(example):
    session = example
    with pytest.raises(ValueError, match="by must be one of"):
        ageing(session, date(2026, 3, 5), by="country")


def test_buckets_from_settings_and_checks():
    section = {"ageing_buckets": {"current": [None, 0], "1-45": [1, 45], ">45": [46, None]}}
    assert buckets_from_settings(section) == [
        Bucket("current", None, 0),
        Bucket("1-45", 1, 45),
        Bucket(">45", 46, None),
    ]
    assert buckets_from_settings({}) == DEFAULT_BUCKETS
    with pytest.raises(BucketError, match="overlap or leave a gap"):
        buckets_from_settings({"ageing_buckets": {"a": [None, 0], "b": [2, None]}})
    with pytest.raises(BucketError, match="whole days"):
        buckets_from_settings({"ageing_buckets": {"a": [None, "x"], "b": [1, None]}})


def test_custom_buckets_in_sql(example):
    session = example
    buckets = [Bucket("not due", None, 0), Bucket("1-45", 1, 45), Bucket("older", 46, None)]
    cny = ageing(session, date(2026, 3, 5), buckets=buckets).totals[0]
    assert cny.amounts == {"not due": D("2500.00"), "1-45": D("700.00"), "older": D("300.00")}


def test_erp_balance_without_payments_counts_from_the_start(db):
    # imported with the ERP's balance 400 of 1000 and no payment in arflow: the 600 paid
    # before the import has no date, so it is paid on every day the report can show
    from tests.ledger.reports.book import Book

    book = Book(db)
    book.customer("C001")
    rid = book.invoice("E1", "C001", date(2026, 1, 1), date(2026, 1, 31), "1000.00")
    book.session.get_one(Receivable, rid).balance = D("400")
    session = book.commit()
    try:
        assert ageing(session, date(2026, 1, 15)).total("CNY") == D("400.00")
        book.pay("E1", date(2026, 2, 10), "400.00")
        session.commit()
        # on 02-05 the 400 was still open (5 days past due); after 02-10 nothing is
        feb5 = ageing(session, date(2026, 2, 5)).totals[0]
        assert feb5.amounts["1-30"] == D("400.00") and feb5.count == 1
        assert ageing(session, date(2026, 2, 10)).totals == []
    finally:
        session.close()
