"""workflows/rates on both databases: a rates file checked row by row (FILE:ROW, nothing
written on any error), re-imported days updated, one audit row per batch; the rates of a
day read back as the latest on or before it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger import fx_store
from ledger.db import session_scope
from ledger.models import Activity, FxRate
from workflows.errors import Invalid
from workflows.rates import import_rates, read_csv

TODAY = date(2026, 11, 30)
GOOD = ("date,currency,rate\n2026-11-27,USD,7.10\n2026-11-30,us$,7.12\n"
        "2026-11-30,欧元,7.654321\n\n")


def run(engine: Engine, text: str, name: str = "rates.csv") -> fx_store.Stored:
    with session_scope(engine) as s:
        return import_rates(s, read_csv(text, name), "CNY", name, TODAY, "cli:tester")


def stored(engine: Engine) -> list[tuple[date, str, Decimal]]:
    with Session(engine) as s:
        return [(r.on_date, r.currency, r.rate) for r in fx_store.listing(s)]


def test_import_then_reimport_updates_the_day(db: Engine) -> None:
    first = run(db, GOOD)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    assert stored(db) == [(date(2026, 11, 30), "EUR", Decimal("7.654321")),
                          (date(2026, 11, 27), "USD", Decimal("7.1")),
                          (date(2026, 11, 30), "USD", Decimal("7.12"))]
    again = run(db, "currency,rate,date\nUSD,7.15,2026-11-30\nUSD,7.10,2026-11-27\n")
    assert (again.added, again.updated, again.unchanged) == (0, 1, 1)
    with Session(db) as s:
        assert s.scalar(select(func.count()).select_from(FxRate)) == 3
        on_day = fx_store.rates_on(s, "CNY", TODAY)
        assert on_day.rate("USD", TODAY).rate == Decimal("7.15")
        assert fx_store.rates_on(s, "CNY", date(2026, 11, 29)).rate(
            "USD", date(2026, 11, 29)).rate == Decimal("7.1")
        audits = s.scalars(select(Activity).where(Activity.action == "rates_imported")
                           .order_by(Activity.id)).all()
    assert [(a.subject, a.details["added"], a.details["updated"]) for a in audits] == [
        ("EUR,USD", 3, 0), ("USD", 0, 1)]
    assert audits[0].details["from"] == "2026-11-27" and audits[0].details["to"] == "2026-11-30"


@pytest.mark.parametrize(("text", "message", "field"), [
    ("date,currency,rate\n2026-11-30,USD,7.1\n2026-11-31,USD,7.2\n",
     "rates.csv:3: date: not a date (YYYY-MM-DD): '2026-11-31'", "date"),
    ("date,currency,rate\n2026-11-30,USD,7.1\n2026-11-30,DOLLARS,7.2\n",
     "rates.csv:3: currency: not a currency: 'DOLLARS' (use an ISO 4217 code like CNY or "
     "USD)", "currency"),
    ("date,currency,rate\n2026-11-30,RMB,1\n", "rates.csv:2: currency: CNY is the book "
     "currency (it converts at 1)", "currency"),
    ("date,currency,rate\n2026-11-30,USD,-7\n", "rates.csv:2: rate: must be a number above 0, "
     "got '-7'", "rate"),
    ("date,currency,rate\n2026-11-30,USD,7.1\n2026-11-30,usd,7.2\n",
     "rates.csv:3: USD on 2026-11-30 is also at rates.csv:2", "date"),
    ("day,code,rate\n2026-11-30,USD,7.1\n", "rates.csv:1: the header must name the columns "
     "date,currency,rate (missing: date, currency)", "file"),
    ("date,currency,rate\n", "no rates given (rows of date,currency,rate)", "rates"),
])
def test_a_bad_row_writes_nothing(db: Engine, text: str, message: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        run(db, text)
    assert (caught.value.message, caught.value.field) == (message, field)
    assert stored(db) == []
    with Session(db) as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == 0
