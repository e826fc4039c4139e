"""Sign in, sign out, the start page and the language switch.

The sign-in form has no session yet, so it is protected by a double-submit token: a
random value both in a cookie and in the form, which another site can neither read nor
set. After sign-in the session's own CSRF token guards every form.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arflow.auth import Principal
from arflow.auth.passwords import DUMMY_HASH, verify_password
from arflow.auth.tokens import digest, new_secret, same
from arflow.web.auth import SESSION_COOKIE, Caller, optional_principal
from arflow.web.errors import ApiError
from arflow.web.i18n import LANGUAGES
from arflow.web.pages.render import back_to, page
from ledger.db import Session
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


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    from ledger.people_store import find_user, open_session

    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not same(cookie, csrf_token):
        raise ApiError(403, "csrf_failed", "the sign-in form expired: reload it")
    with Session(request.app.state.engine) as db:
        user = find_user(db, name.strip())
        ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
        if user is None or not ok or not user.active:  # the form again, the name kept
            return page(request, "login.html", None, login_csrf=cookie,
                        next=_safe_next(next) or "", failed=True, name=name,
                        status_code=401)
        session_id = new_secret()
        assert user.id is not None
        open_session(db, user.id, digest(session_id), new_secret(),
                     utcnow() + timedelta(hours=SESSION_HOURS))
        db.commit()
        who = Principal(name=user.name, role=user.role, kind="user")
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
