"""Who is calling, and may they: the dependencies every route is checked with.

Systems send ``Authorization: Bearer <token>``; people sign in and carry the session
cookie. A request with a cookie that changes something (POST, PUT, PATCH, DELETE) must
also carry the session's CSRF token, as the form field ``csrf_token`` or the header
``X-CSRF-Token``; a bearer token needs none (a browser never sends one on its own).

Collectors see the customers assigned to them and no others: a customer, receivable or
task of someone else's answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from arflow.auth import Principal
from arflow.auth.tokens import digest, same
from arflow.web.errors import ApiError
from ledger.db import Engine, Session
from ledger.models import utcnow

SESSION_COOKIE = "arflow_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# the scope key where the guards leave who the credentials name (not yet CSRF-checked)
IDENTIFIED = "arflow.identified"
# declares the ``bearerAuth`` scheme in the OpenAPI document, on every operation that
# asks who is calling (the header itself is read in ``optional_principal``)
BEARER = HTTPBearer(scheme_name="bearerAuth", auto_error=False,
                    description="a token from `arflow token create --name NAME --role ROLE`")


class SignInRequired(ApiError):
    """No credentials: the API answers 401, a page redirects to the sign-in form."""

    def __init__(self) -> None:
        super().__init__(401, "unauthorized", "sign in or send a bearer token")


def bearer_principal(engine: Engine, header: str) -> Principal:
    """The system an ``Authorization`` header names; 401 when it is not a live token."""
    from ledger.people_store import token_by_hash

    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", "Authorization must be 'Bearer <token>'")
    with Session(engine) as db:
        found = token_by_hash(db, digest(secret.strip()))
    if found is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return Principal(name=found[0], role=found[1], kind="token")


def session_principal(engine: Engine, cookie: str) -> Principal | None:
    """The person whose open session the cookie is (None: no such session, or expired)."""
    from ledger.people_store import session_user

    with Session(engine) as db:
        user = session_user(db, digest(cookie), utcnow())
    if user is None:
        return None
    return Principal(name=user.name, role=user.role, kind="user", language=user.language,
                     csrf_token=user.csrf_token)


def credentials(engine: Engine, authorization: str | None, cookie: str | None
                ) -> Principal | None:
    """Who the credentials name, the header first (a bad token: 401), else the session
    cookie; None without either that holds. The CSRF check is not done here: it needs
    the request (``optional_principal``)."""
    if authorization:
        return bearer_principal(engine, authorization)
    return session_principal(engine, cookie) if cookie else None


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return sent is not None and same(sent, expected)


Declared = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


async def optional_principal(request: Request, _declared: Declared = None
                             ) -> Principal | None:
    """The caller if they sent credentials that hold, else None (bad ones: 401).

    The guards (arflow/web/security.py) may have looked the credentials up already,
    before the body was read: their finding (``IDENTIFIED`` in the scope) is used, and a
    person's change still needs its CSRF token here."""
    if "principal" in request.scope:
        return request.scope["principal"]  # type: ignore[no-any-return]
    if IDENTIFIED in request.scope:
        found: Principal | None = request.scope[IDENTIFIED]
    else:
        found = credentials(request.app.state.engine, request.headers.get("authorization"),
                            request.cookies.get(SESSION_COOKIE))
    if found is not None and found.kind == "user" and request.method in UNSAFE:
        if not await _csrf_ok(request, found.csrf_token):
            raise ApiError(403, "csrf_failed",
                           "the form is missing its CSRF token or it has expired: "
                           "reload the page and try again")
    request.scope["principal"] = found
    return found


async def authenticated(request: Request, _declared: Declared = None) -> Principal:
    found = await optional_principal(request)
    if found is None:
        raise SignInRequired()
    return found


def require(permission: str) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency: the caller, who must hold ``permission`` (else 403 ``forbidden``)."""

    async def check(request: Request, _declared: Declared = None) -> Principal:
        who = await authenticated(request)
        if not who.can(permission):
            raise ApiError(403, "forbidden", f"your role ({who.role}) may not do this")
        return who

    check.__name__ = f"require_{permission}"
    return check


def customer_scope(who: Principal) -> str | None:
    """Whose customers ``who`` may see: their own name as collector (None: everyone's)."""
    return None if who.sees_all else who.name


def ensure_visible(who: Principal, collector: str | None,
                   missing: ApiError | None = None) -> None:
    """404 unless ``who`` may see a customer assigned to ``collector``: ``missing``, the
    very error the route gives for a record that does not exist, so the answer does not
    tell a collector whether someone else's record is there."""
    if not who.sees_all and collector != who.name:
        raise missing or ApiError(404, "not_found", "no such record")


Caller = Annotated[Principal, Depends(authenticated)]


def permitted(permission: str) -> Any:
    """For route signatures: ``who: permitted("credit")`` is the caller, checked."""
    return Annotated[Principal, Depends(require(permission))]
