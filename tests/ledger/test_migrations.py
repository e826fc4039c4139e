"""The migrations build exactly the tables the models describe, and go down again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import ledger.models  # noqa: F401
from ledger.migrate import alembic_config, current_revision, is_current


def _differences(engine) -> list[object]:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # type spellings differ harmlessly between dialects (TEXT vs VARCHAR); columns do not
    return [d for d in diff if isinstance(d, tuple) and d[0] != "modify_type"]


def test_schema_matches_the_models_and_downgrades(db):
    assert is_current(db)
    assert _differences(db) == []
    config = alembic_config(db)
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    assert current_revision(db) == "0001"
    with db.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    assert is_current(db) and _differences(db) == []
