"""Processes starting together on one new database migrate it once: one migrates while the
others wait for the migration lock (ledger/locks.migrating), then find it current. Two
threads stand for two processes (each its own engine, as two `arflow serve` would have),
on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from arflow.runtime import migrate_database
from ledger.db import make_engine
from ledger.locks import migrating
from ledger.migrate import current_revision, head_revision, upgrade
from tests.conftest import scratch_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even Alembic's version table (the migration
    tests' ``at_revision`` always migrates to some revision first); on PostgreSQL a schema
    of its own, dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    request.getfixturevalue("pg_schema_url")  # skips when PostgreSQL is not reachable
    with scratch_schema("arflow_new") as url:
        yield url


def _counting_creates(engine: Engine, seen: list[str]) -> None:
    """Record each CREATE TABLE of the customer table ``engine`` runs."""

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("CREATE TABLE CUSTOMER "):
            seen.append(statement)


def test_two_starts_on_a_new_database_migrate_it_once(empty_url: str) -> None:
    """Without the lock both fail or one does: ``alembic_version already exists``
    (SQLite) or ``DuplicateTable`` (PostgreSQL), measured."""
    engines = [make_engine(empty_url) for _ in range(2)]
    creates: list[str] = []
    errors: list[BaseException] = []
    together = threading.Barrier(len(engines))
    for engine in engines:
        _counting_creates(engine, creates)

    def start(how: int, engine: Engine) -> None:
        together.wait()
        try:
            if how == 0:
                migrate_database(engine)  # `arflow serve`: the runtime's bootstrap
            else:
                upgrade(engine)  # `arflow db upgrade`
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i, e)) for i, e in enumerate(engines)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert len(creates) == 1  # migrated once
        for engine in engines:
            assert current_revision(engine) == head_revision()
    finally:
        for engine in engines:
            engine.dispose()


def test_a_second_migration_waits_for_the_first_and_finds_nothing_to_do(empty_url: str
                                                                        ) -> None:
    first, second = make_engine(empty_url), make_engine(empty_url)
    waiting = threading.Event()
    creates: list[str] = []
    _counting_creates(second, creates)
    try:
        with migrating(first) as connection:  # the first process, mid-migration
            later = threading.Thread(target=upgrade, args=(second,),
                                     kwargs={"on_wait": waiting.set})
            later.start()
            assert waiting.wait(timeout=10)  # the second one waits for the lock ...
            upgrade_in(first, connection)
        later.join(timeout=60)
        assert not later.is_alive() and creates == []  # ... and then had nothing to do
        assert current_revision(second) == head_revision()
    finally:
        first.dispose()
        second.dispose()


def upgrade_in(engine: Engine, connection: object) -> None:
    """Migrate on a connection already holding the lock (what ``upgrade`` does inside)."""
    from alembic import command

    from ledger.migrate import alembic_config

    config = alembic_config(engine)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
