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


def web_sign_in(client: object, name: str, password: str = PASSWORD) -> str:
    """Sign ``client`` (a TestClient) in through the real form; returns the session's CSRF
    token (what every page embeds as ``csrf_token``) for the form posts that follow."""
    import re

    form = client.get("/login")  # type: ignore[attr-defined]
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = client.post(  # type: ignore[attr-defined]
        "/login", data={"name": name, "password": password, "csrf_token": login_csrf},
        follow_redirects=False)
    assert response.status_code == 303 and "failed" not in response.headers["location"], (
        f"sign-in of {name} failed")
    from arflow.auth.tokens import digest
    from ledger.models import WebSession

    engine = client.app.state.engine  # type: ignore[attr-defined]
    cookie = client.cookies.get("arflow_session")  # type: ignore[attr-defined]
    with Session(engine) as session:
        return session.get(WebSession, digest(cookie)).csrf_token  # type: ignore[union-attr]
