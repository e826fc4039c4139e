"""Money in for the demo: a quarter of USD rates and yesterday's bank statement.

The statement is what a Chinese online bank exports (GBK CSV, 交易日期/借方金额/贷方金额/
对方户名/对方账号/摘要, dates as 2026/11/29, amounts with thousands separators) with the
mapping that reads it, so `arflow demo` shows cash application the real way: transfers
naming their invoices (some in full width or lower case, some short by bank charges, one
paying two invoices) are applied at import; a misspelt payer, a part payment and a
stranger's money wait for a person on /bank. Deterministic: the same open invoices and
seed give the same bytes.
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arflow.demo.portfolio import CNY_PER_USD

if TYPE_CHECKING:
    from ledger.db import Engine
    from workflows.bank import BankRules

RATE_DAYS = 92
SINGLES = 16  # the statement's lines that pay one customer's invoice
HEADER = ("交易日期", "借方金额", "贷方金额", "对方户名", "对方账号", "摘要")
MAPPING = """\
# the online bank's export (GBK) onto arflow's bank line fields
columns:
  交易日期: date
  贷方金额: amount
  借方金额: debit
  对方户名: payer_name
  对方账号: payer_account
  摘要: text
date_format: '%Y/%m/%d'
"""


@dataclass(frozen=True)
class OpenItem:
    """An open invoice as the statement needs it."""

    number: str
    customer_name: str
    customer_id: int
    balance: Decimal
    currency: str


def rates_csv(as_of: date) -> str:
    """Daily USD rates for the quarter before ``as_of``, drifting a little around the
    demo's 7.10."""
    lines = ["date,currency,rate"]
    for back in range(RATE_DAYS, -1, -1):
        day = as_of - timedelta(days=back)
        rate = Decimal(str(CNY_PER_USD)) + Decimal(round(0.03 * math.sin(back / 9), 4))
        lines.append(f"{day.isoformat()},USD,{rate:.4f}")
    return "\n".join(lines) + "\n"


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _account(customer_id: int) -> str:
    return f"6222 0200 {customer_id:08d}"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def statement_rows(items: Sequence[OpenItem], as_of: date, seed: int) -> list[list[str]]:
    """Yesterday's credits (and a few debits, which the import skips)."""
    rng = random.Random(seed)
    cny = [i for i in items if i.currency == "CNY" and i.balance >= 100]
    by_customer: dict[int, list[OpenItem]] = {}
    for item in cny:
        by_customer.setdefault(item.customer_id, []).append(item)
    customers = list(by_customer)
    rng.shuffle(customers)
    singles = [by_customer[c][0] for c in customers[:SINGLES]]  # each customer once:
    pairs = [by_customer[c][:2] for c in customers[SINGLES:]  # two lines never race
             if len(by_customer[c]) >= 2]
    day = (as_of - timedelta(days=1)).strftime("%Y/%m/%d")
    rows: list[list[str]] = []

    def credit(item: OpenItem, amount: Decimal, text: str, payer: str | None = None) -> None:
        rows.append([day, "", _amount(amount), payer or item.customer_name,
                     _account(item.customer_id), text])

    try:
        _credits(rows, credit, iter(singles), pairs, day)
    except StopIteration:
        pass  # a tiny demo: fewer customers than kinds of line
    rows.append([day, "1,250.00", "", "上海电力公司", "3100 9999 0000 11", "电费"])
    rows.append([day, "35.00", "", "", "", "手续费"])
    return rows


def _credits(rows: list[list[str]], credit: Any, picks: Iterator[OpenItem],
             pairs: list[list[OpenItem]], day: str) -> None:
    for style in ("付{}货款", "{} 货款", "PAYMENT {}", "{}", "货款{}", "{}"):
        item = next(picks)
        credit(item, item.balance, style.format(item.number))
    item = next(picks)
    credit(item, item.balance, f"货款 {item.number.lower().replace('-', ' ')}")
    item = next(picks)
    credit(item, item.balance, _full_width(item.number) + " 货款")
    for _ in range(2):  # the bank kept its charges
        item = next(picks)
        credit(item, item.balance - Decimal("15.00"), f"{item.number} 货款")
    if pairs:
        first, second = pairs[0]
        tail = second.number.rsplit("-", 1)[-1]
        credit(first, first.balance + second.balance, f"{first.number}/{tail} 货款")
    for _ in range(2):  # the customer's own name, no invoice number: the amount says which
        item = next(picks)
        credit(item, item.balance, "往来款")
    item = next(picks)  # a part payment naming its invoice: a person confirms
    credit(item, (item.balance / 2).quantize(Decimal("0.01")), f"部分付款 {item.number}")
    for _ in range(2):  # a payer name misspelt and a new account: a person decides
        item = next(picks)
        name = item.customer_name
        misspelt = name[:2] + name[3:] if len(name) > 4 else name + "公司"
        rows.append([day, "", _amount(item.balance), misspelt, "6217 0000 9999 0001", "付款"])
    rows.append([day, "", _amount(Decimal("8888.00")), "杭州新客户商行", "6217 0000 1234 5678",
                 "预付款"])


def write_statement(folder: Path, items: Sequence[OpenItem], as_of: date, seed: int
                    ) -> tuple[Path, Path]:
    """bank-statement.csv (GBK, as the bank exports it) and its mapping, in ``folder``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(statement_rows(items, as_of, seed))
    statement = folder / "bank-statement.csv"
    statement.write_bytes(buffer.getvalue().encode("gb18030"))
    mapping = folder / "bank-mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return statement, mapping


def import_rates(engine: Engine, as_of: date, workdir: Path, book: str) -> int:
    """rates.csv written and imported (USD in the book currency); returns the rates."""
    from ledger.db import session_scope
    from workflows.rates import import_rates as record
    from workflows.rates import read_csv

    if book == "USD":
        return 0  # the demo's foreign currency is the book's own: nothing to convert
    path = workdir / "rates.csv"
    path.write_text(rates_csv(as_of), encoding="utf-8")
    with session_scope(engine) as session:
        stored = record(session, read_csv(path.read_text(encoding="utf-8"), path.name), book,
                        path.name, as_of, actor="demo")
    return stored.added + stored.updated + stored.unchanged


def import_statement(engine: Engine, as_of: date, workdir: Path, seed: int,
                     rules: BankRules, book: str) -> dict[str, Any]:
    """Yesterday's statement written from the open invoices and imported: what the bank
    import says (lines, applied at once, waiting for a person)."""
    from ledger.db import session_scope
    from ledger.reads.receivables import listing
    from workflows.bank import import_statement as bank_import

    with session_scope(engine) as session:
        rows, _ = listing(session, as_of, stage="open")
        items = [OpenItem(r.number, r.customer_name, r.customer_id, r.balance, r.currency)
                 for r in rows if r.stage != "disputed"]
    statement, mapping = write_statement(workdir, items, as_of, seed)
    with session_scope(engine) as session:
        summary = bank_import(session, statement, "csv", today=as_of, actor="demo",
                              rules=rules, mapping=mapping, book_currency=book)
    return summary.as_dict()
