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
