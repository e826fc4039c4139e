"""Sign in, sign out, the start page and the language switch.

The sign-in form has no session yet, so it is protected by a double-submit token: a
random value both in a cookie and in the form, which another site can neither read nor
set. After sign-in the session's own CSRF token guards every form.

Failed sign-ins are throttled per account and per address (arflow/web/signin_throttle.py:
429 with Retry-After, the password not checked), and passwords are checked a few at a
time outside the shared thread pool (arflow/auth/passwords.PasswordChecks).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from arflow.auth import Principal
from arflow.auth.passwords import DUMMY_HASH, ChecksBusy, PasswordChecks
from arflow.auth.tokens import digest, new_secret, same
from arflow.web.auth import SESSION_COOKIE, Caller, optional_principal
from arflow.web.errors import ApiError, error_response
from arflow.web.i18n import LANGUAGES
from arflow.web.pages.render import back_to, page, translator
from arflow.web.signin_throttle import SigninThrottle, TooManyAttempts
from ledger.db import Engine, Session
from ledger.models import utcnow

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "arflow_login_csrf"
SESSION_HOURS = 12


def home_for(who: Principal) -> str:
    if who.role == "collector":
        return "/worklist"
    return "/admin/users" if who.role == "admin" else "/dashboard"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (never ``//evil.example`` or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


def _cookie_flags(request: Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https",
            "path": "/"}


@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    who = await optional_principal(request)
    return RedirectResponse("/login" if who is None else home_for(who), status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None, failed: bool = False
                     ) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()
    response = page(request, "login.html", None, login_csrf=token,
                    next=_safe_next(next) or "", failed=failed,
                    status_code=401 if failed else 200)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_flags(request))
    return response


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _find(engine: Engine, name: str) -> tuple[int, str, str, str, bool] | None:
    from ledger.people_store import find_user

    with Session(engine) as db:
        user = find_user(db, name)
        if user is None or user.id is None:
            return None
        return user.id, user.name, user.role, user.password_hash, user.active


def _open_session(engine: Engine, user_id: int) -> str:
    from ledger.people_store import open_session

    session_id = new_secret()
    with Session(engine) as db:
        open_session(db, user_id, digest(session_id), new_secret(),
                     utcnow() + timedelta(hours=SESSION_HOURS))
        db.commit()
    return session_id


def _not_now(request: Request, status: int, code: str, key: str, retry_after: int,
             form: dict[str, Any]) -> Response:
    """A sign-in refused before its password was checked: the form again with the reason
    inline, or JSON for a caller that asks for it; Retry-After on both."""
    message = translator(request)(key, minutes=max(1, math.ceil(retry_after / 60)))
    response: Response
    if _wants_json(request):
        response = error_response(status, code, message)
    else:
        response = page(request, "login.html", None, refused=message, status_code=status,
                        **form)
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Async on purpose: the password is checked in ``PasswordChecks``' own threads (the
    database lookups in the shared pool, briefly), so a flood of sign-ins waiting for
    Argon2 holds none of the threads other requests need."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not same(cookie, csrf_token):
        raise ApiError(403, "csrf_failed", "the sign-in form expired: reload it")
    engine = request.app.state.engine
    throttle: SigninThrottle = request.app.state.signin_throttle
    checks: PasswordChecks = request.app.state.password_checks
    form = {"login_csrf": cookie, "next": _safe_next(next) or "", "failed": False,
            "name": name}
    address = request.client.host if request.client else ""
    try:
        with throttle.attempt(name, address) as attempt:
            user = await run_in_threadpool(_find, engine, name.strip())
            ok = await checks.verify(user[3] if user else DUMMY_HASH, password)
            if user is None or not ok or not user[4]:  # the form again, the name kept
                attempt.failed()
                return page(request, "login.html", None, status_code=401,
                            **{**form, "failed": True})
            attempt.succeeded()
    except TooManyAttempts as exc:
        return _not_now(request, 429, "too_many_attempts", "login.throttled",
                        exc.retry_after, form)
    except ChecksBusy:
        return _not_now(request, 503, "busy", "login.busy", 2, form)
    assert user is not None
    session_id = await run_in_threadpool(_open_session, engine, user[0])
    who = Principal(name=user[1], role=user[2], kind="user")
    response = RedirectResponse(_safe_next(next) or home_for(who), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id, max_age=SESSION_HOURS * 3600,
                        **_cookie_flags(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, who: Caller) -> Response:
    from ledger.people_store import close_session

    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with Session(request.app.state.engine) as db:
            close_session(db, digest(cookie))
            db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/me/language")
def set_language(request: Request, who: Caller, language: Annotated[str, Form()],
                 back: Annotated[str, Form()] = "/") -> Response:
    from ledger.people_store import set_user

    if who.kind != "user" or language not in LANGUAGES:
        raise ApiError(422, "invalid_input", "language must be zh-CN or en", "language")
    with Session(request.app.state.engine) as db:
        set_user(db, who.name, language=language)
        db.commit()
    return back_to(_safe_next(back) or "/")
