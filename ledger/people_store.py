"""Users, API tokens and web sessions: the SQL behind sign-in and access checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlmodel import Session

from ledger.models import ApiToken, Customer, User, WebSession, utcnow


class UnknownUser(LookupError):
    """No user of that name."""


class DuplicateName(ValueError):
    """A user or token of that name exists already."""


@dataclass(frozen=True)
class SessionUser:
    """A live session with its user: what the web app needs on every request."""

    user_id: int
    name: str
    role: str
    language: str
    csrf_token: str


def add_user(session: Session, name: str, role: str, password_hash: str, language: str
             ) -> User:
    if session.exec(select(User.id).where(User.name == name)).first() is not None:
        raise DuplicateName(f"user {name!r} exists already")
    user = User(name=name, role=role, password_hash=password_hash, language=language)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).scalars().first()


def get_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise UnknownUser(f"no user {name!r}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)).scalars())


def set_user(session: Session, name: str, **values: object) -> None:
    """Change a user's role, language, password hash or active flag; a deactivated user's
    sessions end at once."""
    user = get_user(session, name)
    session.execute(update(User).where(User.id == user.id).values(**values))
    if values.get("active") is False or "password_hash" in values:
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def collector_names(session: Session) -> list[str]:
    rows = session.execute(
        select(User.name).where(User.role == "collector", User.active.is_(True))
        .order_by(User.name))
    return [name for (name,) in rows]


def assigned_to(session: Session, customer_id: int) -> str | None:
    return session.execute(
        select(Customer.collector).where(Customer.id == customer_id)).scalar_one_or_none()


# --- API tokens ------------------------------------------------------------------------

def add_token(session: Session, name: str, role: str, token_hash: str, created_by: str
              ) -> ApiToken:
    if session.exec(select(ApiToken.id).where(ApiToken.name == name)).first() is not None:
        raise DuplicateName(f"token {name!r} exists already")
    token = ApiToken(name=name, role=role, token_hash=token_hash, created_by=created_by)
    session.add(token)
    session.flush()
    return token


def token_by_hash(session: Session, token_hash: str) -> tuple[str, str] | None:
    """(name, role) of a live token."""
    row = session.execute(
        select(ApiToken.name, ApiToken.role)
        .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))).first()
    return None if row is None else (row[0], row[1])


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(ApiToken.name)).scalars())


def revoke_token(session: Session, name: str) -> bool:
    result = session.execute(
        update(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return bool(result.rowcount)


# --- web sessions ----------------------------------------------------------------------

def open_session(session: Session, user_id: int, id_hash: str, csrf_token: str,
                 expires_at: datetime) -> None:
    session.add(WebSession(id_hash=id_hash, user_id=user_id, csrf_token=csrf_token,
                           expires_at=expires_at))
    # a sign-in is a good moment to forget this user's expired sessions
    session.execute(delete(WebSession).where(
        WebSession.user_id == user_id, WebSession.expires_at < utcnow()))


def session_user(session: Session, id_hash: str, now: datetime) -> SessionUser | None:
    row = session.execute(
        select(User.id, User.name, User.role, User.language, WebSession.csrf_token)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.id_hash == id_hash, WebSession.expires_at > now,
               User.active.is_(True))).first()
    return None if row is None else SessionUser(*row)


def close_session(session: Session, id_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))
