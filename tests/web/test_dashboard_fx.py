"""The dashboard and the ageing page with two currencies on both databases: per-currency
figures unchanged, a total in the book currency at the day's rate saying so, and, without
a rate, the page still answers and names what it could not convert."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from engine.fx import Rate
from ledger import fx_store
from ledger.db import session_scope
from tests.factories import load, write
from tests.people import make_user
from tests.web.test_dashboard import AS_OF, seed_book
from tests.web.test_dashboard import signed_in as signed_in  # noqa: F401  (the fixture)

# C002 also owes 100.00 USD, 20 days overdue on AS_OF (2026-11-23)
USD = "number,customer_code,issue_date,due_date,amount,currency\n" \
      "INV-9,C002,2026-10-04,2026-11-03,100.00,USD\n"


@pytest.fixture
def app(settings: Settings, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    seed_book(db, tmp_path)
    load(db, "receivables", write(tmp_path / "usd.csv", USD))
    make_user(db, "carol", "credit_manager", "en")
    return create_app(settings, db)


def _stat(html: str, figure: str) -> str:
    found = re.search(rf'data-figure="{figure}">([^<]+)<', html)
    assert found, figure
    return found.group(1).strip()


def test_totals_converted_at_the_days_rate(signed_in, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(db) as s:
        fx_store.upsert(s, [Rate(date(2026, 11, 20), "USD", Decimal("7.1"))], "test")
    html = signed_in("carol").get(f"/dashboard?as_of={AS_OF}").text
    # 1,800.00 CNY open (1,300.00 overdue) + 100.00 USD x 7.10 = 710.00, all of it overdue
    assert _stat(html, "open-converted") == "CN¥2,510.00"
    assert _stat(html, "overdue-converted") == "CN¥2,010.00"
    assert "CNY (USD converted at 7.10 on 2026-11-20)" in re.sub(r"\s+", " ", html)
    assert _stat(html, "open") == "CN¥1,800.00"  # the per-currency figures as before
    page = signed_in("carol").get(f"/reports/ageing?as_of={AS_OF}&download=json").json()
    total = page["total_converted"]
    assert (total["amount"], total["currency"], total["converted_at"]) == (2510.0, "CNY",
                                                                          AS_OF)
    assert total["amounts"]["current"] == 500.0 and total["amounts"]["1-30"] == 1010.0
    assert "total-converted" in signed_in("carol").get(f"/reports/ageing?as_of={AS_OF}").text


def test_no_rate_still_answers_and_says_what_is_left_out(signed_in) -> None:  # type: ignore[no-untyped-def]
    response = signed_in("carol").get(f"/dashboard?as_of={AS_OF}")
    assert response.status_code == 200
    assert _stat(response.text, "open-converted") == "CN¥1,800.00"  # USD left out, not 1:1
    assert "US$100.00 not converted: no USD rate" in response.text
    page = signed_in("carol").get(f"/reports/ageing?as_of={AS_OF}&download=json").json()
    assert page["total_converted"]["unconverted"] == {"USD": 100.0}



def test_credit_file_page_says_what_was_converted(signed_in, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(db) as s:
        fx_store.upsert(s, [Rate(date(2026, 11, 20), "USD", Decimal("7.1"))], "test")
    client = signed_in("carol")
    html = re.sub(r"\s+", " ", client.get("/credit/C002").text)
    # 300.00 CNY + 100.00 USD x 7.10
    assert "CN¥1,010.00" in html
    assert "CNY (USD converted at 7.10 on 2026-11-20)" in html
