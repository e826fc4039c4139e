"""Days outside the dates arflow works with (arflow/days: 1900-01-01 to 2199-12-31) are a
422 where they are read, instead of an OverflowError (500) deep in a report."""

from __future__ import annotations

import pytest

from tests.people import make_user, web_sign_in
from tests.web.conftest import TestClient

ATTACKS = ("0001-01-01", "9999-12-31")
PAGES = ("/dashboard", "/reports/ageing", "/reports/kpi", "/reports/forecast",
         "/reports/provision", "/reports/collectors")


@pytest.fixture
def manager(client: TestClient, db) -> TestClient:  # type: ignore[no-untyped-def]
    """A credit manager's browser on the same app as ``client`` (which holds a token)."""
    make_user(db, "carol", "credit_manager", "en")
    browser = TestClient(client.app)
    web_sign_in(browser, "carol")
    return browser


def test_out_of_range_days_on_the_dashboard_and_reports_are_422(manager: TestClient) -> None:
    for path in PAGES:
        for day in ATTACKS:
            page = manager.get(f"{path}?as_of={day}")
            assert page.status_code == 422, (path, day, page.text[:300])
            assert f"as_of: {day} is outside the dates arflow works with" in page.text
            assert "1900-01-01 to 2199-12-31" in page.text
            download = manager.get(f"{path}?as_of={day}&download=json")
            assert download.status_code == 422, (path, day)
        assert manager.get(f"{path}?as_of=2199-12-31").status_code == 200, path


def test_out_of_range_days_in_the_api_are_422_naming_the_field(client: TestClient) -> None:
    for url in ("/api/v1/customers/C001/statement.pdf?as_of=9999-12-31",
                "/api/v1/receivables?due_before=0001-01-01"):
        response = client.get(url)
        assert response.status_code == 422, (url, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_date" and error["field"] in ("as_of", "due_before")
        assert "is outside the dates arflow works with (1900-01-01 to 2199-12-31)" in (
            error["message"])
    body = client.post("/api/v1/customers/C001/promises",
                       json={"date": "9999-12-31", "amount": "10"})
    assert body.status_code == 422, body.text
    assert body.json()["error"] == {
        "code": "invalid_date", "field": "date",
        "message": "date: 9999-12-31 is outside the dates arflow works with "
                   "(1900-01-01 to 2199-12-31)"}
