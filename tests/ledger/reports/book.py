"""A tiny hand-made ledger for the report tests: every figure can be checked on paper."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from ledger.models import Allocation, Customer, Payment, Receivable, StageChange, WriteOff


class Book:
    """Adds customers, invoices, payments (with their allocations) and write-offs."""

    def __init__(self, engine: Engine) -> None:
        self.session = Session(engine)
        self.customers: dict[str, int] = {}
        self.receivables: dict[str, int] = {}
        self._payments = 0

    def customer(self, code: str, segment: str = "retail", collector: str = "li.na") -> int:
        row = Customer(code=code, name=code, segment=segment, collector=collector)
        self.session.add(row)
        self.session.flush()
        self.customers[code] = row.id  # type: ignore[assignment]
        return row.id  # type: ignore[return-value]

    def invoice(
        self, number: str, code: str, issued: date, due: date, amount: str, currency: str = "CNY"
    ) -> int:
        row = Receivable(
            number=number,
            customer_id=self.customers[code],
            issue_date=issued,
            due_date=due,
            amount=Decimal(amount),
            balance=Decimal(amount),
            currency=currency,
            stage="current",
            stage_since=issued,
        )
        self.session.add(row)
        self.session.flush()
        self.receivables[number] = row.id  # type: ignore[assignment]
        return row.id  # type: ignore[return-value]

    def pay(self, number: str, on: date, amount: str) -> None:
        receivable = self.session.get(Receivable, self.receivables[number])
        assert receivable is not None
        self._payments += 1
        payment = Payment(
            reference=f"P{self._payments}",
            customer_id=receivable.customer_id,
            date=on,
            amount=Decimal(amount),
            invoice_number=number,
        )
        self.session.add(payment)
        self.session.flush()
        self.session.add(
            Allocation(payment_id=payment.id, receivable_id=receivable.id, amount=Decimal(amount))
        )
        receivable.balance -= Decimal(amount)
        if receivable.balance == 0:
            receivable.stage = "paid"
        self.session.flush()

    def write_off(self, number: str, on: date, amount: str | None = None) -> None:
        """An approved write-off as workflows/writeoffs.py leaves it: the amount (default:
        the whole balance) off the balance; nothing left: a stage change to written_off."""
        receivable = self.session.get(Receivable, self.receivables[number])
        assert receivable is not None
        value = receivable.balance if amount is None else Decimal(amount)
        self.session.add(WriteOff(receivable_id=receivable.id, amount=value, reason="lost",
                                  status="approved", proposed_by="li.na", proposed_on=on,
                                  decided_by="boss", decided_on=on))
        receivable.balance -= value
        if receivable.balance == 0:
            self.session.add(
                StageChange(
                    receivable_id=receivable.id,
                    from_stage=receivable.stage,
                    to_stage="written_off",
                    on_date=on,
                    rule_id="writeoff",
                )
            )
            receivable.stage = "written_off"
        self.session.flush()

    def commit(self) -> Session:
        self.session.commit()
        return self.session


def worked_example(engine: Engine, more: Callable[[Book], None] | None = None) -> Session:
    """The ledger every worked example in these tests is computed from (see each test).

    CNY: R1 C001 issued 2026-01-05 due 02-04 1000.00, paid 300 on 02-01 and 700 on 03-25
         R2 C001 issued 02-10 due 03-12 2000.00, paid in full 03-10
         R3 C002 issued 03-01 due 03-25 500.00, paid in full 04-10
         R4 C002 issued 03-20 due 04-19 800.00, open
         R6 C001 issued 2025-12-01 due 12-31 400.00, paid 100 on 01-20, written off 03-15
    USD: R5 C002 issued 2026-01-01 due 01-31 300.00, open
    """
    book = Book(engine)
    book.customer("C001", segment="manufacturing", collector="li.na")
    book.customer("C002", segment="export", collector="wang.wei")
    book.invoice("R1", "C001", date(2026, 1, 5), date(2026, 2, 4), "1000.00")
    book.invoice("R2", "C001", date(2026, 2, 10), date(2026, 3, 12), "2000.00")
    book.invoice("R3", "C002", date(2026, 3, 1), date(2026, 3, 25), "500.00")
    book.invoice("R4", "C002", date(2026, 3, 20), date(2026, 4, 19), "800.00")
    book.invoice("R5", "C002", date(2026, 1, 1), date(2026, 1, 31), "300.00", "USD")
    book.invoice("R6", "C001", date(2025, 12, 1), date(2025, 12, 31), "400.00")
    book.pay("R1", date(2026, 2, 1), "300.00")
    book.pay("R1", date(2026, 3, 25), "700.00")
    book.pay("R2", date(2026, 3, 10), "2000.00")
    book.pay("R3", date(2026, 4, 10), "500.00")
    book.pay("R6", date(2026, 1, 20), "100.00")
    book.write_off("R6", date(2026, 3, 15))
    if more is not None:  # a test's own additions
        more(book)
    return book.commit()
