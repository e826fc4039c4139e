"""Each session the app opens carries its settings: on SQLite foreign keys, WAL and a busy
timeout; on PostgreSQL keepalives and no JIT (the worklist's ranking of a large team is a
short query that JIT compiling made slow)."""

from __future__ import annotations

from sqlalchemy import Engine, text


def test_every_session_carries_the_apps_settings(db: Engine) -> None:
    with db.connect() as conn:
        if db.dialect.name == "postgresql":
            assert conn.execute(text("SHOW jit")).scalar() == "off"
            assert conn.execute(text("SHOW tcp_keepalives_idle")).scalar() == "30"
        else:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
