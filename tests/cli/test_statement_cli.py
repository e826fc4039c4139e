"""`arflow statement C [--as-of D] [--output F.pdf]`: writes the PDF, says where; an
unknown customer or a bad date is one line and exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.statement.conftest import seed
from tests.statement.pdf_text import text


def test_the_statement_is_written_where_asked_and_by_default_here(
        arflow, db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(db, tmp_path)
    target = tmp_path / "out" / "c001.pdf"
    target.parent.mkdir()
    ran = arflow("statement", "C001", "--as-of", "2026-11-30", "--output", str(target))
    assert ran.exit_code == 0, ran.stderr
    assert str(target) in ran.stdout
    assert "INV-A-002" in text(target.read_bytes())
    monkeypatch.chdir(tmp_path)
    ran = arflow("statement", "C002", "--as-of", "2026-11-30")
    assert ran.exit_code == 0, ran.stderr
    written = tmp_path / "statement-C002-2026-11-30.pdf"
    assert written.exists() and "statement-C002-2026-11-30.pdf" in ran.stdout
    assert "INV-B-002" in text(written.read_bytes())


def test_an_unknown_customer_or_a_bad_date_is_refused(arflow, db: Engine, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seed(db, tmp_path)
    monkeypatch.chdir(tmp_path)
    ran = arflow("statement", "C999")
    assert (ran.exit_code, ran.stderr.strip()) == (2, "arflow: no customer 'C999'")
    ran = arflow("statement", "C001", "--as-of", "30.11.2026")
    assert ran.exit_code == 2 and ran.stderr.count("\n") == 1 and "--as-of" in ran.stderr
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".pdf")]
