"""The OpenAPI document is valid, and schemathesis finds no server error and no response
that breaks its documented schema, on every /api/v1 operation, over both databases.

Bounded and repeatable: few examples per operation, derandomized (same cases every run).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from engine import load_policy
from ledger.db import make_engine
from tests.factories import load, seed_customers, write
from tests.people import make_token

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
DOC = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _app(db_url: str, db: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path, database_url=db_url, policy_dir=ROOT / "rules",
                        timezone="Asia/Shanghai")
    seed_customers(db, tmp_path)
    due = settings.today() - timedelta(days=40)
    load(db, "receivables", write(tmp_path / "r.csv",
                                  "number,customer_code,issue_date,due_date,amount\n"
                                  f"INV-1,C001,{due - timedelta(30)},{due},1200.00\n"))
    return create_app(settings, db)


# one app for the whole module (the document does not depend on the database); each test
# points it at that test's database (schemathesis' from_fixture does not run on pytest 9)
APP = create_app(Settings(home=ROOT, database_url="sqlite://", policy_dir=ROOT / "rules",
                          timezone="Asia/Shanghai"), make_engine("sqlite://"),
                 policy=load_policy(ROOT / "rules"))
schema = schemathesis.openapi.from_asgi(DOC, APP)


@pytest.fixture
def token(db_url: str, db: Engine, tmp_path: Path) -> Iterator[str]:
    """APP over this test's database, seeded; a system token for it."""
    app = _app(db_url, db, tmp_path)
    saved = (APP.state.engine, APP.state.settings, APP.state.policy)
    APP.state.engine, APP.state.settings, APP.state.policy = (
        app.state.engine, app.state.settings, app.state.policy)
    yield make_token(db, "erp", "system")
    APP.state.engine, APP.state.settings, APP.state.policy = saved


def test_document_is_valid_openapi(db_url: str, db: Engine, tmp_path: Path) -> None:
    with TestClient(_app(db_url, db, tmp_path)) as client:
        document = client.get(DOC).json()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema
    broken = {**document, "paths": {"/x": {"get": {"responses": {"200": {"content": 5}}}}}}
    with pytest.raises(Exception, match="5"):  # the check does bite
        schemathesis.openapi.from_dict(broken).validate()
    paths = document["paths"]
    for path in ("/api/v1/customers/{code}", "/api/v1/receivables/batch",
                 "/api/v1/payments/{reference}", "/api/v1/warnings", "/api/v1/orders"):
        assert path in paths
    put = paths["/api/v1/receivables/{number}"]["put"]
    assert {"200", "201", "401", "403", "413", "422"} <= set(put["responses"])


@schema.parametrize()
@settings(max_examples=5, derandomize=True, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms(case, token: str, db_url: str) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
