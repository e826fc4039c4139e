"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

The only doorway to the database for the packages above ledger/: they take ``Engine``,
``Session`` and the database's errors from here, and never import SQLAlchemy or SQLModel
themselves (import-linter holds them to it), so every query stays in ledger/.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session

__all__ = [
    "DBAPIError",
    "DatabaseError",
    "Engine",
    "IntegrityError",
    "OperationalError",
    "Session",
    "is_postgres",
    "make_engine",
    "session_scope",
]

#: Any failure of the database or of a statement (the server gone, a lock, a constraint).
DatabaseError = SQLAlchemyError

DEFAULT_SQLITE_PATH = Path("var") / "arflow.db"


def normalize_url(url: str) -> str:
    """A plain ``postgresql://`` URL means psycopg 3, not SQLAlchemy's psycopg2 default."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def default_url(root: Path | None = None) -> str:
    path = (root or Path.cwd()) / DEFAULT_SQLITE_PATH
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL this never corrupts; a power cut may undo the last commits, and the cycle
    # is idempotent, so running it again recovers. It halves the cost of each commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Pages read through a memory map and a 64 MB cache instead of SQLite's 2 MB default:
    # a worklist of thousands of tasks looks up as many receivables by key, and with the
    # default each lookup was a read() call (measured: 34 -> 18 ms for 8,000 lookups).
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _json_dumps(value: Any) -> str:
    """JSON columns (audit facts) are written by the hundred thousand: orjson is ~10x faster.

    Decimal money is written as its exact string ("1234.50"), never as a float.
    """
    return orjson.dumps(value, default=str).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite make the folder, enable FKs, WAL and a busy timeout."""
    url = normalize_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # TCP keepalives both ways: a client host that dies mid-cycle (not a killed process,
    # whose socket its kernel closes) would otherwise leave its session holding the cycle
    # lock and the day's row locks for hours; a server that vanished, a client waiting
    # connect_timeout: a server that does not answer (a blackholed network) costs 10 s per
    # attempt, not the kernel's minutes, so the service's retries keep their rhythm
    connect_args = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                    "keepalives_count": 3, "connect_timeout": 10,
                    **kwargs.pop("connect_args", {})}
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _postgres_keepalives)
    return engine


def _postgres_keepalives(dbapi_connection: Any, _record: Any) -> None:
    """The server's side of the keepalives (per session, outside any transaction), and no
    JIT: the worklist's ranking of a large team's tasks costs just under the JIT threshold,
    and crossing it added ~600 ms of compiling to a 30 ms query (bench/api.py)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        with dbapi_connection.cursor() as cursor:
            for name, value in (("tcp_keepalives_idle", 30), ("tcp_keepalives_interval", 10),
                                ("tcp_keepalives_count", 3), ("jit", "off")):
                cursor.execute(f"SET {name} = {value}")
    finally:
        dbapi_connection.autocommit = autocommit


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
