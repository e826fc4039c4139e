"""Users and tokens for tests (a fast path: the same stores the CLI writes through)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from arflow.auth.passwords import hash_password
from arflow.auth.tokens import digest, new_token
from ledger.people_store import add_token, add_user

PASSWORD = "correct-horse-9"


def make_user(engine: Engine, name: str, role: str, language: str = "en",
              password: str = PASSWORD) -> None:
    with Session(engine) as session:
        add_user(session, name, role, hash_password(password), language)
        session.commit()


def make_token(engine: Engine, name: str = "erp", role: str = "system") -> str:
    secret = new_token()
    with Session(engine) as session:
        add_token(session, name, role, digest(secret), "test")
        session.commit()
    return secret


def bearer(engine: Engine, name: str = "erp", role: str = "system") -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(engine, name, role)}"}
