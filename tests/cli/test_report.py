"""`arflow report …` on the worked-example ledger (tests/ledger/reports/book.py)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from ledger.db import make_engine
from tests.ledger.reports.book import worked_example


@pytest.fixture
def ledger(arflow, db_url):
    engine = make_engine(db_url)
    worked_example(engine).close()
    engine.dispose()
    return arflow


def test_ageing_json_and_grouped_table(ledger):
    ran = ledger("report", "ageing", "--as-of", "2026-03-05", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    cny = ran.json()["totals"][0]
    # exact money in JSON: 2500 current, 700 in 1-30, 300 in 61-90 (see test_ageing)
    assert cny["amounts"] == {
        "current": 2500.0, "1-30": 700.0, "31-60": 0.0, "61-90": 300.0,
        "91-180": 0.0, "181-365": 0.0, ">365": 0.0,
    }  # fmt: skip
    assert '"total": 3500.00' in ran.stdout
    table = ledger("report", "ageing", "--as-of", "2026-03-05", "--by", "customer")
    assert table.exit_code == 0 and "C001" in table.stdout and "3,000.00" in table.stdout


def test_kpi_period_and_monthly_csv(ledger):
    ran = ledger("report", "kpi", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--format", "json")  # fmt: skip
    k = ran.json()
    # CEI: R6's 300 written off is not collected: (3000 + 1300 - 1300 - 300) / 3500 x 100
    assert (k["dso_simple"], k["best_possible_dso"], k["cei"]) == (31.0, 19.08, 77.14)
    assert (k["written_off"], k["written_off_count"]) == (300.0, 1)
    assert '"overdue_ratio": 0.3846' in ran.stdout
    monthly = ledger("report", "kpi", "--to", "2026-03-31", "--months", "3", "--format", "csv")
    rows = list(csv.reader(io.StringIO(monthly.stdout)))
    assert rows[0][:3] == ["start", "end", "credit sales"]
    assert [r[2] for r in rows[1:]] == ["1000.00", "2000.00", "1300.00"]
    assert rows[3][6] == "31.00"  # March DSO
    assert rows[0][-2:] == ["written off", "write-offs"]
    assert [r[-2:] for r in rows[1:]] == [["0.00", "0"], ["0.00", "0"], ["300.00", "1"]]


def test_provision_uses_policy_rates(ledger):
    ran = ledger("report", "provision", "--as-of", "2026-03-05", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    # rules/collection.yaml: current 2500 x 0.005 = 12.50, 1-30 700 x 0.01 = 7.00,
    # 61-90 300 x 0.05 = 15.00 -> 34.50
    assert '"total": 34.50' in ran.stdout
    assert "roll_rates" in ran.json()
    table = ledger("report", "provision", "--as-of", "2026-03-05")
    assert "34.50" in table.stdout and "roll rate" in table.stdout
    # R6's 300, written off 03-15 while 74 days past due, in the year to 03-31
    after = ledger("report", "provision", "--as-of", "2026-03-31", "--format", "json").json()
    policy = after["policy"]
    assert (policy["written_off_from"], policy["written_off"], policy["written_off_count"]) == (
        "2025-04-01", 300.0, 1)
    assert [x["written_off"] for x in policy["lines"] if x["bucket"] == "61-90"] == [300.0]


def test_forecast_backtest_and_collectors(ledger):
    ran = ledger("report", "forecast", "--as-of", "2026-03-31", "--backtest", "--weeks", "4")
    assert ran.exit_code == 0, ran.stderr
    assert "forecast made 2026-03-03 vs actual" in ran.stdout
    fc = ledger("report", "forecast", "--as-of", "2026-03-31", "--format", "json").json()
    assert len(fc["weeks"]) == 13 and fc["currency"] == "CNY"
    col = ledger("report", "collectors", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--format", "json").json()  # fmt: skip
    li = next(c for c in col["collectors"] if c["collector"] == "li.na")
    assert li["collected"] == 2700.0 and li["target_collected"] == 500000


def test_xlsx_file(ledger, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "ageing.xlsx"
    ran = ledger("report", "ageing", "--as-of", "2026-03-05", "--format", "xlsx",
                 "--output", str(target))  # fmt: skip
    assert ran.exit_code == 0 and f"wrote {target}" in ran.stderr
    sheet = load_workbook(target).active
    assert [c.value for c in sheet[1]][:3] == ["currency", "current", "1-30"]
    assert sheet["A2"].value == "CNY" and Decimal(str(sheet["B2"].value)) == Decimal("2500")


@pytest.mark.parametrize(
    "args, message",
    [
        (["ageing", "--as-of", "yesterday"], "--as-of: not a date"),
        (["ageing", "--by", "country"], "--by: one of customer"),
        (["kpi", "--format", "pdf"], "--format: one of table, csv, xlsx, json"),
        (["kpi", "--from", "2026-04-01", "--to", "2026-03-01"], "is after --to"),
    ],
)
def test_bad_input_exits_2_with_one_line(ledger, args, message):
    ran = ledger("report", *args)
    assert ran.exit_code == 2
    assert message in ran.stderr and len(ran.stderr.strip().splitlines()) == 1
