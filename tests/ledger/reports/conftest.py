"""The worked-example ledger as a fixture: a session closed after the test (PostgreSQL
truncates between tests and would wait on a transaction left open)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from tests.ledger.reports.book import worked_example


@pytest.fixture
def example(db: Engine) -> Iterator[Session]:
    session = worked_example(db)
    try:
        yield session
    finally:
        session.close()
