"""The dashboard and report pages, signed in through the real login form."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from tests.factories import load, seed_customers, write
from tests.people import PASSWORD, make_user
from tests.web.conftest import TestClient

AS_OF = "2026-11-23"
SVG = "{http://www.w3.org/2000/svg}"
# C001 (li.na): 1,000.00 overdue 53 days, 500.00 not yet due; C002 (wang.wei): 300.00 overdue
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-1,C001,2026-09-01,2026-10-01,1000.00,CNY\n"
    "INV-2,C001,2026-11-01,2026-12-31,500.00,CNY\n"
    "INV-3,C002,2026-10-14,2026-11-13,300.00,CNY\n"
)


def seed_book(engine: Engine, tmp_path: Path) -> None:
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "receivables.csv", RECEIVABLES))


@pytest.fixture
def app(settings: Settings, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    seed_book(db, tmp_path)
    make_user(db, "carol", "credit_manager", "en")
    make_user(db, "li.na", "collector", "zh-CN")
    return create_app(settings, db)


@pytest.fixture
def signed_in(app) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """``signed_in(name)``: a TestClient with that user's session cookie."""
    clients: list[TestClient] = []

    def open_as(name: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        form = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        done = client.post("/login", data={"name": name, "password": PASSWORD,
                                           "csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303
        return client

    yield open_as
    for client in clients:
        client.close()


def charts(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, re.S)]


def test_credit_manager_sees_the_portfolio(signed_in) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("carol").get(f"/dashboard?as_of={AS_OF}")
    assert page.status_code == 200
    html = page.text
    assert 'data-figure="open">CN¥1,800.00' in html
    assert 'data-figure="overdue">CN¥1,300.00' in html
    assert 'data-figure="overdue-ratio">72.2%' in html  # 1,300 / 1,800
    ageing, dso = charts(html)
    bars = {b.find(f"{SVG}title").text.split(":")[0]: b.get("data-value")  # type: ignore[union-attr]
            for b in ageing.iter(f"{SVG}rect") if b.get("class") == "bar"}
    assert bars["Not yet due"] == "500.00" and bars["1-30"] == "300.00"
    assert bars["31-60"] == "1000.00" and bars[">365"] == "0.00"
    months = [e.text for e in dso.findall(f".//{SVG}g[@class='axis axis-x']/{SVG}text")]
    twelve = ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    assert months[0] == "2025-12" and set(months) <= set(twelve)  # thinned to fit
    points = [p.find(f"{SVG}title").text.split(":")[0]  # type: ignore[union-attr]
              for p in dso.iter(f"{SVG}circle")]
    assert points == ["2026-09", "2026-10", "2026-11"]  # months without sales have no DSO
    top = html.split('id="top-overdue"')[1].split("</table>")[0]
    assert top.index("/customers/C001") < top.index("/customers/C002")  # most overdue first
    assert 'id="warnings-by-level"' in html


def test_a_collector_sees_only_their_own_customers(signed_in) -> None:  # type: ignore[no-untyped-def]
    html = signed_in("li.na").get(f"/dashboard?as_of={AS_OF}").text
    assert 'data-figure="open">¥1,500.00' in html  # C001 only, in Chinese formats
    assert 'data-figure="overdue">¥1,000.00' in html
    assert "/customers/C001" in html and "/customers/C002" not in html
    assert "未到期" in html
    assert len(charts(html)) == 1  # ageing; DSO is portfolio-wide and not shown
    assert 'id="warnings-by-level"' not in html


def test_report_pages_for_leadership_only(signed_in) -> None:  # type: ignore[no-untyped-def]
    lead, collector = signed_in("carol"), signed_in("li.na")
    for kind in ("ageing", "kpi", "forecast", "provision", "collectors"):
        page = lead.get(f"/reports/{kind}?as_of={AS_OF}")
        assert page.status_code == 200, (kind, page.text[:500])
        assert charts(page.text), f"the {kind} page has a chart"
        assert collector.get(f"/reports/{kind}").status_code == 403
    forecast = lead.get(f"/reports/forecast?as_of={AS_OF}").text
    assert '<polygon class="band"' in forecast  # the 10–90% range
    assert len(re.findall(r"<tr><td>\d", forecast.split('id="forecast"')[1].split("</tbody>")[0])
               ) == 13  # thirteen weeks


def test_ageing_report_grouped_by_customer(signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("carol")
    html = client.get(f"/reports/ageing?as_of={AS_OF}&by=customer").text
    table = html.split('id="ageing"')[1]
    assert table.index("/customers/C001") < table.index("/customers/C002")
    assert "CN¥1,800.00" in table
    wrong = client.get("/reports/ageing?by=planet")
    assert wrong.status_code == 400 and "bad_grouping" in wrong.text


def test_a_past_as_of_and_a_bad_date(signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("carol")
    before = client.get("/dashboard?as_of=2026-09-15").text  # only INV-1 issued, not yet due
    assert 'data-figure="open">CN¥1,000.00' in before
    assert 'data-figure="overdue">CN¥0.00' in before
    assert client.get("/dashboard?as_of=yesterday").status_code in (400, 422)


def test_signed_out_goes_to_sign_in(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        answer = client.get("/dashboard", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_report_downloads_as_json(signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("carol")
    page = client.get(f"/reports/ageing?as_of={AS_OF}").text
    assert "download=json" in page
    answer = client.get(f"/reports/ageing?as_of={AS_OF}&download=json")
    assert answer.headers["content-type"].startswith("application/json")
    assert 'filename="ageing-2026-11-23.json"' in answer.headers["content-disposition"]
    [total] = answer.json()["totals"]
    assert total["total"] == 1800 and total["amounts"]["31-60"] == 1000
    assert '"total": 1800.00' in answer.text  # money exact, as the CLI writes it
    assert client.get("/reports/kpi?download=pdf").status_code == 400
