"""The API in-process (TestClient) over a test database of each kind, default rules/."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from tests.factories import seed_customers
from tests.people import bearer

with warnings.catch_warnings():  # starlette 1.x: "install httpx2"; httpx is what we use
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, database_url=db_url, policy_dir=ROOT / "rules",
                    timezone="Asia/Shanghai")


@pytest.fixture
def client(settings: Settings, db: Engine, tmp_path: Path) -> Iterator[TestClient]:
    seed_customers(db, tmp_path)  # C001 (limit 500,000), C002 (limit 200,000)
    with TestClient(create_app(settings, db), headers=bearer(db)) as test_client:
        yield test_client
