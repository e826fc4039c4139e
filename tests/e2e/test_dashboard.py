"""The dashboard in a real browser: a credit manager reads the figures and the charts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.e2e.conftest import screenshot, sign_in
from tests.people import make_user
from tests.web.test_dashboard import AS_OF, seed_book


def test_credit_manager_reads_the_dashboard(page, db: Engine, live, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed_book(db, tmp_path)
    make_user(db, "carol", "credit_manager", "en")
    sign_in(page, "carol")
    assert page.url.endswith("/dashboard")  # leadership starts here
    page.goto(f"/dashboard?as_of={AS_OF}")
    assert page.locator("[data-figure=open]").inner_text().startswith("CN¥1,800.00")
    assert page.locator("[data-figure=overdue-ratio]").inner_text().startswith("72.2%")
    ageing = page.locator("svg.chart-bar").first
    assert ageing.is_visible()
    assert ageing.bounding_box()["width"] > 300  # type: ignore[index]
    assert page.get_by_role("img", name="Open balance by days past due (CNY)").is_visible()
    heights = {page.locator("svg.chart-bar rect.bar").nth(i).get_attribute("data-value"):
               page.locator("svg.chart-bar rect.bar").nth(i).bounding_box()["height"]  # type: ignore[index]
               for i in range(7)}
    assert heights["1000.00"] > heights["500.00"] > heights["300.00"] > 0  # drawn to scale
    assert page.locator("svg.chart-line").is_visible()  # DSO, 12 months
    link = page.locator("#top-overdue a").first
    assert link.get_attribute("href") == "/customers/C001"
    screenshot(page, "dashboard")

    page.click("text=Cash forecast")
    page.wait_for_url("**/reports/forecast**")
    assert page.locator("svg.chart-line polygon.band").first.is_visible()  # the 10–90% band
    screenshot(page, "report-forecast")
