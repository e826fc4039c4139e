"""ledger/bank_store and ledger/bank_book on both databases: lines stored once, aliases
learned (hits, the newest customer wins), and the matcher's Book answered from a few bulk
queries whatever the number of lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, update
from sqlmodel import Session

from engine.bank_match import StatementLine
from ledger import bank_store as store
from ledger.bank_book import LedgerBook
from ledger.models import Customer, PayerAlias, Receivable
from tests.workflows.bank_book import DAY, build

D = Decimal


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path)
    return db


def _customers(s: Session) -> dict[str, int]:
    return {code: cid for code, cid in s.execute(select(Customer.code, Customer.id))}


def _line(n: int, text: str = "", name: str = "", account: str = "",
          amount: str = "100.00", currency: str = "CNY") -> StatementLine:
    return StatementLine(id=n, date=DAY, amount=D(amount), currency=currency, payer_name=name,
                         payer_account=account, text=text)


def test_lines_stored_once_by_fingerprint(book: Engine) -> None:
    row = {"account": "A", "bank_ref": "R1", "imported_on": DAY, "applied_on": None,
           "date": DAY, "amount": D("12.50"), "currency": "CNY", "payer_name": "甲",
           "payer_account": "1", "text": "t", "status": "unmatched", "customer_id": None,
           "charges": D("0"), "source_file": "f.csv", "applied_by": ""}
    with Session(book) as s:
        ids = store.insert_lines(s, [{**row, "fingerprint": "a" * 64},
                                     {**row, "fingerprint": "b" * 64}])
        s.commit()
        assert sorted(ids) == ["a" * 64, "b" * 64] and sorted(ids.values()) == [1, 2]
        assert store.existing_fingerprints(s, ["a" * 64, "c" * 64]) == {"a" * 64}
        line = store.get_line(s, ids["b" * 64])
        assert line is not None and (line.amount, line.payer_name) == (D("12.50"), "甲")


def test_aliases_gain_hits_and_follow_the_last_confirmed_customer(book: Engine) -> None:
    with Session(book) as s:
        c = _customers(s)
        store.learn_aliases(s, [("account", "6222", c["C003"]), ("name", "huaxingtrading",
                                                                 c["C003"])], date(2026, 11, 1))
        store.learn_aliases(s, [("account", "6222", c["C003"]), ("account", "6222", c["C003"])],
                            DAY)
        store.learn_aliases(s, [("name", "huaxingtrading", c["C004"])], DAY)
        s.commit()
        rows = {(a.kind, a.value): (a.customer_id, a.hits, a.last_seen)
                for a in s.execute(select(PayerAlias)).scalars()}
    assert rows == {("account", "6222"): (c["C003"], 3, DAY),
                    ("name", "huaxingtrading"): (c["C004"], 1, DAY)}


def test_book_answers_from_bulk_reads(book: Engine) -> None:
    with Session(book) as s:
        c = _customers(s)
        store.learn_aliases(s, [("account", "DE89370400440532013000", c["C002"])], DAY)
        s.execute(update(Receivable).where(Receivable.number == "INV-2026-0081")
                  .values(stage="disputed"))
        s.execute(update(Receivable).where(Receivable.number == "INV-2026-0060")
                  .values(stage="paid", balance=0))
        s.commit()
        lines = [_line(1, "INV-2026-0042/0043 货款"), _line(2, name="HUAXING TRADING CO LTD"),
                 _line(3, account="de89 3704 0044 0532 0130 00", currency="EUR"),
                 _line(4, name="杭州星辰科技"), _line(5, text="INV-2026-0060 INV-2026-0999")]
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(book, "before_cursor_execute", listen)
        try:
            ledger = LedgerBook(s, lines)
            prefetched = len(statements)
            assert sorted(i.number for i in ledger.invoices_by_key(
                ["INV20260042", "INV20260043", "INV20260060", "INV20260999"])) == [
                "INV-2026-0042", "INV-2026-0043"]  # 0060 is paid: not open
            assert ledger.customer_of_account("DE89370400440532013000") == c["C002"]
            assert ledger.customer_of_account("999") is None
            assert ledger.customer_of_name("HUAXING TRADING CO LTD") == (c["C003"], 100)
            fuzzy = ledger.customer_of_name("杭州星辰科技")
            assert fuzzy is not None and fuzzy[0] == c["C004"] and fuzzy[1] >= 80
            assert [i.number for i in ledger.open_invoices(c["C004"], "CNY")] == [
                "INV-2026-0080"]  # 0081 is disputed
            assert [(i.number, i.balance) for i in ledger.open_invoices(c["C002"], "EUR")] == [
                ("INV-2026-0061", D("2500.00"))]
            assert ledger.open_invoices(c["C003"], "USD") == []
            assert len(statements) == prefetched  # all of it answered from memory
            assert [i.number for i in ledger.open_invoices(c["C001"], "CNY")] == [
                "INV-2026-0050", "INV-2026-0051"]  # not prefetched: one query
            assert len(statements) == prefetched + 1
        finally:
            event.remove(book, "before_cursor_execute", listen)
    # keys, two kinds of alias, the names, the customers' open invoices: a fixed number
    # of queries, not one per line
    assert prefetched <= 6


def test_book_prefetch_does_not_grow_with_the_lines(book: Engine) -> None:
    many = [_line(n, f"INV-2026-{n:04d}", name=f"payer {n}", account=str(n))
            for n in range(1, 2001)]
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    counted: list[int] = []
    for lines in (many[:10], many):
        statements.clear()
        event.listen(book, "before_cursor_execute", listen)
        try:
            with Session(book) as s:
                LedgerBook(s, lines)
        finally:
            event.remove(book, "before_cursor_execute", listen)
        counted.append(len(statements))
    # 2,000 lines (some 8,000 number keys, 2,000 accounts and names): IN lists of 900
    # values, never a query per line
    assert counted[0] <= 6 and counted[1] <= 20
