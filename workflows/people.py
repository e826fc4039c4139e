"""Users and API tokens: every change of either, from the CLI or the web, goes through
these commands, validated once and audited with the actor (``cli:<user>``, ``web:<name>``).

Hashing a password is the shell's business (arflow/auth/passwords.py, which refuses a weak
one): a command that sets a password takes the plain text and the shell's ``hasher``, and
hashes only once the rest is known good. A token's secret never comes here, only its
digest. Refusals are typed (workflows/errors.py): ``Invalid`` with the field, ``Refused``
for a name taken or a change that would lock the person out, ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger import people_store
from ledger.audit import AuditEntry, write_audit
from ledger.models import ApiToken, User
from workflows.errors import Invalid, NotFound, Refused

__all__ = [
    "LANGUAGES", "MAX_NAME", "ROLES", "TOKEN_ROLES", "DuplicateName", "add_user", "check_choice",
    "check_name", "create_token", "revoke_token", "set_user",
]

# who signs in to the web app; systems (API tokens) may also be ``system``
ROLES = ("collector", "credit_manager", "admin")
TOKEN_ROLES = ("system", *ROLES)
LANGUAGES = ("zh-CN", "en")  # the web app's languages (arflow/web/i18n.py)
MAX_NAME = 64
NAME_RULE = f"a name is 1 to {MAX_NAME} characters without spaces"

Hasher = Callable[[str], str]


class DuplicateName(Refused):
    """A user or token of that name exists already (the API's ``conflict``, 409)."""

    code = "conflict"


def check_name(name: str) -> str:
    """The one rule for user and token names: 1 to 64 characters, no whitespace (space
    around it is dropped). Also the collector name on customers, so it must be exact."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(c.isspace() for c in name):
        raise Invalid(NAME_RULE, code="invalid_name", field="name")
    return name


def check_choice(value: str, allowed: tuple[str, ...], field: str) -> str:
    """``value`` if it is one of ``allowed``, else ``Invalid`` with code ``invalid_<field>``."""
    if value not in allowed:
        raise Invalid(f"{value!r} is not one of {', '.join(allowed)}",
                      code=f"invalid_{field}", field=field)
    return value


def _audit(session: Any, on_date: date, actor: str, action: str, entity: str,
           entity_id: int | None, subject: str, details: dict[str, Any] | None = None) -> None:
    write_audit(session, [AuditEntry(on_date, actor, action, entity, entity_id, subject,
                                         details=details)])


def _user(session: Any, name: str) -> User:
    user = people_store.find_user(session, name)
    if user is None:
        raise NotFound(f"no user {name!r}", field="name")
    return user


def add_user(session: Any, name: str, role: str, language: str, password: str,
             hasher: Hasher, *, on_date: date, actor: str) -> User:
    """A new user who may sign in; audited ``user_added``."""
    name = check_name(name)
    check_choice(role, ROLES, "role")
    check_choice(language, LANGUAGES, "language")
    if people_store.find_user(session, name) is not None:
        raise DuplicateName(f"user {name!r} exists already", field="name")
    user = people_store.add_user(session, name, role, hasher(password), language)
    _audit(session, on_date, actor, "user_added", "user", user.id, name,
           {"role": role, "language": language})
    return user


def set_user(session: Any, name: str, *, on_date: date, actor: str,
             role: str | None = None, language: str | None = None,
             active: bool | None = None, password: str | None = None,
             hasher: Hasher | None = None, by_user: str | None = None) -> User:
    """Change a user's role or language (``user_changed``, only what differs), whether
    they may sign in (``user_enabled`` / ``user_disabled``) and their password
    (``password_reset``); disabling or a new password ends their sessions.

    ``by_user`` is the signed-in person making the change (None from the CLI): they may
    not change their own role or disable themselves, so the last way in is never lost
    by a slip.
    """
    user = _user(session, name)
    changes: dict[str, str] = {}
    if role is not None and role != user.role:
        changes["role"] = check_choice(role, ROLES, "role")
    if language is not None and language != user.language:
        changes["language"] = check_choice(language, LANGUAGES, "language")
    if by_user is not None and name == by_user:
        if "role" in changes:
            raise Refused("you cannot change your own role", code="self_lockout", field="role")
        if active is False:
            raise Refused("you cannot disable yourself", code="self_lockout", field="active")
    password_hash = None
    if password is not None:
        if hasher is None:
            raise TypeError("a new password needs the shell's hasher")
        password_hash = hasher(password)  # may refuse a weak one: before anything is written
    if changes:
        old = {key: getattr(user, key) for key in changes}
        people_store.set_user(session, name, **changes)
        _audit(session, on_date, actor, "user_changed", "user", user.id, name,
               {"from": old, "to": changes})
    if password_hash is not None:
        people_store.set_user(session, name, password_hash=password_hash)
        _audit(session, on_date, actor, "password_reset", "user", user.id, name)
    if active is not None:
        people_store.set_user(session, name, active=active)
        _audit(session, on_date, actor, "user_enabled" if active else "user_disabled", "user",
               user.id, name)
    return user


def create_token(session: Any, name: str, role: str, token_hash: str, *, on_date: date,
                 actor: str) -> ApiToken:
    """A bearer token for a system; only its digest is stored. Audited ``token_created``."""
    name = check_name(name)
    check_choice(role, TOKEN_ROLES, "role")
    try:
        token = people_store.add_token(session, name, role, token_hash, actor)
    except people_store.DuplicateName as exc:
        raise DuplicateName(str(exc), field="name") from None
    _audit(session, on_date, actor, "token_created", "token", token.id, name, {"role": role})
    return token


def revoke_token(session: Any, name: str, *, on_date: date, actor: str) -> None:
    """The token stops working at once; audited ``token_revoked``."""
    if not people_store.revoke_token(session, name):
        raise NotFound(f"no live token {name!r}", field="name")
    _audit(session, on_date, actor, "token_revoked", "token", None, name)
