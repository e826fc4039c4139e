"""`arflow user add|list|set|disable` and `arflow token create|list|revoke`."""

from __future__ import annotations

import sys

import typer

from arflow.auth import ROLES, TOKEN_ROLES
from arflow.cli.context import fail
from arflow.cli.order_cmd import JSON, actor, run_in_session
from arflow.cli.output import console, emit_json, table

user_app = typer.Typer(help="People who sign in to the web app.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for systems (ERP) calling the API.",
                        no_args_is_help=True)
LANGUAGES = ("zh-CN", "en")


def _check(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        fail(f"{option}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _read_password(from_stdin: bool) -> str:
    """Prompted twice (hidden) on a terminal; one line from stdin for scripts."""
    from arflow.auth.passwords import MIN_LENGTH

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_LENGTH:
        fail(f"a password needs at least {MIN_LENGTH} characters")
    return password


@user_app.command("add")
def user_add_command(
    name: str = typer.Argument(..., help="Sign-in name (also the collector name on customers)."),
    role: str = typer.Option(..., "--role", help="collector, credit_manager or admin."),
    language: str = typer.Option("zh-CN", "--language", help="UI language: zh-CN or en."),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from stdin (one line)."),
) -> None:
    """Add a user; the password is prompted and stored as an Argon2id hash."""
    from arflow.auth.passwords import hash_password
    from ledger.people_store import add_user

    _check(role, ROLES, "--role")
    _check(language, LANGUAGES, "--language")
    if not name.strip() or len(name) > 64:
        fail("NAME: 1 to 64 characters")
    hashed = hash_password(_read_password(password_stdin))
    run_in_session(lambda s: add_user(s, name, role, hashed, language))
    console.print(f"user {name} added ({role})")


@user_app.command("set")
def user_set_command(
    name: str = typer.Argument(...),
    role: str | None = typer.Option(None, "--role"),
    language: str | None = typer.Option(None, "--language"),
    password: bool = typer.Option(False, "--password", help="Prompt for a new password."),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
    active: bool | None = typer.Option(None, "--active/--disabled"),
) -> None:
    """Change a user's role, language, password or whether they may sign in."""
    from arflow.auth.passwords import hash_password
    from ledger.people_store import set_user

    values: dict[str, object] = {}
    if role is not None:
        values["role"] = _check(role, ROLES, "--role")
    if language is not None:
        values["language"] = _check(language, LANGUAGES, "--language")
    if password or password_stdin:
        values["password_hash"] = hash_password(_read_password(password_stdin))
    if active is not None:
        values["active"] = active
    if not values:
        fail("nothing to change: give --role, --language, --password or --active/--disabled")
    run_in_session(lambda s: set_user(s, name, **values))
    console.print(f"user {name} updated")


@user_app.command("list")
def user_list_command(as_json: bool = JSON) -> None:
    from ledger.people_store import list_users

    rows = [{"name": u.name, "role": u.role, "language": u.language, "active": u.active}
            for u in run_in_session(list_users)]
    if as_json:
        emit_json(rows)
        return
    table("users", ["name", "role", "language", "active"],
          [[r["name"], r["role"], r["language"], "yes" if r["active"] else "no"] for r in rows])


@token_app.command("create")
def token_create_command(
    name: str = typer.Option(..., "--name", help="Which system uses it, e.g. erp."),
    role: str = typer.Option("system", "--role",
                             help="system (default: feeds the ledger, places orders), "
                                  "collector, credit_manager or admin."),
) -> None:
    """Create a token and print it once; only its SHA-256 is stored."""
    from arflow.auth.tokens import digest, new_token
    from ledger.people_store import add_token

    _check(role, TOKEN_ROLES, "--role")
    secret = new_token()
    run_in_session(lambda s: add_token(s, name, role, digest(secret), actor()))
    console.print(f"token {name} ({role}) created; it is shown once, keep it now:",
                  highlight=False)
    print(secret)


@token_app.command("list")
def token_list_command(as_json: bool = JSON) -> None:
    from ledger.people_store import list_tokens

    rows = [{"name": t.name, "role": t.role, "created_by": t.created_by,
             "created_at": t.created_at.isoformat(timespec="seconds"),
             "revoked": t.revoked_at is not None} for t in run_in_session(list_tokens)]
    if as_json:
        emit_json(rows)
        return
    table("API tokens", ["name", "role", "created by", "created", "revoked"],
          [[r["name"], r["role"], r["created_by"], r["created_at"],
            "yes" if r["revoked"] else ""] for r in rows])


@token_app.command("revoke")
def token_revoke_command(name: str = typer.Argument(...)) -> None:
    from ledger.people_store import revoke_token

    if not run_in_session(lambda s: revoke_token(s, name)):
        fail(f"no live token {name!r}")
    console.print(f"token {name} revoked")
