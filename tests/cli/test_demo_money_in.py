"""`arflow demo` brings money in the real way: a quarter of USD rates, and yesterday's
bank statement exported by a Chinese online bank (GBK, its own headers, a mapping),
imported through `arflow bank import`'s path: the transfers naming their invoices are
applied at once (those invoices paid), the rest wait on /bank; a second import of the
same file adds nothing."""

from __future__ import annotations

from decimal import Decimal


def test_demo_imports_rates_and_a_statement(arflow) -> None:  # type: ignore[no-untyped-def]
    ran = arflow("demo", "--as-of", "2025-06-16", "--customers", "40", "--invoices", "800",
                 "--no-cycle", "--json")
    assert ran.exit_code == 0, ran.stderr
    money_in = ran.json()["money_in"]
    assert money_in["rates"] == 93  # a rate a day, 92 days back and today
    statement = money_in["statement"]
    assert statement["format"] == "csv" and statement["debits_skipped"] == 2
    assert statement["lines"] == statement["inserted"] == 17
    # 11 name their invoices (8 in full, 2 short by charges, 1 pays two), 2 the exact
    # customer name and amount: applied; a part payment and 2 misspelt payers: proposed;
    # a stranger's transfer: unmatched
    assert (statement["applied"], statement["proposed"], statement["unmatched"]) == (13, 3, 1)

    lines = arflow("bank", "lines", "--json").json()
    applied = [line for line in lines if line["status"] == "applied"]
    assert len(applied) == 13
    for line in applied:
        paid = [m for m in line["matches"] if m["state"] == "applied"]
        assert sum(Decimal(str(m["amount"])) for m in paid) == Decimal(str(line["amount"]))
        for match in paid:
            shown = arflow("show", match["invoice"], "--json").json()
            assert shown["stage"] == "paid", (line["text"], shown["stage"])
    assert {line["status"] for line in lines} == {"applied", "proposed", "unmatched"}

    again = arflow("bank", "import", statement["file"], "--mapping",
                   statement["file"].replace("bank-statement.csv", "bank-mapping.yaml"),
                   "--json")
    assert again.exit_code == 0, again.stderr
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 17)
    rates = arflow("rates", "--json").json()
    assert len(rates) == 93 and {r["currency"] for r in rates} == {"USD"}
