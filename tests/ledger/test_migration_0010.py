"""Migration 0010 on a database that holds data, on both databases: every receivable gets
its number key (what remittance texts are matched on), currencies typed before this
release (``RMB``, ``usd``, ``¥``) become their ISO code so one currency is one book, and
each payment takes the currency of the invoices it paid (CNY when it paid none)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from ledger.migrate import is_current, upgrade
from tests.ledger.test_migration_0006 import _insert, at_revision

D = date


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0009(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from at_revision(request, tmp_path, "0009")


def _receivable(rid: int, number: str, currency: str) -> dict[str, object]:
    return {"id": rid, "number": number, "customer_id": 1, "issue_date": D(2026, 1, 1),
            "due_date": D(2026, 2, 1), "amount": 100_00, "balance": 100_00,
            "currency": currency, "stage": "current", "stage_since": D(2026, 1, 1)}


def test_keys_currencies_and_payment_currencies_filled_in(at_0009: Engine) -> None:
    with at_0009.begin() as conn:
        _insert(conn, "customer", [{"id": 1, "code": "C1", "name": "华兴贸易"},
                                   {"id": 2, "code": "C2", "name": "Acme"}])
        _insert(conn, "receivable", [_receivable(1, "INV-2026/0042", "RMB"),
                                     _receivable(2, "ｉｎｖ 7", "usd"),
                                     _receivable(3, "X-3", "EUR"),
                                     _receivable(4, "X-4", "ZZZ"),
                                     {**_receivable(5, "U-5", "us$"), "customer_id": 2}])
        _insert(conn, "payment", [
            {"id": 1, "reference": "P1", "customer_id": 1, "date": D(2026, 2, 3),
             "amount": 50_00, "unapplied": 0},
            {"id": 2, "reference": "P2", "customer_id": 1, "date": D(2026, 2, 3),
             "amount": 50_00, "unapplied": 50_00},  # C1 invoices in several: CNY
            {"id": 3, "reference": "P3", "customer_id": 2, "date": D(2026, 2, 3),
             "amount": 50_00, "unapplied": 50_00}])  # C2's advance: C2 invoices in USD
        _insert(conn, "allocation", [{"id": 1, "payment_id": 1, "receivable_id": 2,
                                      "amount": 50_00}])
    upgrade(at_0009)
    assert is_current(at_0009)
    with at_0009.connect() as conn:
        receivables = conn.execute(sa.text(
            "SELECT number, number_key, currency FROM receivable ORDER BY id")).all()
        payments = conn.execute(sa.text(
            "SELECT reference, currency FROM payment ORDER BY id")).all()
    assert [tuple(r) for r in receivables] == [
        ("INV-2026/0042", "INV20260042", "CNY"), ("ｉｎｖ 7", "INV7", "USD"),
        ("X-3", "X3", "EUR"), ("X-4", "X4", "ZZZ"),  # unknown: left for a person to fix
        ("U-5", "U5", "USD")]
    assert [tuple(p) for p in payments] == [("P1", "USD"), ("P2", "CNY"), ("P3", "USD")]
