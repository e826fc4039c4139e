"""Cash application under the review's findings (issue 14), on both databases: statements
of several accounts in one MT940 file, two payers of one invoice at once, concurrent
imports and applies ending as one typed refusal, a payment reference already taken,
unapply forgetting the aliases the mistaken apply taught, and dashes in a bank export.

The races are run with two threads on two connections: the first holds its transaction
open (waiting on an event) while the second reaches the point where it must wait; only
then does the first commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger import bank_store
from ledger.db import session_scope
from ledger.models import Activity, Allocation, BankLine, PayerAlias, Payment
from ledger.reads.bank import listing
from tests.factories import load, write
from tests.workflows.bank_book import CAMT, DAY, build, counts, receivables
from workflows.bank import BankRules, Split, apply_line, import_statement, unapply_line
from workflows.errors import Refusal, Refused

D = Decimal
RULES = BankRules()
TWO_UNKNOWN = ("date,amount,payer_name,text\n"
               "2026-11-28,10000.00,Nobody A,x1\n2026-11-28,10000.00,Nobody B,x2\n")


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path)
    return db


def _import(engine: Engine, path: Path, **kwargs: Any) -> dict[str, Any]:
    with session_scope(engine) as s:
        return import_statement(s, path, None, today=DAY, actor="cli:test", rules=RULES,
                                **kwargs).as_dict()


def _apply(engine: Engine, line_id: int, **kwargs: Any) -> dict[str, Any]:
    with session_scope(engine) as s:
        return apply_line(s, line_id, today=DAY, actor="cli:li.na", rules=RULES, **kwargs)


def _paid_to(engine: Engine, number: str) -> Decimal:
    """What the allocations give to one invoice."""
    from ledger.models import Receivable

    with Session(engine) as s:
        return s.execute(select(func.coalesce(func.sum(Allocation.amount), 0))
                         .join(Receivable, Receivable.id == Allocation.receivable_id)
                         .where(Receivable.number == number)).scalar_one()


def _held(engine: Engine, act: Callable[[Any], Any], started: threading.Event,
          gate: threading.Event) -> Callable[[], Any]:
    def run() -> Any:
        with session_scope(engine) as s:
            result = act(s)
            started.set()
            assert gate.wait(10)
            return result
    return run


def _two_threads(first: Callable[[threading.Event, threading.Event], Callable[[], Any]],
                 second: Callable[[], Any], monkeypatch: pytest.MonkeyPatch,
                 waits_in: tuple[Any, str]) -> dict[str, Any]:
    """``first`` holds its transaction open until ``second`` has reached ``waits_in``."""
    gate, started, arrived = threading.Event(), threading.Event(), threading.Event()
    module, name = waits_in
    original = getattr(module, name)

    def marked(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "second":
            arrived.set()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, marked)
    out: dict[str, Any] = {}

    def run(tag: str, act: Callable[[], Any]) -> None:
        try:
            out[tag] = act()
        except Exception as exc:  # noqa: BLE001 - the test looks at what it was
            out[tag] = exc

    one = threading.Thread(target=run, args=("first", first(started, gate)), name="first")
    one.start()
    assert started.wait(10)
    two = threading.Thread(target=run, args=("second", second), name="second")
    two.start()
    reached = arrived.wait(10)
    if reached:
        time.sleep(0.4)  # the second now waits for the first's lock
    gate.set()
    one.join(20)
    two.join(20)
    assert reached, out
    assert not one.is_alive() and not two.is_alive()
    return out


def test_each_mt940_statement_keeps_its_own_account(book: Engine, tmp_path: Path) -> None:
    load(book, "receivables", write(tmp_path / "more.csv", (
        "number,customer_code,issue_date,due_date,amount,currency\n"
        "INV-2026-0045,C003,2026-10-20,2026-12-31,5000.00,CNY\n")))
    first = (":20:STMT1\n:25:BANKCNBS/111\n:28C:1/1\n:60F:C261127CNY100,00\n"
             ":61:2611281128C5000,00NTRFNONREF//REF1\n"
             ":86:/ORDP/HUAXING TRADING CO LTD/ACCT/6222020200112233/REMI/INV-2026-0043\n"
             ":62F:C261128CNY5100,00\n-\n")
    second = (":20:STMT2\n:25:BANKCNBS/222\n:28C:1/1\n:60F:C261127USD100,00\n"
              ":61:2611281128C30,00NTRFNONREF//REF1\n:86:another account's REF1\n"
              ":62F:C261128USD130,00\n-\n")
    both = write(tmp_path / "both.sta", first + second)
    assert _import(book, both)["inserted"] == 2
    with Session(book) as s:
        stored = s.execute(select(BankLine.account, BankLine.bank_ref, BankLine.amount,
                                  BankLine.currency).order_by(BankLine.id)).all()
    assert stored == [("111", "REF1", D("5000.00"), "CNY"), ("222", "REF1", D("30.00"), "USD")]
    before = counts(book)
    again = _import(book, write(tmp_path / "one.sta", first))  # statement 1 alone
    assert (again["inserted"], again["duplicates"], again["applied"]) == (0, 1, 0)
    assert counts(book) == before
    balances = receivables(book)
    assert balances["INV-2026-0043"] == (D("0.00"), "paid")
    assert balances["INV-2026-0045"] == (D("5000.00"), "current")  # not paid a second time


def test_two_payers_of_one_invoice_at_once_pay_it_once(
        book: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _import(book, write(tmp_path / "s.csv", TWO_UNKNOWN))  # lines 1 and 2, unmatched

    def first(started: threading.Event, gate: threading.Event) -> Callable[[], Any]:
        return _held(book, lambda s: apply_line(s, 1, today=DAY, actor="cli:a", rules=RULES,
                                                splits=[Split("INV-2026-0042")]),
                     started, gate)

    out = _two_threads(first, lambda: _apply(book, 2, splits=[Split("INV-2026-0042")]),
                       monkeypatch, (bank_store, "get_line"))
    assert out["first"]["status"] == "applied"
    refusal = out["second"]
    assert isinstance(refusal, Refusal), refusal
    assert refusal.field == "invoice"
    if book.dialect.name == "postgresql":  # it read the balance before the first committed
        assert (refusal.code, str(refusal)) == (
            "balance_changed", "INV-2026-0042 changed while this was being applied (now "
            "0.00 CNY, paid): nothing was applied, look at it again")
    else:  # SQLite: the line's lock is the database's, so it waited before reading
        assert str(refusal) == "INV-2026-0042 is not open (paid)"
    assert receivables(book)["INV-2026-0042"] == (D("0.00"), "paid")
    assert _paid_to(book, "INV-2026-0042") == D("10000.00")
    with Session(book) as s:
        assert s.execute(select(Payment.reference)).scalars().all() == ["BANK-1"]


def test_one_line_applied_twice_at_once_is_applied_once(
        book: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _import(book, write(tmp_path / "s.csv", TWO_UNKNOWN))

    def first(started: threading.Event, gate: threading.Event) -> Callable[[], Any]:
        return _held(book, lambda s: apply_line(s, 1, today=DAY, actor="cli:a", rules=RULES,
                                                splits=[Split("INV-2026-0043")]),
                     started, gate)

    out = _two_threads(first, lambda: _apply(book, 1, splits=[Split("INV-2026-0044")]),
                       monkeypatch, (bank_store, "get_line"))
    assert out["first"]["status"] == "applied"
    assert isinstance(out["second"], Refused) and out["second"].code == "already_applied"
    balances = receivables(book)
    assert (balances["INV-2026-0043"], balances["INV-2026-0044"]) == (
        (D("0.00"), "paid"), (D("3000.00"), "current"))
    with Session(book) as s:
        assert s.execute(select(Payment.reference, Payment.unapplied)).all() == [
            ("BANK-1", D("5000.00"))]


def test_an_import_applying_at_once_waits_for_a_person_paying_the_same_invoice(
        book: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _import(book, write(tmp_path / "s.csv", "date,amount,payer_name,text\n"
                                            "2026-11-28,5000.00,Nobody,x\n"))  # line 1

    def person(started: threading.Event, gate: threading.Event) -> Callable[[], Any]:
        return _held(book, lambda s: apply_line(s, 1, today=DAY, actor="cli:a", rules=RULES,
                                                splits=[Split("INV-2026-0043")]),
                     started, gate)

    # the camt.053's line 1 pays INV-2026-0042 and 0043 (15,000.00), sure enough to apply
    out = _two_threads(person, lambda: _import(book, CAMT), monkeypatch,
                       (bank_store, "lock_invoices" if book.dialect.name == "postgresql"
                        else "insert_lines"))
    assert out["first"]["status"] == "applied"
    assert out["second"]["applied"] == 2  # lines 3 and 4 of the file; its first waits
    assert _paid_to(book, "INV-2026-0043") == D("5000.00")
    balances = receivables(book)
    assert balances["INV-2026-0042"] == (D("10000.00"), "overdue")
    with Session(book) as s:
        rows, _ = listing(s)
    statuses = {r.id: r.status for r in rows}
    assert statuses[2] == "proposed"  # the camt.053's first line: for a person to look at


def test_the_same_file_imported_twice_at_once_is_one_refusal(
        book: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def first(started: threading.Event, gate: threading.Event) -> Callable[[], Any]:
        return _held(book, lambda s: import_statement(s, CAMT, None, today=DAY,
                                                      actor="cli:a", rules=RULES).as_dict(),
                     started, gate)

    out = _two_threads(first, lambda: _import(book, CAMT), monkeypatch,
                       (bank_store, "insert_lines"))
    assert out["first"]["inserted"] == 4
    refusal = out["second"]
    assert isinstance(refusal, Refused), refusal
    assert (refusal.code, str(refusal)) == (
        "import_conflict", "camt053.xml: another import of the same lines finished first; "
        "nothing was written: import it again (the lines stored are skipped)")
    assert counts(book)["bank_line"] == 4
    assert _import(book, CAMT)["duplicates"] == 4


def test_a_payment_reference_already_taken(book: Engine, tmp_path: Path) -> None:
    load(book, "payments", write(tmp_path / "p.csv", (
        "reference,customer_code,date,amount,invoice_number\n"
        "BANK-1,C004,2026-11-20,100.00,INV-2026-0080\n")))
    before = counts(book)
    summary = _import(book, CAMT)  # its line 1 (sure: 0.99) would be BANK-1
    assert (summary["applied"], summary["proposed"]) == (2, 1)
    assert receivables(book)["INV-2026-0042"] == (D("10000.00"), "overdue")
    with pytest.raises(Refused) as refused:
        _apply(book, 1, option=1)
    assert (refused.value.code, str(refused.value)) == (
        "reference_taken", "a payment BANK-1 already exists (not from bank line 1, e.g. "
        "from a payments file): rename that payment's reference first")
    after = counts(book)
    assert after["payment"] == before["payment"] + 3  # BANK-2, its -FEE, BANK-3; not 1
    with Session(book) as s:
        assert s.execute(select(Payment.reference).order_by(Payment.id)).scalars().all() == [
            "BANK-1", "BANK-2", "BANK-2-FEE", "BANK-3"]
        assert s.execute(select(Payment.amount).where(
            Payment.reference == "BANK-1")).scalar_one() == D("100.00")


def test_unapply_takes_back_what_the_apply_taught(book: Engine, tmp_path: Path) -> None:
    _import(book, write(tmp_path / "a.csv", "date,amount,payer_name,payer_account,text\n"
                                            "2026-11-28,1000.00,Zhang San,999888,x\n"
                                            "2026-11-28,1000.00,Zhang San,999888,y\n"))
    _apply(book, 1, splits=[Split("INV-2026-0080")])  # a mistake: Zhang San is not C004
    _apply(book, 2, credit_customer="C004")

    def aliases() -> dict[tuple[str, str], int]:
        with Session(book) as s:
            return {(a.kind, a.value): a.hits for a in s.execute(select(PayerAlias)).scalars()}

    assert aliases() == {("account", "999888"): 2, ("name", "zhangsan"): 2}
    with session_scope(book) as s:
        unapply_line(s, 2, today=DAY, actor="cli:li.na")
    assert aliases() == {("account", "999888"): 1, ("name", "zhangsan"): 1}
    with session_scope(book) as s:
        unapply_line(s, 1, today=DAY, actor="cli:li.na")
    assert aliases() == {}
    with Session(book) as s:
        details = s.execute(select(Activity.details).where(
            Activity.action == "bank_unapplied").order_by(Activity.id)).scalars().all()
    assert [d["aliases"] for d in details] == [
        [{"kind": "account", "value": "999888", "hits": 1, "deleted": False},
         {"kind": "name", "value": "zhangsan", "hits": 1, "deleted": False}],
        [{"kind": "account", "value": "999888", "hits": 0, "deleted": True},
         {"kind": "name", "value": "zhangsan", "hits": 0, "deleted": True}]]
    # the next transfer from that account is no longer taken for C004's
    summary = _import(book, write(tmp_path / "b.csv", "date,amount,payer_name,payer_account,"
                                                      "text\n2026-11-29,1500.00,Zhang San,"
                                                      "999888,z\n"))
    assert (summary["applied"], summary["unmatched"]) == (0, 1)
    assert receivables(book)["INV-2026-0081"] == (D("1500.00"), "current")


def test_dashes_in_a_bank_export_are_empty_cells(book: Engine, tmp_path: Path) -> None:
    mapping = write(tmp_path / "m.yaml", "columns:\n  交易日期: date\n  借方金额: debit\n"
                                         "  贷方金额: amount\n  对方户名: payer_name\n"
                                         "  摘要: text\ndate_format: '%Y/%m/%d'\n")
    export = write(tmp_path / "x.csv", (
        "交易日期,借方金额,贷方金额,对方户名,摘要\n"
        "2026/11/28,-,\"1,000.00\",甲,INV-2026-0080\n"
        "2026/11/28,\"1,200.00\",--,电力公司,电费\n"
        "2026/11/28,—,300.00,乙,x\n"
        "2026/11/28,－,－,丙,nothing either side\n"), "gbk")
    summary = _import(book, export, mapping=mapping)
    assert (summary["lines"], summary["debits_skipped"], summary["applied"]) == (2, 2, 1)
    with Session(book) as s:
        assert s.execute(select(BankLine.amount, BankLine.payer_name).order_by(BankLine.id)
                         ).all() == [(D("1000.00"), "甲"), (D("300.00"), "乙")]
    assert receivables(book)["INV-2026-0080"] == (D("0.00"), "paid")
