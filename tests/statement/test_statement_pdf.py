"""The statement of account as a PDF, read back with pypdf: invoice numbers, balances, the
Chinese customer name in an embedded font subset, ageing, payments, credit on account, and
the bank account of each currency in the customer's language."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arflow.settings import load_settings
from arflow.statements import maker
from notifiers import statement_pdf
from tests.statement.conftest import AS_OF, ROOT
from tests.statement.pdf_text import embedded_fonts, text

ARTIFACTS = ROOT / "tests" / "artifacts"


def _maker(engine: Engine):  # type: ignore[no-untyped-def]
    return maker(load_settings(ROOT), engine)


def test_a_chinese_statement_lists_the_open_items_payments_and_credit(ledger: Engine) -> None:
    built = _maker(ledger).for_code("C001", AS_OF)
    assert built is not None and built.filename == "对账单-C001-2026-11-30.pdf"
    assert built.data.startswith(b"%PDF")
    found = text(built.data)
    for expected in ("对账单", "上海华东机电有限公司", "张伟", "INV-A-001", "INV-A-002",
                     "INV-A-003", "8,400.00", "8,345.67", "5,000.00", "21,745.67", "91",
                     "账龄分析", "91-180 天", "近 90 天收款记录", "PAY-0901", "PAY-0902",
                     "1,500.00", "示例贸易有限公司", "1001 2345 6789 0123 456",
                     "2026年11月30日"):
        assert expected in found, expected
    assert "PAY-0001" not in found  # paid more than 90 days before the statement date
    assert "INV-B-001" not in found  # another customer's
    assert "SWIFT" not in found  # a CNY account needs none
    assert "逾期利息" not in found  # the policy charges none: no interest section
    assert any(name.split("+")[0].isupper() and "+" in name
               for name in embedded_fonts(built.data))  # ABCDEF+Font: an embedded subset


def test_an_english_statement_in_usd_shows_the_usd_account_with_swift(ledger: Engine) -> None:
    built = _maker(ledger).for_code("C002", AS_OF)
    assert built is not None and built.filename == "statement-C002-2026-11-30.pdf"
    found = text(built.data)
    assert "INV-B-001" not in found.split("Open invoices")[1].split("Ageing")[0]  # paid
    for expected in ("Statement of Account", "Acme Trading Ltd", "INV-B-002", "2,600.00",
                     "not due", "PAY-0903", "INV-B-001", "5,000.00", "Unapplied credit",
                     "USD 179.50", "USD account", "Example Trading Co., Ltd.",
                     "ICBKCNBJSHI", "1001 2345 6789 0987 654", "30 Nov 2026"):
        assert expected in found, expected
    assert "1001 2345 6789 0123 456" not in found  # not the CNY account
    assert "发票号" not in found  # every label in English


def test_an_unknown_customer_has_no_statement(ledger: Engine) -> None:
    assert _maker(ledger).for_code("NOPE", AS_OF) is None


def test_a_missing_font_is_one_line_naming_the_package(tmp_path: Path) -> None:
    with pytest.raises(statement_pdf.FontMissing, match="install the Debian package "
                                                        "fonts-wqy-microhei"):
        statement_pdf._register(tmp_path / "missing.ttc", "Missing")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils: make test")
def test_the_statement_renders_to_png(ledger: Engine) -> None:
    """tests/artifacts/statement-zh.png: the first page, to look at."""
    built = _maker(ledger).for_code("C001", AS_OF)
    assert built is not None
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "statement-zh.pdf"
    pdf.write_bytes(built.data)
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile", str(pdf),
                    str(ARTIFACTS / "statement-zh")], check=True)
    assert (ARTIFACTS / "statement-zh.png").stat().st_size > 20_000


def test_interest_is_shown_when_the_policy_charges_it(ledger: Engine, tmp_path: Path) -> None:
    from engine import load_policy
    from ledger import interest
    from ledger.db import session_scope

    folder = tmp_path / "policy"
    folder.mkdir()
    source = (ROOT / "rules" / "collection.yaml").read_text(encoding="utf-8")
    (folder / "collection.yaml").write_text(
        source + "\ninterest: {rate_per_day: 0.0005}\n", encoding="utf-8")
    policy = load_policy(folder)
    with session_scope(ledger) as session:
        owed = interest.totals(interest.for_customer(session, 1, AS_OF, policy.interest))
    assert owed["CNY"] > 0
    built = maker(load_settings(ROOT), ledger, policy).for_code("C001", AS_OF)
    assert built is not None
    found = text(built.data)
    assert "逾期利息" in found and f"CNY {owed['CNY']:,.2f}" in found
