"""Pages: users and API tokens (admins). The same stores the CLI writes through
(ledger/people_store.py), every change audited with the admin's name (entity "user" or
"token"). An admin cannot disable themselves or take away their own admin role, so the
last way in is never locked by a slip of the mouse.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from arflow.auth import ROLES, Principal
from arflow.web.auth import permitted
from arflow.web.deps import DbSession, Today
from arflow.web.errors import ApiError
from arflow.web.i18n import LANGUAGES
from arflow.web.pages.render import back_to, page, translator
from ledger import people_store
from ledger.cycle_store import activity, insert_activities

router = APIRouter(include_in_schema=False)
Admin = permitted("users")
USERS = "/admin/users"


@router.get(USERS, response_class=HTMLResponse)
def users_page(request: Request, who: Admin, db: DbSession) -> Response:
    return page(request, "admin/users.html", who, users=people_store.list_users(db),
                tokens=people_store.list_tokens(db), roles=ROLES, languages=LANGUAGES)


def _choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise ApiError(422, f"invalid_{field}", f"{field} must be one of {', '.join(allowed)}",
                       field)
    return value


def _hash(password: str) -> str:
    from arflow.auth.passwords import WeakPassword, hash_password

    try:
        return hash_password(password)
    except WeakPassword as exc:
        raise ApiError(422, "weak_password", str(exc), "password") from None


def _audit(db: Session, today: Any, who: Principal, action: str, entity: str,
           entity_id: int | None, subject: str, details: dict[str, Any]) -> None:
    insert_activities(db, [activity(today, who.actor, action, entity, entity_id, subject,
                                    details=details)])


def _user(db: Session, name: str) -> Any:
    user = people_store.find_user(db, name)
    if user is None:
        raise ApiError(404, "not_found", f"no user {name!r}")
    return user


def _done(request: Request, who: Principal, key: str, name: str) -> Response:
    return back_to(USERS, done=translator(request, who)(key, name=name))


@router.post(USERS)
def add_user(request: Request, who: Admin, db: DbSession, today: Today,
             name: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
             language: Annotated[str, Form()] = "zh-CN",
             password: Annotated[str, Form()] = "") -> Response:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise ApiError(422, "invalid_name", "a name is 1 to 64 characters without spaces",
                       "name")
    _choice(role, ROLES, "role")
    _choice(language, LANGUAGES, "language")
    hashed = _hash(password)
    try:
        user = people_store.add_user(db, name, role, hashed, language)
    except people_store.DuplicateName as exc:
        raise ApiError(409, "conflict", str(exc), "name") from None
    _audit(db, today, who, "user_added", "user", user.id, name,
           {"role": role, "language": language})
    db.commit()
    return _done(request, who, "admin.user_added", name)


@router.post(USERS + "/{name}")
def change_user(request: Request, name: str, who: Admin, db: DbSession, today: Today,
                role: Annotated[str, Form()] = "", language: Annotated[str, Form()] = ""
                ) -> Response:
    user = _user(db, name)
    values: dict[str, object] = {}
    if role and role != user.role:
        values["role"] = _choice(role, ROLES, "role")
    if language and language != user.language:
        values["language"] = _choice(language, LANGUAGES, "language")
    if values.get("role") and name == who.name:
        raise ApiError(409, "self_lockout", "you cannot change your own role")
    if values:
        old = {key: getattr(user, key) for key in values}
        people_store.set_user(db, name, **values)
        _audit(db, today, who, "user_changed", "user", user.id, name, {"from": old, "to": values})
        db.commit()
    return _done(request, who, "admin.user_changed", name)


@router.post(USERS + "/{name}/active")
def set_active(request: Request, name: str, who: Admin, db: DbSession, today: Today,
               active: Annotated[str, Form()] = "") -> Response:
    user = _user(db, name)
    wanted = _choice(active, ("0", "1"), "active") == "1"
    if not wanted and name == who.name:
        raise ApiError(409, "self_lockout", "you cannot disable yourself")
    people_store.set_user(db, name, active=wanted)
    _audit(db, today, who, "user_enabled" if wanted else "user_disabled", "user", user.id,
           name, {})
    db.commit()
    return _done(request, who, "admin.user_enabled" if wanted else "admin.user_disabled", name)


@router.post(USERS + "/{name}/password")
def reset_password(request: Request, name: str, who: Admin, db: DbSession, today: Today,
                   password: Annotated[str, Form()] = "") -> Response:
    user = _user(db, name)
    people_store.set_user(db, name, password_hash=_hash(password))
    _audit(db, today, who, "password_reset", "user", user.id, name, {})
    db.commit()
    return _done(request, who, "admin.password_reset", name)


@router.post("/admin/tokens/{name}/revoke")
def revoke_token(request: Request, name: str, who: Admin, db: DbSession, today: Today
                 ) -> Response:
    if not people_store.revoke_token(db, name):
        raise ApiError(404, "not_found", f"no live token {name!r}")
    _audit(db, today, who, "token_revoked", "token", None, name, {})
    db.commit()
    return _done(request, who, "admin.token_revoked", name)
