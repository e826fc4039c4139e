"""GET /api/v1/customers/{code}/statement.pdf and the customer page's link to it: the same
statement `arflow statement` writes, seen by whoever may read the customer. Both databases."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from arflow.settings import load_settings
from arflow.web import create_app, deps
from tests.people import bearer
from tests.statement.conftest import AS_OF, ROOT, seed
from tests.statement.pdf_text import text
from tests.web.conftest import TestClient
from tests.web.portfolio import people, sign_in


def _app(db_url: str, db: Engine) -> FastAPI:
    settings = dataclasses.replace(load_settings(ROOT), database_url=db_url,
                                   policy_dir=ROOT / "rules")
    app = create_app(settings, db)

    async def fixed():  # type: ignore[no-untyped-def]
        return AS_OF

    app.dependency_overrides[deps.today] = fixed
    return app


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path) -> Iterator[FastAPI]:
    seed(db, tmp_path)
    people(db, ("li.na", "collector"))
    people(db, ("chen.jing", "credit_manager"), language="zh-CN")
    yield _app(db_url, db)


def test_the_api_returns_the_statement_as_pdf(app: FastAPI, db: Engine) -> None:
    with TestClient(app, headers=bearer(db)) as client:
        got = client.get("/api/v1/customers/C001/statement.pdf")
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/pdf"
        assert "statement-C001.pdf" in got.headers["content-disposition"]
        found = text(got.content)
        assert "上海华东机电有限公司" in found and "INV-A-002" in found and "8,345.67" in found
        earlier = text(client.get("/api/v1/customers/C001/statement.pdf",
                                  params={"as_of": "2026-11-01"}).content)
        assert "INV-A-003" not in earlier and "2026年11月1日" in earlier  # not issued yet
        assert "11,900.00" in earlier  # INV-A-001 before the November payments
        missing = client.get("/api/v1/customers/C999/statement.pdf")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/json")
        assert missing.json()["error"]["code"] == "not_found"
        bad = client.get("/api/v1/customers/C001/statement.pdf", params={"as_of": "soon"})
        assert bad.status_code == 422


def test_the_customer_page_links_to_it_and_a_collector_sees_only_their_own(
        app: FastAPI) -> None:
    with TestClient(app) as pages:
        sign_in(pages, "chen.jing")
        page = pages.get("/customers/C001").text
        assert 'href="/api/v1/customers/C001/statement.pdf"' in page and "对账单 PDF" in page
    with TestClient(app) as pages:
        sign_in(pages, "li.na")  # C001's collector; C002 is wang.wei's
        assert "Statement PDF" in pages.get("/customers/C001").text
        own = pages.get("/api/v1/customers/C001/statement.pdf")
        assert own.status_code == 200 and own.content.startswith(b"%PDF")
        assert pages.get("/api/v1/customers/C002/statement.pdf").status_code == 404
