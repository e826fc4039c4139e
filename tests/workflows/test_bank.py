"""Cash application (workflows/bank.py) on both databases, with the hand-written
statements of tests/fixtures/bank against the ledger of tests/workflows/bank_book.py:
each line's proposals, what was applied at once and how it settled, re-imports and
overlapping statements, a split, credit, unapply, the refusals, and aliases learned."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.db import session_scope
from ledger.importers.base import ImportFailed
from ledger.models import Activity, Outbox, PayerAlias, Payment, RiskWarning
from ledger.reads.bank import listing
from tests.workflows.bank_book import (
    CAMT,
    CSV,
    DAY,
    MAPPING,
    MT940,
    audit_actions,
    build,
    counts,
    receivables,
)
from workflows.bank import BankRules, Split, apply_line, import_statement, unapply_line
from workflows.errors import Invalid, NotFound, Refused

D = Decimal
RULES = BankRules()  # auto-apply at 0.90, charges up to 50.00
CAREFUL = BankRules(auto_apply_confidence=D("0.95"))  # names alone are not enough


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path)
    return db


def _import(engine: Engine, path: Path, rules: BankRules = RULES, **kwargs: Any
            ) -> dict[str, Any]:
    with session_scope(engine) as s:
        return import_statement(s, path, None, today=DAY, actor="cli:test", rules=rules,
                                **kwargs).as_dict()


def _lines(engine: Engine) -> list[tuple[Any, ...]]:
    """(id, amount, status, customer, [(option, invoice, amount, charges, confidence,
    state)]) of every line."""
    with Session(engine) as s:
        rows, _ = listing(s)
    return [(r.id, r.amount, r.status, r.customer,
             [(m.option, m.invoice, m.amount, m.charges, m.confidence, m.state)
              for m in r.matches]) for r in rows]


def _payments(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as s:
        return [(p.reference, p.kind, p.date, p.amount, p.unapplied, p.currency, p.bank_line_id)
                for p in s.execute(select(Payment).order_by(Payment.id)).scalars()]


def _apply(engine: Engine, line_id: int, **kwargs: Any) -> dict[str, Any]:
    with session_scope(engine) as s:
        return apply_line(s, line_id, today=DAY, actor="cli:li.na", rules=RULES, **kwargs)


def _unapply(engine: Engine, line_id: int) -> dict[str, Any]:
    with session_scope(engine) as s:
        return unapply_line(s, line_id, today=DAY, actor="cli:li.na")


def test_camt053_matched_and_the_sure_lines_applied_at_once(book: Engine) -> None:
    summary = _import(book, CAMT)
    assert summary == {"file": str(CAMT), "format": "camt053", "lines": 4, "debits_skipped": 1,
                       "inserted": 4, "duplicates": 0, "applied": 3, "proposed": 0,
                       "unmatched": 1}
    assert _lines(book) == [
        (1, D("15000.00"), "applied", "C003", [  # one transfer, two invoices: one option
            (1, "INV-2026-0042", D("10000.00"), D("0.00"), D("0.99"), "applied"),
            (1, "INV-2026-0043", D("5000.00"), D("0.00"), D("0.99"), "applied")]),
        (2, D("7980.00"), "applied", "C001", [  # full-width number, 20.00 short: charges
            (1, "INV-2026-0051", D("7980.00"), D("20.00"), D("0.97"), "applied")]),
        (3, D("2500.00"), "applied", "C002", [
            (1, "INV-2026-0061", D("2500.00"), D("0.00"), D("0.99"), "applied")]),
        (4, D("3000.00"), "unmatched", None, []),  # a private loan repaid: nothing fits
    ]
    balances = receivables(book)
    for number in ("INV-2026-0042", "INV-2026-0043", "INV-2026-0051", "INV-2026-0061"):
        assert balances[number] == (D("0.00"), "paid")
    assert balances["INV-2026-0060"] == (D("1500.00"), "current")
    assert _payments(book) == [  # the line's date and currency; charges a payment of theirs
        ("BANK-1", "payment", DAY.replace(day=27), D("15000.00"), D("0.00"), "CNY", 1),
        ("BANK-2", "payment", DAY.replace(day=27), D("7980.00"), D("0.00"), "CNY", 2),
        ("BANK-2-FEE", "bank_charges", DAY.replace(day=27), D("20.00"), D("0.00"), "CNY", 2),
        ("BANK-3", "payment", DAY.replace(day=26), D("2500.00"), D("0.00"), "EUR", 3),
    ]
    with Session(book) as s:
        # INV-2026-0042 was overdue: its unsent reminder withdrawn, its warning closed
        assert s.execute(select(Outbox.status)).scalar_one() == "cancelled"
        assert s.execute(select(RiskWarning.closed_on)).scalar_one() == DAY
        applied = [a.details for a in s.execute(select(Activity).where(
            Activity.action == "bank_applied").order_by(Activity.id)).scalars()]
        aliases = {(a.kind, a.value): a.hits for a in s.execute(select(PayerAlias)).scalars()}
    assert [(d["customer"], d["option"], d["charges"], d["credit"], d["shares"])
            for d in applied] == [
        ("C003", 1, "0.00", "0.00", [
            {"invoice": "INV-2026-0042", "amount": "10000.00", "charges": "0.00"},
            {"invoice": "INV-2026-0043", "amount": "5000.00", "charges": "0.00"}]),
        ("C001", 1, "20.00", "0.00", [
            {"invoice": "INV-2026-0051", "amount": "7980.00", "charges": "20.00"}]),
        ("C002", 1, "0.00", "0.00", [
            {"invoice": "INV-2026-0061", "amount": "2500.00", "charges": "0.00"}]),
    ]
    assert aliases == {("account", "6222020200112233"): 1, ("name", "huaxingtrading"): 1,
                       ("account", "31001234567890"): 1, ("name", "上海华东机电"): 1,
                       ("account", "DE89370400440532013000"): 1, ("name", "acmetrading"): 1}
    assert audit_actions(book)[-1] == "bank_imported"


def test_mt940_and_the_bank_csv(book: Engine) -> None:
    assert _import(book, MT940, CAREFUL) == {
        "file": str(MT940), "format": "mt940", "lines": 3, "debits_skipped": 1, "inserted": 3,
        "duplicates": 0, "applied": 1, "proposed": 1, "unmatched": 1}
    assert _import(book, CSV, CAREFUL, mapping=MAPPING) == {
        "file": str(CSV), "format": "csv", "lines": 4, "debits_skipped": 1, "inserted": 4,
        "duplicates": 0, "applied": 2, "proposed": 0, "unmatched": 2}
    assert _lines(book) == [
        (1, D("20000.00"), "applied", "C001", [  # ?20 subfield
            (1, "INV-2026-0050", D("20000.00"), D("0.00"), D("0.99"), "applied")]),
        (2, D("3000.00"), "proposed", None, [  # /ORDP/ name = the customer's; amount fits
            (1, "INV-2026-0044", D("3000.00"), D("0.00"), D("0.90"), "proposed")]),
        (3, D("1234.50"), "unmatched", None, []),
        (4, D("8000.00"), "applied", "C001", [  # the account learned from line 1 (MT940)
            (1, "INV-2026-0051", D("8000.00"), D("0.00"), D("0.95"), "applied")]),
        (5, D("5000.00"), "applied", "C003", [
            (1, "INV-2026-0043", D("5000.00"), D("0.00"), D("0.99"), "applied")]),
        (6, D("1000.00"), "unmatched", None, []),
        (7, D("1000.00"), "unmatched", None, []),  # the same transfer twice: two lines
    ]
    assert receivables(book)["INV-2026-0044"] == (D("3000.00"), "current")
    # a person confirms the proposal
    shown = _apply(book, 2, option=1)
    assert (shown["status"], shown["customer"], shown["applied_on"]) == ("applied", "C003", DAY)
    assert receivables(book)["INV-2026-0044"] == (D("0.00"), "paid")
    assert _payments(book)[-1] == ("BANK-2", "payment", DAY.replace(day=28), D("3000.00"),
                                   D("0.00"), "CNY", 2)


def test_a_reimport_and_an_overlapping_statement_change_nothing(book: Engine,
                                                                tmp_path: Path) -> None:
    _import(book, CAMT)
    _import(book, CSV, mapping=MAPPING)
    before, lines = counts(book), _lines(book)
    again = _import(book, CAMT)
    assert (again["inserted"], again["duplicates"], again["applied"]) == (0, 4, 0)
    assert _import(book, CSV, mapping=MAPPING)["duplicates"] == 4
    assert counts(book) == before and _lines(book) == lines
    # the next day's export repeats the last three rows and adds one
    rows = CSV.read_bytes().decode("gbk").splitlines()
    overlap = tmp_path / "icbc-2.csv"
    overlap.write_bytes("\r\n".join([rows[0], *rows[3:], "2026/11/30,,\"1,500.00\",\"115,300"
                                     ".00\",杭州星辰科技有限公司,6217000099990000,INV-2026-0081"]
                                    ).encode("gbk"))
    summary = _import(book, overlap, mapping=MAPPING)
    assert (summary["lines"], summary["inserted"], summary["duplicates"],
            summary["applied"]) == (4, 1, 3, 1)
    assert counts(book)["bank_line"] == before["bank_line"] + 1
    assert receivables(book)["INV-2026-0081"] == (D("0.00"), "paid")


def test_a_split_over_two_invoices_and_the_proposal_rejected(book: Engine) -> None:
    _import(book, CSV, CAREFUL, mapping=MAPPING)  # line 1: 8,000.00 proposed to 0051
    shown = _apply(book, 1, splits=[Split("INV-2026-0050", D("5000.00")),
                                    Split("INV-2026-0051", D("3000.00"))])
    assert [(m["option"], m["invoice"], m["amount"], m["state"]) for m in shown["matches"]] == [
        (0, "INV-2026-0050", D("5000.00"), "applied"),
        (0, "INV-2026-0051", D("3000.00"), "applied"),
        (1, "INV-2026-0051", D("8000.00"), "rejected")]
    balances = receivables(book)
    assert balances["INV-2026-0050"] == (D("15000.00"), "current")
    assert balances["INV-2026-0051"] == (D("5000.00"), "current")
    assert _payments(book)[-1] == ("BANK-1", "payment", DAY.replace(day=28), D("8000.00"),
                                   D("0.00"), "CNY", 1)


def test_one_invoice_without_an_amount_takes_its_balance_the_rest_is_credit(
        book: Engine) -> None:
    _import(book, CSV, CAREFUL, mapping=MAPPING)
    shown = _apply(book, 1, splits=[Split("INV-2026-0080")])  # 8,000.00 for 1,000.00 owed?
    # no: INV-2026-0080 is C004's; the line's payer is C001 but a person may say otherwise
    assert shown["customer"] == "C004"
    assert [(m["invoice"], m["amount"]) for m in shown["matches"] if m["state"] == "applied"
            ] == [("INV-2026-0080", D("1000.00")), (None, D("7000.00"))]
    assert receivables(book)["INV-2026-0080"] == (D("0.00"), "paid")
    assert _payments(book)[-1][3:5] == (D("8000.00"), D("7000.00"))  # 7,000.00 unapplied


def test_a_shortfall_within_the_tolerance_is_charges(book: Engine, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("date,amount,payer_name,text\n2026-11-29,4965.00,某人,转账\n",
                    encoding="utf-8")
    _import(book, path)
    shown = _apply(book, 1, splits=[Split("INV-2026-0043")])
    assert [(m["invoice"], m["amount"], m["charges"]) for m in shown["matches"]] == [
        ("INV-2026-0043", D("4965.00"), D("35.00"))]
    assert (shown["charges"], receivables(book)["INV-2026-0043"]) == (
        D("35.00"), (D("0.00"), "paid"))
    assert [p[:4] for p in _payments(book)] == [
        ("BANK-1", "payment", DAY.replace(day=29), D("4965.00")),
        ("BANK-1-FEE", "bank_charges", DAY.replace(day=29), D("35.00"))]


def test_credit_on_a_customer(book: Engine) -> None:
    _import(book, CSV, mapping=MAPPING)  # line 3: 1,000.00 from 杭州小散户, unmatched
    shown = _apply(book, 3, credit_customer="C004")
    assert (shown["status"], shown["customer"]) == ("applied", "C004")
    assert [(m["invoice"], m["customer"], m["amount"], m["state"]) for m in shown["matches"]
            ] == [(None, "C004", D("1000.00"), "applied")]
    assert _payments(book)[-1] == ("BANK-3", "payment", DAY.replace(day=29), D("1000.00"),
                                   D("1000.00"), "CNY", 3)
    assert receivables(book)["INV-2026-0080"] == (D("1000.00"), "current")


def test_unapply_restores_balances_and_stages(book: Engine) -> None:
    _import(book, CAMT)
    before = counts(book)
    shown = _unapply(book, 2)  # INV-2026-0051 with 20.00 charges
    assert (shown["status"], shown["customer"], shown["applied_on"], shown["charges"]) == (
        "proposed", None, None, D("0.00"))
    assert [(m["invoice"], m["state"]) for m in shown["matches"]] == [
        ("INV-2026-0051", "proposed")]
    assert receivables(book)["INV-2026-0051"] == (D("8000.00"), "current")  # reopened
    assert [p[0] for p in _payments(book)] == ["BANK-1", "BANK-3"]
    after = counts(book)
    assert (after["payment"], after["allocation"]) == (before["payment"] - 2,
                                                       before["allocation"] - 2)
    _unapply(book, 1)
    balances = receivables(book)
    assert balances["INV-2026-0042"] == (D("10000.00"), "current")  # the cycle re-ages it
    assert balances["INV-2026-0043"] == (D("5000.00"), "current")
    with Session(book) as s:
        details = s.execute(select(Activity.details).where(
            Activity.action == "bank_unapplied").order_by(Activity.id)).scalars().all()
    assert [d["charges"] for d in details] == ["20.00", "0.00"]
    # and it can be applied again, the proposal confirmed
    again = _apply(book, 2, option=1)
    assert again["status"] == "applied"
    assert receivables(book)["INV-2026-0051"] == (D("0.00"), "paid")


def test_refusals(book: Engine) -> None:
    _import(book, CAMT)  # 1-3 applied; 4: 3,000.00 CNY unmatched
    with pytest.raises(Refused) as refused:
        _apply(book, 1, option=1)
    assert refused.value.code == "already_applied"
    with pytest.raises(Refused) as refused:
        _unapply(book, 4)
    assert refused.value.code == "not_applied"
    cases: list[tuple[dict[str, Any], type[Exception], str | None, str]] = [
        ({"option": 1}, Invalid, "option", "bank line 4 has no option 1"),
        ({"splits": [Split("INV-2026-9999")]}, NotFound, None, "no receivable 'INV-2026-9999'"),
        ({"credit_customer": "C999"}, NotFound, None, "no customer 'C999'"),
        ({"splits": [Split("INV-2026-0044", D("3000.01"))]}, Invalid, "amount",
         "3,000.01 is over the balance of INV-2026-0044, 3,000.00 CNY"),
        ({"splits": [Split("INV-2026-0070", D("100.00"))]}, Invalid, "invoice",
         "INV-2026-0070 is in USD, the line in CNY"),
        ({"splits": [Split("INV-2026-0042", D("100.00"))]}, Invalid, "invoice",
         "INV-2026-0042 is not open (paid)"),
        ({"splits": [Split("INV-2026-0044", D("2000.00")), Split("INV-2026-0050",
                                                                 D("1500.00"))]},
         Invalid, "invoice", "the invoices belong to different customers: one line pays one "
                             "customer"),
        ({"splits": [Split("INV-2026-0050", D("2000.00")), Split("INV-2026-0051",
                                                                 D("1500.00"))]},
         Invalid, "invoice", "INV-2026-0051 is not open (paid)"),
        ({"splits": [Split("INV-2026-0050", D("3000.01"))]}, Invalid, "amount",
         "the shares add up to 3,000.01, more than the line's 3,000.00 CNY"),
        ({"splits": [Split("INV-2026-0050", D("0"))]}, Invalid, "amount",
         "the amount to INV-2026-0050 must be more than 0, got 0.00"),
        ({"option": 1, "credit_customer": "C001"}, Invalid, "option",
         "apply a line one way: an option, invoices (splits) or credit to a customer"),
    ]
    before = counts(book)
    for kwargs, error, field, message in cases:
        with pytest.raises(error) as caught:
            _apply(book, 4, **kwargs)
        assert (getattr(caught.value, "field", None), str(caught.value)) == (field, message)
    with pytest.raises(NotFound, match="no bank line 99"):
        _apply(book, 99, option=1)
    assert counts(book) == before  # nothing half-written


def test_a_bad_file_writes_nothing(book: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,amount,payer_name\n2026-11-29,100.00,a\n2026-11-31,5.00,b\n",
                    encoding="utf-8")
    before = counts(book)
    with pytest.raises(ImportFailed) as caught:
        _import(book, path)
    assert [e.row for e in caught.value.errors] == [3]
    assert counts(book) == before


def test_an_alias_learned_makes_the_next_line_from_that_account_match(
        book: Engine, tmp_path: Path) -> None:
    _import(book, CSV, mapping=MAPPING)  # 3 and 4: 杭州小散户 6217000011112222, unmatched
    _apply(book, 3, splits=[Split("INV-2026-0080")])
    with Session(book) as s:
        alias = s.execute(select(PayerAlias).where(PayerAlias.kind == "account")).scalars()
        learned = {a.value: a.hits for a in alias}
    assert learned["6217000011112222"] == 1
    nxt = tmp_path / "next.csv"
    nxt.write_bytes(("交易日期,借方金额,贷方金额,对方户名,对方账号,摘要\n"
                     "2026/12/01,,\"1,500.00\",小散户,6217000011112222,款\n").encode("gbk"))
    assert _import(book, nxt, mapping=MAPPING)["applied"] == 1
    line = _lines(book)[-1]
    assert line[2:] == ("applied", "C004", [
        (1, "INV-2026-0081", D("1500.00"), D("0.00"), D("0.95"), "applied")])
    balances = receivables(book)
    assert (balances["INV-2026-0080"], balances["INV-2026-0081"]) == (
        (D("0.00"), "paid"), (D("0.00"), "paid"))
    with Session(book) as s:
        hits = s.execute(select(PayerAlias.hits).where(
            PayerAlias.value == "6217000011112222")).scalar_one()
    assert hits == 2  # confirmed again by the line applied at once
