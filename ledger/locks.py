"""One daily cycle at a time per database.

Two cycles at once would each plan from the same facts and write every stage change,
task and warning twice. PostgreSQL: a session advisory lock (held on its own connection
for the cycle's life, released if the process dies). SQLite: an exclusive flock on a file
beside the database (SQLite is one machine).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

CYCLE_LOCK = 0x61726601  # "arf" 1: the lock space; the key within it names the schema
# one lock per database *and schema*: two arflow installations in one database don't block
LOCK_SCOPE = "hashtext(current_database() || '.' || current_schema())"


class Busy(RuntimeError):
    """Another process holds the lock."""


@contextmanager
def cycle_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            held = connection.execute(
                text(f"select pg_try_advisory_lock(:k, {LOCK_SCOPE})"), {"k": CYCLE_LOCK}
            ).scalar()
            connection.commit()
            if not held:
                raise Busy("another cycle is running on this database")
            try:
                yield
            finally:
                connection.execute(
                    text(f"select pg_advisory_unlock(:k, {LOCK_SCOPE})"), {"k": CYCLE_LOCK}
                )
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(Path(database).with_suffix(".cycle-lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy("another cycle is running on this database") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
