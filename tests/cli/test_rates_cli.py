"""`arflow rates import FILE` and `arflow rates [--currency C] [--json]` on both databases:
rows stored, re-import updates, a bad row is FILE:ROW on stderr with exit 2 and nothing
written."""

from __future__ import annotations

from pathlib import Path


def test_import_and_list(arflow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rates = tmp_path / "rates.csv"
    rates.write_text("date,currency,rate\n2026-11-27,USD,7.10\n2026-11-30,EUR,7.654321\n",
                     encoding="utf-8")
    ran = arflow("rates", "import", str(rates))
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == ("rates imported from rates.csv: 2 added, 0 updated, "
                                  "0 unchanged (units of CNY)")
    rates.write_text("date,currency,rate\n2026-11-27,USD,7.12\n", encoding="utf-8")
    again = arflow("rates", "import", str(rates), "--json")
    assert again.json() == {"added": 0, "updated": 1, "unchanged": 0, "book_currency": "CNY"}
    listed = arflow("rates", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert listed.json() == [
        {"date": "2026-11-30", "currency": "EUR", "rate": 7.654321, "book_currency": "CNY"},
        {"date": "2026-11-27", "currency": "USD", "rate": 7.12, "book_currency": "CNY"},
    ]
    only = arflow("rates", "--currency", "us$", "--json")
    assert [r["currency"] for r in only.json()] == ["USD"]
    shown = arflow("rates")
    assert "Rates (units of CNY per unit)" in shown.stdout and "7.654321" in shown.stdout


def test_bad_row_is_file_row_and_writes_nothing(arflow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rates = tmp_path / "rates.csv"
    rates.write_text("date,currency,rate\n2026-11-27,USD,7.10\n2026-11-28,RMB,1\n",
                     encoding="utf-8")
    ran = arflow("rates", "import", str(rates))
    assert ran.exit_code == 2
    assert ran.stderr.strip() == ("arflow: rates.csv:3: currency: CNY is the book currency "
                                  "(it converts at 1)")
    assert arflow("rates", "--json").json() == []
    missing = arflow("rates", "import", str(tmp_path / "none.csv"))
    assert missing.exit_code == 2 and "none.csv: no such file" in missing.stderr
    bad = arflow("rates", "--currency", "XYZ")
    assert bad.exit_code == 2 and bad.stderr.startswith("arflow: --currency: not a currency")
    empty = arflow("rates")
    assert "no rates: import them with `arflow rates import rates.csv`" in empty.stdout


def test_ageing_report_adds_a_converted_total(arflow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import CUSTOMERS, write

    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    receivables = write(tmp_path / "r.csv",
                        "number,customer_code,issue_date,due_date,amount,currency\n"
                        "I-1,C001,2026-02-01,2026-03-01,1000.00,CNY\n"
                        "I-2,C002,2026-02-01,2026-04-01,200.00,USD\n")
    assert arflow("import", "receivables", str(receivables)).exit_code == 0
    rates = write(tmp_path / "rates.csv", "date,currency,rate\n2026-03-01,USD,7.10\n")
    assert arflow("rates", "import", str(rates)).exit_code == 0
    ran = arflow("report", "ageing", "--as-of", "2026-03-05", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    data = ran.json()
    assert [t["currency"] for t in data["totals"]] == ["CNY", "USD"]  # per currency, as before
    total = data["total_converted"]
    assert (total["amount"], total["currency"], total["converted_at"]) == (2420.0, "CNY",
                                                                          "2026-03-05")
    assert (total["amounts"]["current"], total["amounts"]["1-30"]) == (1420.0, 1000.0)
    assert total["note"] == "CNY (USD converted at 7.10 on 2026-03-01)"
    csv = arflow("report", "ageing", "--as-of", "2026-03-05", "--format", "csv").stdout
    assert csv.splitlines()[-1] == ("total CNY (USD converted at 7.10 on 2026-03-01),"
                                    "1420.00,1000.00,0.00,0.00,0.00,0.00,0.00,2420.00,")
