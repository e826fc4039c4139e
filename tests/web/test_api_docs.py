"""/api/v1/docs (issue 15): Swagger UI from the installed package, only to people
signed in; the OpenAPI document (public) declares bearer auth on the API's operations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from arflow.web.api_docs import ASSETS
from tests.people import make_token, make_user, web_sign_in
from tests.web.conftest import TestClient

DOCS = "/api/v1/docs"
HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def anonymous(settings: Settings, db: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db)) as client:
        yield client


def test_strangers_and_systems_get_no_docs(anonymous: TestClient, db: Engine) -> None:
    page = anonymous.get(DOCS, headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fapi%2Fv1%2Fdocs"
    assert anonymous.get(DOCS).json()["error"]["code"] == "unauthorized"
    assert anonymous.get(f"{DOCS}/swagger-ui-bundle.js").status_code == 401
    token = {"Authorization": f"Bearer {make_token(db)}"}
    assert anonymous.get(DOCS, headers=token).status_code == 401  # a person's page


def test_a_person_gets_the_docs_from_the_package(anonymous: TestClient, db: Engine) -> None:
    make_user(db, "chen.credit", "credit_manager")
    web_sign_in(anonymous, "chen.credit")
    page = anonymous.get(DOCS, headers=HTML)
    assert page.status_code == 200
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # nothing from elsewhere
    assert f'src="{DOCS}/swagger-ui-bundle.js"' in page.text
    assert f'href="{DOCS}/swagger-ui.css"' in page.text
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
    inline = re.findall(r"<script([^>]*)>\s*const ui", page.text)
    assert inline == [f' nonce="{nonce}"']  # the one inline script, allowed by its nonce
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        asset = anonymous.get(f"{DOCS}/{name}")
        assert asset.status_code == 200 and asset.content == (ASSETS / name).read_bytes()
    assert anonymous.get(f"{DOCS}/..%2F..%2F__init__.py").status_code == 404


def test_the_document_is_public_and_declares_bearer_auth(anonymous: TestClient) -> None:
    document = anonymous.get("/api/v1/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "a token from `arflow token create --name NAME --role ROLE`"}
    operations = [(path, method, op) for path, ops in document["paths"].items()
                  for method, op in ops.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        if path == "/api/v1/health":
            assert "security" not in op
        else:
            assert op["security"] == [{"bearerAuth": []}], (method, path)
