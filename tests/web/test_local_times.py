"""Instants are stored in UTC and shown in the business timezone (Asia/Shanghai here) on
both databases: SQLite hands them back naive, PostgreSQL aware, and the pages show the
same local time through the one ``local`` filter."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from arflow.web.i18n import Translator
from ledger.models import Activity
from tests.web.portfolio import DAY, TestClient, app_on_day, build, people, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_naive_instant_is_utc_and_an_aware_one_is_converted() -> None:
    en, zh = Translator("en", SHANGHAI), Translator("zh-CN", SHANGHAI)
    naive, aware = datetime(2026, 11, 23, 2, 30), datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    assert en.moment(naive) == en.moment(aware) == "23/11/2026, 10:30"
    assert zh.moment(naive) == "2026/11/23 10:30"
    assert en.moment(naive, "time") == "10:30" and en.moment(naive, "date") == "23 Nov 2026"
    late = datetime(2026, 11, 22, 17, 15)  # 01:15 the next day in Shanghai
    assert en.moment(late, "date") == "23 Nov 2026" and en.moment(None) == ""


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    build(db, tmp_path)
    people(db, ("li.na", "collector"))
    with Session(db) as s:  # a call at 10:30 and a note at 01:15, Shanghai time, on DAY
        s.add_all([
            Activity(at=datetime(2026, 11, 22, 17, 15, tzinfo=UTC), on_date=DAY,
                     actor="web:li.na", action="note_added", entity="customer", entity_id=1,
                     subject="C001", details={"note": "night note"}),
            Activity(at=datetime(2026, 11, 23, 2, 30, tzinfo=UTC), on_date=DAY,
                     actor="web:li.na", action="call_logged", entity="customer", entity_id=1,
                     subject="C001", details={"outcome": "reached", "note": "morning call"}),
        ])
        s.commit()
    return app_on_day(db_url, db, tmp_path)


def _entry(page: str, text: str) -> str:
    found = re.search(r'<li class="tl-[a-z_]+">((?:(?!</li>).)*' + re.escape(text)
                      + r'.*?)</li>', page, re.S)
    assert found is not None, text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_pages_show_the_business_timezone(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser:
        sign_in(browser, "li.na")
        worklist = browser.get("/worklist").text
        row = worklist[worklist.index('<li class="task"'):]
        last = re.search(r'<span class="c-last">(.*?)</span>\s*<span class="c-kind">', row,
                         re.S)
        assert last is not None
        assert "23/11/2026, 10:30" in last.group(1) and "Call: Reached" in last.group(1)
        customer = browser.get("/customers/C001").text
        assert "23 Nov 2026 10:30" in _entry(customer, "morning call")
        assert "23 Nov 2026 01:15" in _entry(customer, "night note")  # not 22 Nov 17:15
