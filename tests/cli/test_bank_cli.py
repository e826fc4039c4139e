"""`arflow bank import|lines|apply|unapply` on both databases, with the sample statements
of tests/fixtures/bank and the ledger of tests/workflows/bank_book.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ledger.db import make_engine
from tests.cli.conftest import built
from tests.workflows.bank_book import CAMT, CSV, MAPPING, MT940, build, receivables


@pytest.fixture
def ledger(arflow, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return built(arflow, db_url, tmp_path, build)


def _balances(db_url: str) -> dict[str, tuple[object, str]]:
    engine = make_engine(db_url)
    try:
        return receivables(engine)
    finally:
        engine.dispose()


def test_import_guesses_the_format_and_a_reimport_adds_nothing(ledger) -> None:  # type: ignore[no-untyped-def]
    ran = ledger("bank", "import", str(CAMT), "--json")
    assert ran.exit_code == 0, ran.stderr
    assert ran.json() == {"file": str(CAMT), "format": "camt053", "lines": 4,
                          "debits_skipped": 1, "inserted": 4, "duplicates": 0, "applied": 3,
                          "proposed": 0, "unmatched": 1}
    again = ledger("bank", "import", str(CAMT), "--format", "camt053", "--json").json()
    assert (again["inserted"], again["duplicates"]) == (0, 4)
    table = ledger("bank", "import", str(MT940))
    assert table.exit_code == 0 and "mt940" in table.stdout and "debits_skipped" in table.stdout


def _business_today() -> str:
    """Today in the settings' timezone, as `arflow` dates what it does."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_lines_as_json_and_by_status(ledger) -> None:  # type: ignore[no-untyped-def]
    ledger("bank", "import", str(CAMT))
    lines = ledger("bank", "lines", "--json").json()
    assert [(x["id"], x["status"], x["customer"]) for x in lines] == [
        (1, "applied", "C003"), (2, "applied", "C001"), (3, "applied", "C002"),
        (4, "unmatched", None)]
    first = lines[0]
    assert set(first) >= {"id", "date", "amount", "currency", "payer_name", "payer_account",
                          "text", "status", "matches", "customer", "applied_on"}
    assert (first["date"], first["amount"], first["currency"], first["payer_name"],
            first["payer_account"], first["applied_on"]) == (
        "2026-11-27", 15000.0, "CNY", "HUAXING TRADING CO LTD", "6222020200112233",
        _business_today())  # applied at import, on the business day the CLI runs
    assert first["matches"][0] == {"option": 1, "invoice": "INV-2026-0042", "customer": "C003",
                                   "amount": 10000.0, "charges": 0.0, "confidence": 0.99,
                                   "reason": first["matches"][0]["reason"], "state": "applied"}
    assert "INV-2026-0042" in first["matches"][0]["reason"]
    assert [x["id"] for x in ledger("bank", "lines", "--status", "unmatched", "--json").json()
            ] == [4]
    assert [x["id"] for x in ledger("bank", "lines", "--limit", "2", "--json").json()] == [1, 2]
    human = ledger("bank", "lines", "--status", "applied")
    assert human.exit_code == 0 and "INV-2026-0061" in human.stdout
    bad = ledger("bank", "lines", "--status", "lost")
    assert bad.exit_code == 2


def test_apply_a_split_credit_and_unapply(ledger, db_url: str) -> None:  # type: ignore[no-untyped-def]
    ledger("bank", "import", str(CAMT))  # line 4: 3,000.00 CNY unmatched
    ran = ledger("bank", "apply", "4", "--invoice", "INV-2026-0050", "--amount", "2,000.00",
                 "--invoice", "INV-2026-0051", "--amount", "500")
    assert ran.exit_code == 2  # INV-2026-0051 was paid by line 2
    assert ran.stderr.strip() == "arflow: --invoice: INV-2026-0051 is not open (paid)"
    ran = ledger("bank", "apply", "4", "--invoice", "INV-2026-0050", "--amount", "2,000.00",
                 "--invoice", "INV-2026-0044", "--amount", "500")
    assert ran.exit_code == 2
    assert "belong to different customers" in ran.stderr
    ran = ledger("bank", "apply", "4", "--invoice", "INV-2026-0044", "--amount", "2,000.00",
                 "--invoice", "INV-2026-0043", "--amount", "500")
    assert ran.exit_code == 2 and "INV-2026-0043 is not open (paid)" in ran.stderr
    ran = ledger("bank", "apply", "4", "--invoice", "INV-2026-0044", "--amount", "2,000.00")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == ("bank line 4: 3,000.00 CNY applied for C003: "
                                  "INV-2026-0044 2,000.00, credit 1,000.00")
    assert _balances(db_url)["INV-2026-0044"][0] == 1000
    again = ledger("bank", "apply", "4", "--credit", "C003")
    assert again.exit_code == 2
    assert again.stderr.strip() == ("arflow: bank line 4 is already applied (unapply it "
                                    "first)")
    undone = ledger("bank", "unapply", "4")
    assert undone.exit_code == 0 and undone.stdout.strip() == "bank line 4: unapplied, unmatched"
    assert _balances(db_url)["INV-2026-0044"][0] == 3000
    credit = ledger("bank", "apply", "4", "--credit", "C003")
    assert credit.stdout.strip() == "bank line 4: 3,000.00 CNY applied for C003: credit 3,000.00"


def test_confirm_an_option(ledger, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = tmp_path / "config" / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "auto_apply_confidence: 0.90", "auto_apply_confidence: 0.95"), encoding="utf-8")
    summary = ledger("bank", "import", str(MT940), "--json").json()
    assert (summary["applied"], summary["proposed"]) == (1, 1)  # 2: a name alone, 0.90
    ran = ledger("bank", "apply", "2", "--option", "1")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == ("bank line 2: 3,000.00 CNY applied for C003: "
                                  "INV-2026-0044 3,000.00")
    assert _balances(db_url)["INV-2026-0044"] == (0, "paid")


