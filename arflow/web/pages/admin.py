"""Pages: users and API tokens (admins). Every change is a command of workflows/people.py,
the same the CLI runs: validated once, audited with the admin's name (entity "user" or
"token"). An admin cannot disable themselves or take away their own admin role, so the
last way in is never locked by a slip of the mouse.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import ROLES, Principal
from arflow.auth.passwords import hash_password
from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.errors import refused
from arflow.web.i18n import LANGUAGES
from arflow.web.pages.render import back_to, page, translator
from ledger import people_store
from workflows import people
from workflows.people import check_choice

router = APIRouter(include_in_schema=False)
Admin = permitted("users")
USERS = "/admin/users"


@router.get(USERS, response_class=HTMLResponse)
def users_page(request: Request, who: Admin, db: DbSession) -> Response:
    return page(request, "admin/users.html", who, users=people_store.list_users(db),
                tokens=people_store.list_tokens(db), roles=ROLES, languages=LANGUAGES)


def _done(request: Request, who: Principal, key: str, name: str) -> Response:
    return back_to(USERS, done=translator(request, who)(key, name=name))


@router.post(USERS)
def add_user(request: Request, who: Admin, db: DbSession, today: Today,
             name: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
             language: Annotated[str, Form()] = "zh-CN",
             password: Annotated[str, Form()] = "") -> Response:
    with refused(db):
        user = people.add_user(db, name, role, language, password, hash_password,
                               on_date=today, actor=who.actor)
        db.commit()
    return _done(request, who, "admin.user_added", user.name)


@router.post(USERS + "/{name}")
def change_user(request: Request, name: str, who: Admin, db: DbSession, today: Today,
                role: Annotated[str, Form()] = "", language: Annotated[str, Form()] = ""
                ) -> Response:
    with refused(db):
        people.set_user(db, name, role=role or None, language=language or None,
                        on_date=today, actor=who.actor, by_user=who.name)
        db.commit()
    return _done(request, who, "admin.user_changed", name)


@router.post(USERS + "/{name}/active")
def set_active(request: Request, name: str, who: Admin, db: DbSession, today: Today,
               active: Annotated[str, Form()] = "") -> Response:
    with refused(db):
        wanted = check_choice(active, ("0", "1"), "active") == "1"
        people.set_user(db, name, active=wanted, on_date=today, actor=who.actor,
                        by_user=who.name)
        db.commit()
    return _done(request, who, "admin.user_enabled" if wanted else "admin.user_disabled", name)


@router.post(USERS + "/{name}/password")
def reset_password(request: Request, name: str, who: Admin, db: DbSession, today: Today,
                   password: Annotated[str, Form()] = "") -> Response:
    with refused(db):
        people.set_user(db, name, password=password, hasher=hash_password, on_date=today,
                        actor=who.actor)
        db.commit()
    return _done(request, who, "admin.password_reset", name)


@router.post("/admin/tokens/{name}/revoke")
def revoke_token(request: Request, name: str, who: Admin, db: DbSession, today: Today
                 ) -> Response:
    with refused(db):
        people.revoke_token(db, name, on_date=today, actor=who.actor)
        db.commit()
    return _done(request, who, "admin.token_revoked", name)
