"""engine/interest.py: the day-by-day interest rule, pure (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.interest import Interest, InterestTerms, accrued

D = Decimal
DUE = date(2026, 3, 1)
TERMS = InterestTerms(rate_per_day=D("0.0005"), grace_days=5)
PAID = [(date(2026, 3, 10), D("30000.00")), (date(2026, 3, 20), D("20000.00"))]


def test_worked_example_two_partial_payments() -> None:
    # 100,000.00 due 03-01, grace 5 (grace end 03-06: 100,000.00 still unpaid, so it owes),
    # from due_date: each day 03-02 .. 03-31 (30 days) at the balance unpaid that evening:
    #   03-02..03-09   8 days x 100,000.00 = 800,000.00
    #   03-10..03-19  10 days x  70,000.00 = 700,000.00
    #   03-20..03-31  12 days x  50,000.00 = 600,000.00
    #   2,100,000.00 x 0.0005 = 1,050.00
    assert accrued(DUE, D("100000.00"), PAID, date(2026, 3, 31), TERMS) == \
        Interest(30, D("1050.00"))


def test_from_grace_end_counts_after_the_grace() -> None:
    # 03-07..03-09 3 x 100,000 + 700,000 + 600,000 = 1,600,000 x 0.0005 = 800.00
    terms = InterestTerms(D("0.0005"), 5, start="grace_end")
    assert accrued(DUE, D("100000.00"), PAID, date(2026, 3, 31), terms) == Interest(25, D("800.00"))


def test_paid_within_grace_owes_nothing() -> None:
    paid = [(date(2026, 3, 6), D("100000.00"))]  # on the last day of grace: in time
    assert accrued(DUE, D("100000.00"), paid, date(2026, 3, 31), TERMS) == Interest(0, D("0"))
    late = [(date(2026, 3, 7), D("100000.00"))]  # a day late: interest from 03-02 to 03-06
    assert accrued(DUE, D("100000.00"), late, date(2026, 3, 31), TERMS) == Interest(5, D("250.00"))


def test_nothing_before_the_grace_ends() -> None:
    assert accrued(DUE, D("100000.00"), [], date(2026, 3, 5), TERMS).amount == 0
    # on the grace end itself it owes the grace days
    assert accrued(DUE, D("100000.00"), [], date(2026, 3, 6), TERMS) == Interest(5, D("250.00"))


def test_min_amount_and_half_up_rounding_once() -> None:
    # 10.00 x 0.0005 = 0.005: half-up to 0.01 (banker's rounding would give 0.00)
    assert accrued(DUE, D("10.00"), [], date(2026, 3, 2), InterestTerms(D("0.0005"))) == \
        Interest(1, D("0.01"))
    # 333.33 x 0.0005 x 3 = 0.499995 -> 0.50 rounded once (per day it would be 3 x 0.17)
    assert accrued(DUE, D("333.33"), [], date(2026, 3, 4), InterestTerms(D("0.0005"))) == \
        Interest(3, D("0.50"))
    terms = InterestTerms(D("0.0005"), 5, min_amount=D("1050.01"))
    assert accrued(DUE, D("100000.00"), PAID, date(2026, 3, 31), terms).amount == 0
    terms = InterestTerms(D("0.0005"), 5, min_amount=D("1050.00"))
    assert accrued(DUE, D("100000.00"), PAID, date(2026, 3, 31), terms).amount == D("1050.00")


def test_settled_stops_accruing_the_day_it_reaches_zero() -> None:
    paid = [(date(2026, 3, 16), D("10000.00"))]  # 03-02..03-15: 14 x 10,000 x 0.0005
    for as_of in (date(2026, 3, 16), date(2026, 12, 31)):
        assert accrued(DUE, D("10000.00"), paid, as_of, TERMS) == Interest(14, D("70.00"))


@pytest.mark.parametrize("as_of, expected", [(date(2026, 3, 9), D("400.00")),
                                             (date(2026, 3, 10), D("435.00"))])
def test_a_payment_counts_from_the_end_of_its_day(as_of: date, expected: Decimal) -> None:
    # 03-02..03-09 8 x 100,000 = 800,000; 03-10 at 70,000 -> 870,000 x 0.0005 = 435.00
    assert accrued(DUE, D("100000.00"), PAID, as_of, TERMS).amount == expected


def _load(text: str):  # type: ignore[no-untyped-def]
    from engine import load_policy_texts

    return load_policy_texts({"interest.yaml": text})


def test_policy_key_parsed_and_absent_means_none() -> None:
    from engine import load_policy_texts

    policy = _load("interest:\n  rate_per_day: 0.0005\n  grace_days: 5\n"
                   "  min_amount: 10\n  from: grace_end\n")
    assert policy.interest == InterestTerms(D("0.0005"), 5, D("10"), "grace_end")
    assert _load("interest: {rate_per_day: 0.0005}\n").interest == InterestTerms(D("0.0005"))
    assert load_policy_texts({"c.yaml": "tolerance: {CNY: 1}\n"}).interest is None


@pytest.mark.parametrize("body, line, fragment", [
    ("  rate_per_day: 0.05\n", 2, "rate_per_day must be a number from 0 to 0.01 a day"),
    ("  rate_per_day: '5%'\n", 2, "rate_per_day must be a number from 0 to 0.01 a day"),
    ("  rate_per_day: 0.0005\n  grace_days: 2.5\n", 3, "grace_days must be a whole number"),
    ("  rate_per_day: 0.0005\n  grace_days: -1\n", 3, "grace_days must be a whole number"),
    ("  rate_per_day: 0.0005\n  min_amount: -5\n", 3, "min_amount must be an amount >= 0"),
    ("  rate_per_day: 0.0005\n  from: issue_date\n", 3,
     "interest.from must be due_date or grace_end, got 'issue_date'"),
    ("  rate_per_day: 0.0005\n  rate: 1\n", 3, "unknown key 'rate'"),
    ("  grace_days: 5\n", 1, "'rate_per_day' is missing"),
])
def test_policy_errors_name_file_and_line(body: str, line: int, fragment: str) -> None:
    from engine import PolicyError

    with pytest.raises(PolicyError) as caught:
        _load("interest:\n" + body)
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"interest.yaml:{line}: ") and fragment in p for p in found), found


def test_interest_must_be_a_mapping() -> None:
    from engine import PolicyError

    with pytest.raises(PolicyError) as caught:
        _load("# comment\ninterest: 0.0005\n")
    assert str(caught.value).startswith("interest.yaml:2: interest must be a mapping like")
