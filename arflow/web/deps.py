"""Request dependencies: the database session, the policy in force, the business date.

The cheap ones are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in
its thread pool, and each hop cost ~0.5 ms on an order check (measured). The session stays
a plain ``def``: closing it talks to the database, which must not block the event loop.

Who is calling is decided in arflow/web/auth.py (``Caller``, ``require``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Request

from arflow.web.errors import ApiError
from engine import Policy
from ledger.db import Engine, Session


async def engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def session(request: Request) -> Iterator[Session]:
    """One Session per request. Reads need nothing more; a route that writes commits
    itself, so the commit (and any failure of it) comes before its response."""
    with Session(request.app.state.engine, expire_on_commit=False) as db:
        try:
            yield db
        finally:
            db.rollback()  # whatever a route did not commit is undone


def policy(request: Request) -> Policy:
    """The policy in force: the one loaded at start, replaced when a policy is published
    here, or, checked at most every few seconds, by another process on this database."""
    from arflow.web.policy_sync import follow_published

    follow_published(request.app)
    loaded: Policy | None = request.app.state.policy
    if loaded is None:
        raise ApiError(503, "policy_unavailable",
                       "no policy is loaded: fix the policy files and restart")
    return loaded


async def today(request: Request) -> date:
    """The business date in the configured timezone (the shell's clock read)."""
    return request.app.state.settings.today()  # type: ignore[no-any-return]


# for route signatures: ``def route(db: DbSession, policy: PolicyInForce, ...)``
DbSession = Annotated[Session, Depends(session)]
PolicyInForce = Annotated[Policy, Depends(policy)]
Today = Annotated[date, Depends(today)]
