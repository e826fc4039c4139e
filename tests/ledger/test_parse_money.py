"""ledger.money.parse_money: the one reading of a typed amount, and its plain messages."""

from decimal import Decimal

import pytest

from ledger.money import parse_money


@pytest.mark.parametrize(("text", "amount"), [
    ("12.34", Decimal("12.34")), (" 1,250.00 ", Decimal("1250.00")), ("0", Decimal("0")),
    (7, Decimal("7")), (Decimal("3.50"), Decimal("3.50")),
    ("1,234,567.89", Decimal("1234567.89")), ("-1,000", Decimal("-1000")),
])
def test_reads_amounts(text, amount):
    assert parse_money(text, allow_negative=True) == amount


COMMA = " (a comma may only separate thousands, as in 1,234.56; the decimal separator is a point)"


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("12,34x", {}, "not an amount: '12,34x'" + COMMA),
    ("12,50", {}, "not an amount: '12,50'" + COMMA),  # a decimal comma: never read as 1250
    ("1,2,3", {}, "not an amount: '1,2,3'" + COMMA),
    ("1234,567.00", {}, "not an amount: '1234,567.00'" + COMMA),
    ("NaN", {}, "not an amount: 'NaN'"),
    ("", {}, "not an amount: ''"),
    ("12.345", {}, "more than two decimals: 12.345"),
    ("-5.00", {}, "negative amount: -5.00"),
    ("0.00", {"allow_zero": False}, "amount must be greater than zero"),
    ("1e400", {}, "amount too large: 1e400"),
])
def test_refuses_with_a_plain_message(text, kwargs, message):
    with pytest.raises(ValueError) as caught:
        parse_money(text, **kwargs)
    assert str(caught.value) == message


def test_negative_when_allowed():
    assert parse_money("-5", allow_negative=True) == Decimal("-5")
