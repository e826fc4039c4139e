"""Provision at policy rates and the roll-rate estimate, worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.reports import provision, roll_rates
from ledger.reports.provision import implied_loss_rates, month_ends

D = Decimal


def test_provision_at_policy_rates(example):
    # On 03-05 CNY: current 2500, 1-30 700, 61-90 300 (see test_ageing)
    rates = {"current": D("0.01"), "1-30": D("0.05"), "61-90": D("0.2"), ">365": D("1")}
    report = provision(example, date(2026, 3, 5), rates)
    lines = {line.bucket: line for line in report.lines}
    assert lines["current"].expected_loss == D("25.00")  # 2500 x 0.01
    assert lines["1-30"].expected_loss == D("35.00")  # 700 x 0.05
    assert lines["61-90"].expected_loss == D("60.00")  # 300 x 0.20
    assert lines["31-60"].rate == D("0") and lines["31-60"].expected_loss == D("0.00")
    assert report.total == D("120.00") and report.total_balance == D("3500.00")
    usd = provision(example, date(2026, 3, 5), {"31-60": D("0.1")}, currency="USD")
    assert usd.total == D("30.00")  # 300 x 0.1


def test_unknown_bucket_in_rates_is_refused(example):
    with pytest.raises(ValueError, match="unknown buckets: 1-45"):
        provision(example, date(2026, 3, 5), {"1-45": D("0.1")})


def test_roll_rates_from_month_end_history(example):
    assert month_ends(date(2026, 3, 31), 2) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    report = roll_rates(example, date(2026, 3, 31), months=2)
    # 01-31 -> 02-28: current R1 1000 -> 700 in 1-30 (300 paid); 31-60 R6 300 stays 31-60
    # 02-28 -> 03-31: current R2 2000, 1-30 R1 700, 31-60 R6 300 all closed
    # current: 3000 at month ends, 700 rolled to 1-30 -> 700 / 3000 = 0.2333
    assert report.roll_rates["current"] == D("0.2333")
    assert report.matrix["current"]["closed"] == D("0.7667")  # 2300 / 3000
    assert report.roll_rates["1-30"] == D("0.0000")  # 700 -> nothing in 31-60
    assert report.matrix["31-60"]["31-60"] == D("0.5000")  # 300 of 600 stayed
    assert report.roll_rates["61-90"] is None  # never a balance there
    assert report.loss_rates[">365"] == D("1") and report.loss_rates["current"] == D("0.0000")
    assert report.provision is not None and report.provision.total == D("0.00")


def test_implied_loss_rate_is_the_chain_product():
    # a -> b at 0.5, b -> c at 0.2, c is the loss bucket: b = 0.2 x 1, a = 0.5 x 0.2
    rates = implied_loss_rates(["a", "b", "c"], {"a": D("0.5"), "b": D("0.2"), "c": None})
    assert rates == {"a": D("0.1000"), "b": D("0.2000"), "c": D("1")}


def test_policy_provision_key_with_file_and_line():
    from pathlib import Path

    from engine import PolicyError, load_policy
    from engine.policy import load_policy_texts

    rules = Path(__file__).resolve().parents[3] / "rules"
    assert load_policy(rules).provision["1-30"] == D("0.01")
    good = load_policy_texts({"p.yaml": "provision:\n  current: 0.005\n  '>365': 1\n"})
    assert good.provision == {"current": D("0.005"), ">365": D("1")}
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"p.yaml": "provision:\n  1-30: 0.01\n  31-60: 1.5\n  61-90: yes\n"})
    text = str(caught.value)
    assert "p.yaml:3: provision rate for 31-60 must be a number from 0 to 1, got 1.5" in text
    assert "p.yaml:4: provision rate for 61-90" in text
    with pytest.raises(PolicyError, match="p.yaml:1: provision must map"):
        load_policy_texts({"p.yaml": "provision: [0.01]\n"})
