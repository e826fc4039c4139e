"""One daily cycle at a time per database, one scheduler leader, one migration at a time.

Two cycles at once would each plan from the same facts and write every stage change,
task and warning twice. PostgreSQL: a session advisory lock (held on its own connection
for the cycle's life, released if the process dies). SQLite: an exclusive flock on a file
beside the database (SQLite is one machine).

Two processes starting on one new database (two ``arflow serve``, or one and ``arflow db
upgrade``) would each create the same tables: ``migrating`` lets one migrate while the
other waits, and the other then finds the schema current and does nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text

CYCLE_LOCK = 0x61726601  # "arf" 1: the lock space; the key within it names the schema
LEADER_LOCK = 0x61726602  # "arf" 2: the scheduler leader's lock
MIGRATION_LOCK = 0x61726603  # "arf" 3: migrating the schema
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


def try_leadership(engine: Engine) -> object | None:
    """Hold a PostgreSQL advisory lock for the life of the process (on a connection of its
    own, returned as the token of leadership); None when another process holds it.
    SQLite is one machine, one process: always leader."""
    if engine.dialect.name != "postgresql":
        return object()
    connection = engine.connect()
    try:
        held = connection.execute(
            text(f"select pg_try_advisory_lock(:k, {LOCK_SCOPE})"), {"k": LEADER_LOCK}
        ).scalar()
        connection.commit()  # a session lock outlives it; an idle-in-transaction one may not
    except BaseException:
        with contextlib.suppress(Exception):
            connection.close()
        raise
    if held:
        return connection
    connection.close()
    return None


def still_leader(leader: object) -> bool:
    """Whether the lock is still ours: its connection answers and holds it (a connection
    lost in an outage took the lock with it; one silently replaced would not hold it)."""
    if not isinstance(leader, Connection):
        return True
    held = leader.execute(text(
        "select exists(select 1 from pg_locks where locktype = 'advisory' and granted"
        f" and pid = pg_backend_pid() and classid = {LEADER_LOCK})"
    )).scalar()
    leader.commit()
    return bool(held)


def release_leadership(leader: object | None) -> None:
    """Give the scheduler lock back on stop, so another arflow can lead at once."""
    if isinstance(leader, Connection):
        with contextlib.suppress(Exception):  # a lost connection has released it already
            unlock = text(f"select pg_advisory_unlock(:k, {LOCK_SCOPE})")
            leader.execute(unlock, {"k": LEADER_LOCK})
            leader.commit()
        with contextlib.suppress(Exception):
            leader.close()


@contextmanager
def migrating(engine: Engine, on_wait: Callable[[], None] | None = None) -> Iterator[Connection]:
    """A transaction on ``engine`` that no other process migrating the same database (and
    schema) runs beside; a second one waits until the first has committed, so it reads
    the revision the first left. ``on_wait`` is called once if it has to wait.

    PostgreSQL: ``pg_advisory_xact_lock`` taken in the migration's own transaction, so the
    commit (or a rollback, or a lost connection) releases it and no unlock can be missed.
    SQLite: a file lock beside the database file, held until the transaction has committed.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            key = {"k": MIGRATION_LOCK}
            taken = connection.execute(
                text(f"select pg_try_advisory_xact_lock(:k, {LOCK_SCOPE})"), key).scalar()
            if not taken:
                if on_wait is not None:
                    on_wait()
                connection.execute(text(f"select pg_advisory_xact_lock(:k, {LOCK_SCOPE})"), key)
            yield connection
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with engine.begin() as connection:
            yield connection
        return
    lock = FileLock(Path(database).with_suffix(".migration-lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        lock.release()
