"""`arflow order …`, `orders`, `prepayment …`, `prepayments`: JSON keys, exit codes, and
one-line refusals (with the example policy of rules/: over-limit holds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import CUSTOMERS, write


@pytest.fixture
def loaded(arflow, tmp_path: Path):
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    return arflow


def test_order_check_json_keys(loaded):
    ran = loaded("order", "check", "C001", "1000", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert ran.json() == {"decision": "approve", "fired": [], "exposure_after": 1000.0,
                          "exposure_currency": "CNY", "prepayment_amount": 0.0}
    ran = loaded("order", "check", "C002", "200000.01", "--currency", "RMB", "--json")
    assert (ran.json()["decision"], ran.json()["fired"]) == ("hold", ["over-limit"])
    ran = loaded("order", "check", "C002", "10", "--currency", "USD")  # no USD rate
    assert ran.exit_code == 2 and "--currency: no USD rate on or before" in ran.stderr
    assert "HOLD" in loaded("order", "check", "C002", "200000.01").stdout


def test_held_order_released_then_invoiced(loaded, tmp_path):
    ran = loaded("order", "add", "C002", "250000", "--number", "SO-1", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert (ran.json()["status"], ran.json()["fired"]) == ("held", ["over-limit"])
    assert [o["number"] for o in loaded("orders", "--status", "held", "--json").json()] == ["SO-1"]
    assert loaded("order", "release", "SO-1", "--note", "ok").exit_code == 0
    ran = loaded("order", "release", "SO-1")
    assert (ran.exit_code, ran.stderr.strip()) == (2, "arflow: order SO-1 is approved, not held")
    day = loaded("orders", "--json").json()[0]["created_on"]
    write(tmp_path / "r.csv", "number,customer_code,issue_date,due_date,amount,currency\n"
          f"INV-1,C002,{day},{day},250000.00,CNY\n")
    assert loaded("import", "receivables", str(tmp_path / "r.csv")).exit_code == 0
    assert loaded("order", "invoice", "SO-1", "--invoice", "INV-1").exit_code == 0
    order = loaded("orders", "--json").json()[0]
    assert (order["status"], order["invoice_number"]) == ("invoiced", "INV-1")


def test_reject_and_cancel(loaded):
    loaded("order", "add", "C002", "250000", "--number", "SO-1")
    loaded("order", "add", "C001", "10", "--number", "SO-2")
    assert loaded("order", "reject", "SO-1", "--reason", "too much").exit_code == 0
    assert loaded("order", "cancel", "SO-2").exit_code == 0
    statuses = {o["number"]: o["status"] for o in loaded("orders", "--json").json()}
    assert statuses == {"SO-1": "rejected", "SO-2": "cancelled"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("order", "check", "C001", "abc"), "AMOUNT: not an amount: 'abc'"),
        (("order", "check", "C001", "NaN"), "AMOUNT: not an amount: 'NaN'"),
        (("order", "check", "C404", "10"), "no customer 'C404'"),
        (("order", "check", "C001", "10", "--currency", "yuan"), "currency must be an ISO code"),
        (("order", "add", "C001", "0", "--number", "SO-9"), "amount must be more than 0"),
        (("order", "release", "SO-404"), "no order 'SO-404'"),
        (("order", "invoice", "SO-404", "--invoice", "INV-1"), "no order 'SO-404'"),
        (("orders", "--status", "open"), "--status: unknown status 'open'"),
        (("prepayment", "add", "C001", "10", "--reference", "P-1", "--order", "SO-404"),
         "no order 'SO-404'"),
        (("prepayment", "add", "C001", "10", "--reference", "P-1", "--date", "2026-13-01"),
         "--date: not a date"),
        (("prepayment", "apply", "P-404", "--invoice", "INV-1"), "no prepayment 'P-404'"),
    ],
)
def test_bad_input_is_one_line_exit_2(loaded, args, message):
    ran = loaded(*args)
    assert ran.exit_code == 2
    assert message in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


def test_prepayments_listed_with_age_and_applied(loaded, tmp_path):
    loaded("order", "add", "C001", "1000", "--number", "SO-1")
    ran = loaded("prepayment", "add", "C001", "300", "--reference", "P-1", "--order", "SO-1",
                 "--date", "2026-01-01")
    assert ran.exit_code == 0, ran.stderr
    ran = loaded("prepayments", "--as-of", "2026-01-31", "--json")
    assert ran.json() == [{"reference": "P-1", "customer": "C001", "order": "SO-1",
                           "date": "2026-01-01", "amount": 300.0, "unapplied": 300.0,
                           "age_days": 30}]
    write(tmp_path / "r.csv", "number,customer_code,issue_date,due_date,amount,currency\n"
          "INV-1,C001,2026-01-01,2026-01-31,200.00,CNY\n")
    loaded("import", "receivables", str(tmp_path / "r.csv"))
    ran = loaded("prepayment", "apply", "P-1", "--invoice", "INV-1")
    assert ran.exit_code == 0, ran.stderr
    assert "200.00 of P-1 applied to INV-1" in ran.stdout
    assert loaded("prepayments", "--json").json()[0]["unapplied"] == 100.0
    ran = loaded("prepayment", "add", "C001", "5", "--reference", "P-1")
    assert (ran.exit_code, ran.stderr.strip()) == (
        2, "arflow: payment reference 'P-1' already exists")
