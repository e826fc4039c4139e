"""Pages: users and API tokens (admins). Every change is a command of workflows/people.py,
the same the CLI runs: validated once, audited with the admin's name (entity "user" or
"token"). An admin cannot disable themselves or take away their own admin role, so the
last way in is never locked by a slip of the mouse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from arflow.auth import ROLES, Principal
from arflow.auth.passwords import hash_password
from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.i18n import LANGUAGES
from arflow.web.pages.forms import submit
from arflow.web.pages.render import back_to, page
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


def _on_users(request: Request, who: Principal, db: Any, form: str, values: dict[str, str],
              act: Callable[[], str], key: Callable[[], str]) -> Response:
    """Run a form of the users page (``act`` returns the name the notice names); a refusal
    shows the page again with the message inline (a password is never put back)."""
    def run() -> Response:
        name = act()
        db.commit()
        return back_to(USERS, key(), name=name)

    return submit(request, who, form, values, run, db=db, path=USERS,
                  again=lambda: users_page(request, who, db))


@router.post(USERS)
def add_user(request: Request, who: Admin, db: DbSession, today: Today,
             name: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
             language: Annotated[str, Form()] = "zh-CN",
             password: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        return people.add_user(db, name, role, language, password, hash_password,
                               on_date=today, actor=who.actor).name

    return _on_users(request, who, db, "form-user-add",
                     {"name": name, "role": role, "language": language}, act,
                     lambda: "admin.user_added")


@router.post(USERS + "/{name}")
def change_user(request: Request, name: str, who: Admin, db: DbSession, today: Today,
                role: Annotated[str, Form()] = "", language: Annotated[str, Form()] = ""
                ) -> Response:
    def act() -> str:
        people.set_user(db, name, role=role or None, language=language or None,
                        on_date=today, actor=who.actor, by_user=who.name)
        return name

    return _on_users(request, who, db, f"user-{name}-change",
                     {"role": role, "language": language}, act, lambda: "admin.user_changed")


@router.post(USERS + "/{name}/active")
def set_active(request: Request, name: str, who: Admin, db: DbSession, today: Today,
               active: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        wanted = check_choice(active, ("0", "1"), "active") == "1"
        people.set_user(db, name, active=wanted, on_date=today, actor=who.actor,
                        by_user=who.name)
        return name

    return _on_users(request, who, db, f"user-{name}-active", {"active": active}, act,
                     lambda: "admin.user_enabled" if active == "1" else "admin.user_disabled")


@router.post(USERS + "/{name}/password")
def reset_password(request: Request, name: str, who: Admin, db: DbSession, today: Today,
                   password: Annotated[str, Form()] = "") -> Response:
    def act() -> str:
        people.set_user(db, name, password=password, hasher=hash_password, on_date=today,
                        actor=who.actor)
        return name

    return _on_users(request, who, db, f"user-{name}-password", {}, act,
                     lambda: "admin.password_reset")


@router.post("/admin/tokens/{name}/revoke")
def revoke_token(request: Request, name: str, who: Admin, db: DbSession, today: Today
                 ) -> Response:
    def act() -> str:
        people.revoke_token(db, name, on_date=today, actor=who.actor)
        return name

    return _on_users(request, who, db, f"token-{name}-revoke", {}, act,
                     lambda: "admin.token_revoked")
