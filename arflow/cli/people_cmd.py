"""`arflow user add|list|set` and `arflow token create|list|revoke`: the commands of
workflows/people.py, the same the admin pages run, validated there and audited with
``cli:<os user>``."""

from __future__ import annotations

import sys

import typer

from arflow.cli.context import actor, fail, refusals, run_in_session, today
from arflow.cli.order_cmd import JSON
from arflow.cli.output import console, emit_json, table
from workflows import people

user_app = typer.Typer(help="People who sign in to the web app.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for systems (ERP) calling the API.",
                        no_args_is_help=True)
# a refusal about one of these fields names the option it came from
OPTIONS = {"role": "--role", "language": "--language"}


def _read_password(from_stdin: bool) -> str:
    """Prompted twice (hidden) on a terminal; one line from stdin for scripts."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


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

    with refusals(OPTIONS):  # before the prompt: nobody types a password twice for nothing
        name = people.check_name(name)
        people.check_choice(role, people.ROLES, "role")
        people.check_choice(language, people.LANGUAGES, "language")
    password = _read_password(password_stdin)
    run_in_session(lambda s: people.add_user(s, name, role, language, password, hash_password,
                                             on_date=today(), actor=actor()), OPTIONS)
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

    if role is None and language is None and active is None and not (password or password_stdin):
        fail("nothing to change: give --role, --language, --password or --active/--disabled")
    with refusals(OPTIONS):
        if role is not None:
            people.check_choice(role, people.ROLES, "role")
        if language is not None:
            people.check_choice(language, people.LANGUAGES, "language")
    secret = _read_password(password_stdin) if password or password_stdin else None
    run_in_session(lambda s: people.set_user(s, name, role=role, language=language,
                                             active=active, password=secret,
                                             hasher=hash_password, on_date=today(),
                                             actor=actor()), OPTIONS)
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

    secret = new_token()
    token = run_in_session(lambda s: people.create_token(s, name, role, digest(secret),
                                                         on_date=today(), actor=actor()),
                           OPTIONS)
    console.print(f"token {token.name} ({role}) created; it is shown once, keep it now:",
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
    """Revoke a token: it stops working at once."""
    run_in_session(lambda s: people.revoke_token(s, name, on_date=today(), actor=actor()))
    console.print(f"token {name} revoked")
