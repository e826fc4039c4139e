"""Item 7: a foreign AR export with invoice date, due date, amount, settled date and a
disputed flag (Chinese headers, GBK, slashed dates) loads the ledger's history."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.db import session_scope
from ledger.importers import ImportFailed, import_file
from ledger.importers.source import Mapping
from ledger.models import Activity, Allocation, Payment, Receivable, StageChange
from ledger.reports import ageing
from tests.factories import seed_customers, write
from workflows.actions import open_dispute, settle_paid

TODAY = date(2026, 4, 30)
EXPORT = (
    "发票号,客户编码,发票日期,到期日,金额,币种,结清日期,是否争议\n"
    'FX-1,C001,2026/01/05,2026/02/04,"1,000.00",CNY,2026/03/10,否\n'
    "FX-2,C001,2026/02/01,2026/03/03,2000.00,CNY,,是\n"
    "FX-3,C002,2026/03/01,2026/03/31,500.00,USD,,N\n"
    "FX-4,C002,2026/01/10,2026/02/09,300.00,USD,2026/02/20,是\n"
)
MAPPING = (
    "columns:\n"
    "  发票号: number\n"
    "  客户编码: customer_code\n"
    "  发票日期: issue_date\n"
    "  到期日: due_date\n"
    "  金额: amount\n"
    "  币种: currency\n"
    "  结清日期: settled_date\n"
    "  是否争议: disputed\n"
    'date_format: "%Y/%m/%d"\n'
)


def _import(engine: Engine, path, mapping: Mapping) -> dict:
    """What `arflow import receivables FILE --mapping M` does: import, settle, dispute."""
    with session_scope(engine) as session:
        result = import_file(session, "receivables", path, mapping)
        settled = settle_paid(session, result.touched_receivables, TODAY, actor="import")
        for number in result.to_dispute:
            open_dispute(session, number, "disputed in the source system", TODAY, "import")
        return {**result.as_dict(), "settled": settled}


def _digest(engine: Engine) -> str:
    from sqlmodel import SQLModel

    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def export(tmp_path):
    path = write(tmp_path / "应收账款导出.csv", EXPORT, encoding="gbk")
    mapping = Mapping.load(write(tmp_path / "map.yaml", MAPPING))
    return path, mapping


def test_foreign_export_loads_history(db, tmp_path, export):
    seed_customers(db, tmp_path)
    outcome = _import(db, *export)
    assert outcome["inserted"] == 4 and outcome["settlements"] == 2
    assert outcome["to_dispute"] == ["FX-2"]  # FX-4 is settled: its flag is history
    assert outcome["settled"] == 2
    with Session(db) as s:
        rows = {r.number: r for r in s.execute(select(Receivable)).scalars()}
        assert rows["FX-1"].amount == Decimal("1000.00") and rows["FX-1"].balance == 0
        assert (rows["FX-1"].stage, rows["FX-1"].stage_since) == ("paid", date(2026, 3, 10))
        assert (rows["FX-2"].stage, rows["FX-2"].balance) == ("disputed", Decimal("2000.00"))
        assert rows["FX-3"].stage == "current" and rows["FX-4"].stage == "paid"
        payments = {p.reference: p for p in s.execute(select(Payment)).scalars()}
        assert set(payments) == {"SETTLED:FX-1", "SETTLED:FX-4"}
        assert payments["SETTLED:FX-1"].date == date(2026, 3, 10)
        assert payments["SETTLED:FX-1"].amount == Decimal("1000.00")
        assert payments["SETTLED:FX-1"].unapplied == 0
        assert len(s.execute(select(Allocation)).all()) == 2
        audit = s.execute(select(Activity).where(Activity.action == "dispute")).scalars().all()
        assert [(a.subject, a.actor) for a in audit] == [("FX-2", "import")]
        moves = s.execute(select(StageChange.to_stage).order_by(StageChange.id)).scalars().all()
        assert sorted(moves) == ["disputed", "paid", "paid"]
        # the history is the ledger's: on 03-05 FX-1 (29 days past due) was still open
        # beside FX-2 (2 days); after its settlement on 03-10 only FX-2 is left
        before = ageing(s, date(2026, 3, 5)).totals[0]
        assert before.currency == "CNY" and before.amounts["1-30"] == Decimal("3000.00")
        assert ageing(s, date(2026, 3, 11)).totals[0].amounts["1-30"] == Decimal("2000.00")


def test_reimport_adds_nothing(db, tmp_path, export):
    seed_customers(db, tmp_path)
    _import(db, *export)
    before = _digest(db)
    again = _import(db, *export)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert again.get("settlements", 0) == 0 and again.get("to_dispute", []) == []
    assert _digest(db) == before


def test_bad_history_rows_reject_the_file(db, tmp_path):
    seed_customers(db, tmp_path)
    bad = (
        "发票号,客户编码,发票日期,到期日,金额,结清日期,是否争议\n"
        "FX-1,C001,2026/01/05,2026/02/04,100.00,2026/01/01,否\n"
        "FX-2,C001,2026/01/05,2026/02/04,100.00,,也许\n"
        "FX-3,C001,2026/01/05,2026/02/04,100.00,2026-02-01,否\n"
    )
    path = write(tmp_path / "bad.csv", bad)
    mapping = Mapping.load(write(tmp_path / "map.yaml", MAPPING))
    with pytest.raises(ImportFailed) as caught:
        with session_scope(db) as session:
            import_file(session, "receivables", path, mapping)
    problems = [(e.row, e.column) for e in caught.value.errors]
    assert problems == [(2, "settled_date"), (3, "disputed"), (4, "settled_date")]
    assert "before issue date" in str(caught.value.errors[0])
    assert "not a yes/no flag" in str(caught.value.errors[1])
    with Session(db) as s:
        assert s.execute(select(Receivable)).first() is None
        assert s.execute(select(Payment)).first() is None