def test_bad_input_is_one_line_and_exit_2(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    no_mapping = ledger("bank", "import", str(CSV))
    assert no_mapping.exit_code == 2
    assert no_mapping.stderr.splitlines() == [
        "icbc.csv:1: date: missing column (pass --mapping to name the export's columns)",
        "icbc.csv:1: amount: missing column (pass --mapping to name the export's columns)",
        "arflow: " + str(CSV) + ": rejected, 2 error(s); nothing imported"]
    assert ledger("bank", "lines", "--json").json() == []
    mapped = ledger("bank", "import", str(CSV), "--mapping", str(MAPPING), "--encoding", "gbk",
                    "--json")
    assert mapped.exit_code == 0 and mapped.json()["inserted"] == 4
    assert ledger("bank", "import", str(tmp_path / "none.xml")).stderr.strip().endswith(
        "none.xml: no such file")
    cases = [
        (("bank", "apply", "1"), "arflow: say how to apply the line: --invoice (with "
                                 "--amount), --option N or --credit CUSTOMER"),
        (("bank", "apply", "1", "--option", "1", "--credit", "C001"),
         "arflow: say how to apply the line: --invoice (with --amount), --option N or "
         "--credit CUSTOMER"),
        (("bank", "apply", "3", "--invoice", "A", "--invoice", "B", "--amount", "1"),
         "arflow: --amount: one per --invoice (--invoice A --amount 100 --invoice B "
         "--amount 50)"),
        (("bank", "apply", "3", "--invoice", "INV-2026-0080", "--amount", "1x"),
         "arflow: --amount: not an amount: '1x'"),
        (("bank", "apply", "3", "--invoice", "INV-2026-0080", "--amount", "-5"),
         "arflow: --amount: the amount to INV-2026-0080 must be more than 0, got -5.00"),
        (("bank", "apply", "3", "--invoice", "INV-2026-0080", "--amount", "1000.01"),
         "arflow: --amount: 1,000.01 is over the balance of INV-2026-0080, 1,000.00 CNY"),
        (("bank", "apply", "3", "--credit", "C999"), "arflow: no customer 'C999'"),
        (("bank", "apply", "99", "--credit", "C001"), "arflow: no bank line 99"),
        (("bank", "unapply", "3"), "arflow: bank line 3 is not applied"),
    ]
    for args, message in cases:
        ran = ledger(*args)
        assert (ran.exit_code, ran.stderr.strip()) == (2, message), args


def test_import_an_xlsx_export_from_a_sheet(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "明细"
    sheet.append(["交易日期", "借方金额", "贷方金额", "对方户名", "对方账号", "摘要"])
    sheet.append([date(2026, 11, 28), None, 8000, "上海华东机电有限公司", "31001234567890", "货款"])
    sheet.append([date(2026, 11, 28), "1,200.00", None, "上海电力公司", "3100999", "电费"])
    path = tmp_path / "icbc.xlsx"
    book.save(path)
    ran = ledger("bank", "import", str(path), "--mapping", str(MAPPING), "--sheet", "明细",
                 "--json")
    assert ran.exit_code == 0, ran.stderr
    assert {k: ran.json()[k] for k in ("format", "lines", "debits_skipped", "inserted",
                                       "applied")} == {
        "format": "csv", "lines": 1, "debits_skipped": 1, "inserted": 1, "applied": 1}
    missing = ledger("bank", "import", str(path), "--mapping", str(MAPPING), "--sheet", "无")
    assert missing.exit_code == 2 and "无" in missing.stderr


def test_files_races_and_taken_references_are_one_line_and_exit_2(  # type: ignore[no-untyped-def]
        ledger, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger import bank_store
    from ledger.db import IntegrityError
    from tests.factories import load, write

    report = write(tmp_path / "c54.xml", CAMT.read_text(encoding="utf-8").replace(
        "camt.053.001", "camt.054.001"))
    ran = ledger("bank", "import", str(report))
    assert (ran.exit_code, ran.stderr.strip()) == (
        2, f"arflow: {report}: XML, but not a camt.053 statement (namespace "
           "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02)")
    empty = write(tmp_path / "empty.sta", "")
    ran = ledger("bank", "import", str(empty), "--format", "mt940")
    assert (ran.exit_code, ran.stderr.strip()) == (2, f"arflow: {empty}: the file is empty")

    def lost(*args: object, **kwargs: object) -> None:  # what the second import meets
        raise IntegrityError("INSERT INTO bank_line", {}, Exception(
            "UNIQUE constraint failed: bank_line.fingerprint"))

    with monkeypatch.context() as patched:
        patched.setattr(bank_store, "insert_lines", lost)
        ran = ledger("bank", "import", str(CAMT))
    assert (ran.exit_code, ran.stderr.strip()) == (
        2, "arflow: camt053.xml: another import of the same lines finished first; nothing "
           "was written: import it again (the lines stored are skipped)")
    engine = make_engine(db_url)
    load(engine, "payments", write(tmp_path / "p.csv", (
        "reference,customer_code,date,amount,invoice_number\n"
        "BANK-4,C004,2026-11-20,100.00,INV-2026-0080\n")))
    engine.dispose()
    assert ledger("bank", "import", str(CAMT), "--json").json()["unmatched"] == 1  # line 4
    ran = ledger("bank", "apply", "4", "--credit", "C001")
    assert (ran.exit_code, ran.stderr.strip()) == (
        2, "arflow: a payment BANK-4 already exists (not from bank line 4, e.g. from a "
           "payments file): rename that payment's reference first")
