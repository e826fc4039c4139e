"""The demo portfolio: deterministic, imported the real way, and showing every payer profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from arflow.demo import build_demo, generate
from ledger.db import make_engine, session_scope
from ledger.facts import customer_facts
from ledger.migrate import upgrade
from ledger.models import Payment, Receivable

AS_OF = date(2025, 6, 16)
SMALL = {"customers": 30, "invoices": 500}
FILES = ("customers.csv", "receivables.csv", "payments.csv")


def _fresh(path: Path) -> Engine:
    path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}/t.db")
    upgrade(engine)
    return engine


def _build(path: Path, seed: int = 7) -> tuple[Engine, dict[str, Any]]:
    engine = _fresh(path)
    return engine, build_demo(engine, AS_OF, seed, workdir=path / "csv", **SMALL)


def _balances(engine: Engine) -> list[tuple[str, Decimal, str]]:
    with session_scope(engine) as session:
        stmt = select(Receivable.number, Receivable.balance, Receivable.stage).order_by(
            Receivable.number)
        return [tuple(row) for row in session.execute(stmt)]


def test_same_seed_gives_identical_files_and_balances(tmp_path: Path) -> None:
    one, first = _build(tmp_path / "a")
    two, second = _build(tmp_path / "b")
    for name in FILES:
        assert (tmp_path / "a" / "csv" / name).read_bytes() == \
            (tmp_path / "b" / "csv" / name).read_bytes()
    assert {k: v for k, v in first.items() if k != "files"} == \
        {k: v for k, v in second.items() if k != "files"}
    assert _balances(one) == _balances(two)


def test_a_different_seed_gives_a_different_portfolio() -> None:
    assert generate(AS_OF, 7, **SMALL).invoices != generate(AS_OF, 8, **SMALL).invoices


def test_counts_match_what_was_imported(tmp_path: Path) -> None:
    engine, result = _build(tmp_path)
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Receivable)).scalar_one() == 500
        payments = session.execute(select(func.count()).select_from(Payment)).scalar_one()
        open_rows = session.execute(select(Receivable.balance, Receivable.currency).where(
            Receivable.balance > 0)).all()  # type: ignore[arg-type]
    assert result["customers"] == 30 and result["receivables"] == 500
    assert result["payments"] == payments
    assert result["open_receivables"] == len(open_rows) > 0
    cny = sum((b for b, c in open_rows if c == "CNY"), Decimal(0))
    assert result["open_balance_cny"] == cny > 0 and result["open_balance_usd"] > 0
    assert result["settled"] == 500 - len(open_rows)  # paid off in full means settled


def test_files_look_like_an_erp_export(tmp_path: Path) -> None:
    _build(tmp_path)
    customers = (tmp_path / "csv" / "customers.csv").read_text(encoding="utf-8").splitlines()
    assert customers[0] == ("code,name,email,language,segment,country,credit_limit,"
                            "payment_terms_days,collector")
    assert any("有限公司" in line and ",zh-CN," in line for line in customers)
    assert any(",en,export," in line for line in customers)
    receivables = (tmp_path / "csv" / "receivables.csv").read_text(encoding="utf-8")
    assert ",USD\n" in receivables and ",CNY\n" in receivables
    payments = (tmp_path / "csv" / "payments.csv").read_text(encoding="utf-8").splitlines()
    dates = [line.split(",")[2] for line in payments[1:]]
    assert max(dates) <= AS_OF.isoformat() and dates == sorted(dates)
    named = [line for line in payments[1:] if not line.endswith(",")]
    assert 0 < len(named) < len(payments) - 1  # some name their invoice, some do not


def test_invoices_span_18_months_with_realistic_amounts() -> None:
    book = generate(AS_OF, **SMALL)
    issues = [i.issue for i in book.invoices]
    assert (AS_OF - min(issues)).days > 500 and max(issues) <= AS_OF
    cny = [i.cents for i in book.invoices if i.customer.currency == "CNY"]
    assert 2_000_00 <= min(cny) and max(cny) <= 500_000_00
    assert {c.terms for c in book.customers} <= {30, 45, 60, 90}


def test_profile_mix_is_visible_in_the_facts(tmp_path: Path) -> None:
    engine, _ = _build(tmp_path)
    with session_scope(engine) as session:
        facts = list(customer_facts(session, AS_OF).values())
    assert any(f["customer.max_days_overdue"] > 60 for f in facts)
    paid_up = [f for f in facts if f["customer.overdue_balance"] == 0]
    assert len(paid_up) >= 5
    profiles = {c.profile for c in generate(AS_OF, **SMALL).customers}
    assert profiles == {"good", "slow", "chronic", "defaulting"}


def test_some_customer_has_unapplied_credit(tmp_path: Path) -> None:
    engine, _ = _build(tmp_path)
    with session_scope(engine) as session:
        credits = session.execute(select(Payment.customer_id, Payment.unapplied).where(
            Payment.unapplied > 0)).all()  # type: ignore[arg-type]
    assert credits and all(amount > 0 for _, amount in credits)


def test_disputed_invoices_are_few_recent_and_unpaid(tmp_path: Path) -> None:
    engine, result = _build(tmp_path)
    disputed = result["disputed"]
    assert 1 <= len(disputed) <= 10  # 1-2% of 500
    with session_scope(engine) as session:
        rows = session.execute(select(Receivable.amount, Receivable.balance, Receivable.stage)
                               .where(Receivable.number.in_(disputed))).all()  # type: ignore
    assert len(rows) == len(disputed)
    assert all(amount == balance and stage == "current" for amount, balance, stage in rows)


def test_importing_the_demo_twice_adds_nothing(tmp_path: Path) -> None:
    engine, first = _build(tmp_path)
    before = _balances(engine)
    again = build_demo(engine, AS_OF, workdir=tmp_path / "csv", **SMALL)
    assert _balances(engine) == before
    assert again["open_balance_cny"] == first["open_balance_cny"] and again["settled"] == 0


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate(AS_OF, customers=0, invoices=10)


def test_money_is_exact_on_both_databases(db: Engine, tmp_path: Path) -> None:
    result = build_demo(db, AS_OF, workdir=tmp_path / "csv", **SMALL)
    reference, expected = _build(tmp_path / "sqlite")
    assert result["open_balance_cny"] == expected["open_balance_cny"]
    assert result["open_balance_usd"] == expected["open_balance_usd"]
    assert _balances(db) == _balances(reference)
