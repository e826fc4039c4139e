"""ledger.money.parse_money: the one reading of a typed amount, and its plain messages."""

from decimal import Decimal

import pytest

from ledger.money import parse_money


@pytest.mark.parametrize(("text", "amount"), [
    ("12.34", Decimal("12.34")), (" 1,250.00 ", Decimal("1250.00")), ("0", Decimal("0")),
    (7, Decimal("7")), (Decimal("3.50"), Decimal("3.50")),
])
def test_reads_amounts(text, amount):
    assert parse_money(text) == amount


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("12,34x", {}, "not an amount: '12,34x'"),
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
