"""engine/fx: the latest rate on or before a day, the book currency at 1, a missing rate
named, totals that say what they could not convert, rate rows read as written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.fx import BadRate, MissingRate, Rate, Rates, check_unique, parse_rate

D = Decimal
RATES = Rates("CNY", [Rate(date(2026, 11, 27), "USD", D("7.100000")),
                      Rate(date(2026, 11, 1), "USD", D("7.050000")),
                      Rate(date(2026, 11, 30), "EUR", D("7.654321"))])


def test_latest_rate_on_or_before_the_day() -> None:
    assert RATES.rate("USD", date(2026, 11, 30)).rate == D("7.1")  # Friday's rate on Monday
    assert RATES.rate("USD", date(2026, 11, 27)).rate == D("7.1")
    assert RATES.rate("USD", date(2026, 11, 26)).rate == D("7.05")
    assert RATES.convert(D("1000.00"), "USD", date(2026, 11, 30)) == D("7100.00")
    # half-up to the cent: 12.34 * 7.654321 = 94.4543211...
    assert RATES.convert(D("12.34"), "EUR", date(2026, 11, 30)) == D("94.45")
    assert RATES.convert(D("0.07"), "EUR", date(2026, 11, 30)) == D("0.54")  # 0.5358...


def test_book_currency_converts_at_one_without_a_row() -> None:
    assert RATES.convert(D("123.45"), "CNY", date(2020, 1, 1)) == D("123.45")
    assert RATES.rate("CNY", date(2020, 1, 1)).rate == 1


def test_missing_rate_names_currency_and_day() -> None:
    with pytest.raises(MissingRate) as caught:
        RATES.convert(D("1"), "USD", date(2026, 10, 31))
    assert str(caught.value) == ("no USD rate on or before 2026-10-31: import rates with "
                                 "`arflow rates import`")
    assert (caught.value.currency, caught.value.on) == ("USD", date(2026, 10, 31))
    with pytest.raises(MissingRate, match="no JPY rate"):
        RATES.rate("JPY", date(2026, 11, 30))


def test_total_converts_each_currency_once_and_reports_the_rest() -> None:
    total = RATES.total({"CNY": D("500.00"), "USD": D("100.00"), "JPY": D("1200.00")},
                        date(2026, 11, 30))
    assert total.amount == D("1210.00")  # 500 + 100 x 7.10; JPY left out, not added 1:1
    assert total.unconverted == {"JPY": D("1200.00")}
    assert total.note() == ("CNY (USD converted at 7.10 on 2026-11-27; JPY 1,200.00 not "
                            "converted: no rate)")
    out = total.as_dict()
    assert out["currency"] == "CNY" and out["converted_at"] == "2026-11-30"
    assert out["rates"] == {"USD": {"rate": D("7.1"), "on": "2026-11-27"}}
    assert out["unconverted"] == {"JPY": D("1200.00")}


def test_book_only_total_says_only_the_currency() -> None:
    total = RATES.total({"CNY": D("42.00")}, date(2026, 11, 30))
    assert (total.amount, total.note(), total.converted) == (D("42.00"), "CNY", False)
    assert total.as_dict() == {"currency": "CNY", "note": "CNY"}


def test_parse_rate_reads_aliases_and_refuses_bad_values() -> None:
    rate = parse_rate("r.csv:2", "2026-11-30", "us$", "7.1", "CNY")
    assert rate == Rate(date(2026, 11, 30), "USD", D("7.100000"))
    problems = {
        ("2026-02-30", "USD", "7"): "r.csv:3: date: not a date (YYYY-MM-DD): '2026-02-30'",
        ("2026-11-30", "XYZ", "7"): "r.csv:3: currency: not a currency: 'XYZ'",
        ("2026-11-30", "人民币", "1"): "r.csv:3: currency: CNY is the book currency",
        ("2026-11-30", "USD", "abc"): "r.csv:3: rate: not a number: 'abc'",
        ("2026-11-30", "USD", "0"): "r.csv:3: rate: must be a number above 0",
        ("2026-11-30", "USD", "7.1234567"): "r.csv:3: rate: at most 6 decimals",
        ("2026-11-30", "USD", "7,1234"): "r.csv:3: rate: write it with a decimal point",
    }
    for (day, code, value), message in problems.items():
        with pytest.raises(BadRate) as caught:
            parse_rate("r.csv:3", day, code, value, "CNY")
        assert str(caught.value).startswith(message), str(caught.value)


def test_one_rate_per_day_and_currency() -> None:
    a = Rate(date(2026, 11, 30), "USD", D("7.1"))
    with pytest.raises(BadRate, match="r.csv:4: USD on 2026-11-30 is also at r.csv:2"):
        check_unique([("r.csv:2", a), ("r.csv:3", Rate(a.on_date, "EUR", D("7.6"))),
                      ("r.csv:4", a)])
