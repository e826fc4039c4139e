"""Schema migrations (Alembic), callable from the CLI and from tests.

Every upgrade runs under ``ledger.locks.migrating``: processes starting together on one
database migrate it once, the others waiting and then finding nothing to do."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head",
            on_wait: Callable[[], None] | None = None) -> None:
    """Bring the schema to ``revision`` inside one transaction, one process at a time
    (``on_wait``: called if another process is migrating this database first)."""
    from ledger.locks import migrating

    config = alembic_config(engine)
    with migrating(engine, on_wait) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str | None:
    """The newest revision of the migration scripts (read from them once a process)."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def is_current(engine: Engine) -> bool:
    """True when the schema is at the newest revision."""
    return current_revision(engine) == head_revision()
