"""Bank lines waiting for a person, written straight into the tables (as the matcher would
leave them), over DAY's portfolio (tests/web/portfolio.py: C001 owes R-1 50,000, R-2
8,000 and R-3 3,000 CNY; C002 R-4 20,000 and R-5 500 USD; DAY's reminders queued).

The proposals are fixed here, not computed, so that the page and API tests do not depend
on the matcher's confidences (engine/bank_match is tested on its own).

- line ``PROPOSED`` 8,000 CNY "货款 R-2": option 1 R-2 8,000 (85%), option 2 R-1 8,000 (40%)
- line ``TWO`` 53,000 CNY "R-1 R-3": option 1 R-1 50,000 + R-3 3,000 (80%)
- line ``UNMATCHED`` 1,200 CNY from a payer nobody knows: no proposal
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import BankLine, BankMatch, Customer, Receivable
from tests.web.portfolio import DAY, build

PAID_ON = date(2026, 11, 20)


@dataclass(frozen=True)
class Lines:
    proposed: int
    two: int
    unmatched: int


def _ids(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    customers = {code: cid for code, cid in session.execute(select(Customer.code, Customer.id))}
    receivables = {number: rid for number, rid in
                   session.execute(select(Receivable.number, Receivable.id))}
    return customers, receivables


def _line(session: Session, n: int, amount: str, payer: str, account: str, text: str,
          status: str) -> BankLine:
    line = BankLine(fingerprint=f"test-{n}", account="1001", bank_ref=f"REF-{n}",
                    imported_on=DAY, date=PAID_ON, amount=Decimal(amount), currency="CNY",
                    payer_name=payer, payer_account=account, text=text, status=status,
                    source_file="statement.csv")
    session.add(line)
    session.flush()
    return line


def _match(session: Session, line: BankLine, option: int, customer: int, receivable: int,
           invoice: str, amount: str, confidence: str, key: str, **params: object) -> None:
    """A proposal whose reason is data (engine/bank_reasons: ``key`` and ``params``); the
    English ``reason`` stored beside it is marked, so a test sees which one is shown."""
    session.add(BankMatch(line_id=line.id, option=option, customer_id=customer,
                          receivable_id=receivable, amount=Decimal(amount),
                          charges=Decimal("0"), confidence=Decimal(confidence),
                          reason=f"(stored) {key} {invoice}",
                          details={"key": key, "params": {"invoices": [invoice], **params}},
                          state="proposed"))


def seed(engine: Engine, tmp_path: Path) -> Lines:
    """DAY's portfolio (reminders queued) and three lines waiting."""
    build(engine, tmp_path, mail=True)
    with Session(engine) as s:
        customers, receivables = _ids(s)
        c001 = customers["C001"]
        one = _line(s, 1, "8000.00", "上海华东机电有限公司", "6222 0000 1111", "货款 R-2",
                    "proposed")
        _match(s, one, 1, c001, receivables["R-2"], "R-2", "8000.00", "0.85",
               "numbers.exact", by_numbers=True)
        _match(s, one, 2, c001, receivables["R-1"], "R-1", "8000.00", "0.40",
               "name.partial", score=82, balance="50000.00")
        two = _line(s, 2, "53000.00", "HUADONG JIDIAN", "6222 0000 1111", "R-1 R-3",
                    "proposed")
        _match(s, two, 1, c001, receivables["R-1"], "R-1", "50000.00", "0.80",
               "numbers.exact", by_numbers=True)
        _match(s, two, 1, c001, receivables["R-3"], "R-3", "3000.00", "0.80",
               "numbers.exact", by_numbers=True)
        three = _line(s, 3, "1200.00", "SOMEONE ELSE LTD", "9999", "", "unmatched")
        s.commit()
        return Lines(proposed=int(one.id), two=int(two.id),  # type: ignore[arg-type]
                     unmatched=int(three.id))  # type: ignore[arg-type]


def receivable(engine: Engine, number: str) -> Receivable:
    with Session(engine) as s:
        return s.execute(select(Receivable).where(Receivable.number == number)).scalar_one()
