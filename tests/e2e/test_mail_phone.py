"""The reminder mails as a phone shows them: the shipped zh-CN and English notices rendered
by notifiers.templates (as the cycle renders them) in Chromium at 375x812 must not scroll
sideways, and every item table's headers must name what their columns hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from notifiers.templates import Templates, sample_context
from tests.e2e.conftest import screenshot

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = Templates(ROOT / "config" / "templates")
PHONE = {"width": 375, "height": 812}

HEADERS = {  # (items table, other-items table)
    "zh-CN": (["发票", "状态", "未付金额"], ["发票", "状态", "未付金额"]),
    "en": (["Invoice", "Status", "Balance"], ["Invoice", "Status", "Balance"]),
}


@pytest.fixture
def phone(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2,  # type: ignore[attr-defined]
                                  is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def notice(language: str, step: str) -> dict[str, Any]:
    """A notice with long lines of its kind: several currencies, an item due tomorrow,
    large amounts and another open item, so the narrowest layout is exercised."""
    context = sample_context()
    context["step"] = step
    context["items"] = [*context["items"], {
        "invoice": "INV-2026-1123-A", "issue_date": date(2026, 10, 24),
        "due_date": date(2026, 11, 24), "days_overdue": -1,
        "balance": Decimal("1234567.89"), "currency": "CNY", "step": "pre_due"}]
    context["totals"] = [{"currency": "CNY", "amount": Decimal("1332913.56"), "count": 3},
                         {"currency": "USD", "amount": Decimal("4820.50"), "count": 1}]
    if language == "en":
        context["customer"] = {"code": "C0099", "name": "Acme Trading Ltd", "language": "en"}
    return context


def tables(tab: object) -> list[dict[str, list[Any]]]:
    """Each data table of the page: its header texts and its rows' cell texts."""
    return tab.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.tHead)
        .map(t => ({
            headers: [...t.tHead.querySelectorAll('th')].map(th => th.innerText.trim()),
            rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim())),
        }))""")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("language", "step", "shot"), [
    ("zh-CN", "overdue_final", "notice-zh-375"),
    ("zh-CN", "overdue_first", "notice-zh-first-375"),
    ("en", "overdue_final", "notice-en-375"),
    ("en", "pre_due", "notice-en-pre-due-375"),
])
def test_a_notice_fits_a_phone_without_sideways_scroll(phone: object, language: str,
                                                       step: str, shot: str) -> None:
    html = SHIPPED.render(step, language, notice(language, step)).html
    assert "http://" not in html and "https://" not in html  # nothing loaded from outside
    assert "<style" not in html and "<link" not in html  # inline styles only
    phone.set_content(html)  # type: ignore[attr-defined]
    width = phone.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= PHONE["width"], f"{width} px wide on a {PHONE['width']} px phone"
    overflowing = phone.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40))""")  # type: ignore[attr-defined]
    assert overflowing == []
    assert screenshot(phone, shot).stat().st_size > 0

    items, other = tables(phone)
    assert (items["headers"], other["headers"]) == HEADERS[language]
    status = items["headers"].index(HEADERS[language][0][1])
    cells = [row[status] for row in items["rows"]]
    due_soon = "1 天后到期" if language == "zh-CN" else "due in 1 day"
    overdue = "逾期 39 天" if language == "zh-CN" else "39 days overdue"
    assert due_soon in cells and overdue in cells  # one column holds both: it says Status
    assert "INV-2026-1123-A" in items["rows"][-1][0]
    amounts = phone.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.tHead).flatMap(t => [...t.rows].map(r => r.cells[r.cells.length - 1]))
        .map(c => getComputedStyle(c).textAlign)""")  # type: ignore[attr-defined]
    assert set(amounts) == {"right"}  # every amount (and its header) right-aligned


def test_the_text_tables_head_the_status_column_status() -> None:
    for language, header in (("zh-CN", "状态"), ("en", "Status")):
        text = SHIPPED.render("overdue_final", language, notice(language, "overdue_final")).text
        heads = [line for line in text.splitlines() if line.startswith(("发票号", "Invoice"))]
        assert len(heads) == 2 and all(header in line.split() for line in heads)
        assert "逾期天数" not in text and "Days overdue" not in text
