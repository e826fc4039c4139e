"""`arflow contact add|set|list`: the people at a customer, through workflows/contacts.py
(the same commands the customer page and the API run), audited with ``cli:<os user>``."""

from __future__ import annotations

from typing import Any

import typer

from arflow.cli.context import actor, fail, run_in_session, today
from arflow.cli.order_cmd import JSON
from arflow.cli.output import console, emit_json, table
from workflows import contacts

app = typer.Typer(help="The people at a customer: whom to call, who gets the reminders.",
                  no_args_is_help=True)
TEXT_FIELDS = ("role", "phone", "mobile", "email", "wechat", "language")
# a refusal about one of these fields names the option it came from
ADD_OPTIONS = {**{f: f"--{f}" for f in TEXT_FIELDS}, "name": "--name"}
SET_OPTIONS = {**{f: f"--{f}" for f in TEXT_FIELDS}, "name": "--rename",
               "contact": "--name", "id": "--id"}

CODE = typer.Argument(..., help="The customer's code.")
ROLE = typer.Option(None, "--role", help="What they do there, e.g. 财务经理.")
PHONE = typer.Option(None, "--phone", help="Office phone: digits, spaces, + - ( ), "
                                           "an extension as 'ext. 12' or '转12'.")
MOBILE = typer.Option(None, "--mobile", help="Mobile phone.")
EMAIL = typer.Option(None, "--email", help="One email address.")
WECHAT = typer.Option(None, "--wechat", help="WeChat ID.")
LANGUAGE = typer.Option(None, "--language",
                        help="zh-CN or en; empty ('') for the customer's language.")


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _row(code: str, contact: Any) -> dict[str, Any]:
    return {"customer_code": code, "id": contact.id, **contact.values()}


@app.command("add")
def add_command(
    code: str = CODE,
    name: str = typer.Option(..., "--name", help="The person's name (unique per customer)."),
    role: str | None = ROLE, phone: str | None = PHONE, mobile: str | None = MOBILE,
    email: str | None = EMAIL, wechat: str | None = WECHAT, language: str | None = LANGUAGE,
    billing: bool = typer.Option(False, "--billing",
                                 help="They receive the reminders and statements."),
) -> None:
    """Add a contact to a customer."""
    values = _given(name=name, role=role, phone=phone, mobile=mobile, email=email,
                    wechat=wechat, language=language, billing=billing)
    found = run_in_session(lambda s: contacts.add_contact(s, code, values, on_date=today(),
                                                          actor=actor()), ADD_OPTIONS)
    console.print(f"contact {found.name} (#{found.id}) added to {code}"
                  + (", billing" if found.billing else ""), highlight=False)


@app.command("set")
def set_command(
    code: str = CODE,
    name: str | None = typer.Option(None, "--name", help="The contact to change, by name."),
    contact_id: int | None = typer.Option(None, "--id", help="... or by id (see list)."),
    rename: str | None = typer.Option(None, "--rename", help="A new name."),
    role: str | None = ROLE, phone: str | None = PHONE, mobile: str | None = MOBILE,
    email: str | None = EMAIL, wechat: str | None = WECHAT, language: str | None = LANGUAGE,
    billing: bool | None = typer.Option(None, "--billing/--no-billing",
                                        help="Whether they receive the reminders."),
) -> None:
    """Change a contact: only the options given change ('' clears a field)."""
    if (name is None) == (contact_id is None):
        fail("name the contact with --name or --id (one of them)")
    values = _given(name=rename, role=role, phone=phone, mobile=mobile, email=email,
                    wechat=wechat, language=language, billing=billing)
    if not values:
        fail("nothing to change: give --rename, --role, --phone, --mobile, --email, "
             "--wechat, --language or --billing/--no-billing")
    found = run_in_session(
        lambda s: contacts.set_contact(s, code, values, name=name, contact_id=contact_id,
                                       on_date=today(), actor=actor()), SET_OPTIONS)
    console.print(f"contact {found.name} (#{found.id}) of {code} updated", highlight=False)


@app.command("list")
def list_command(
    code: str | None = typer.Argument(None, help="One customer's (default: everyone's)."),
    as_json: bool = JSON,
) -> None:
    """Contacts, billing ones first; --json for scripts."""
    from ledger.contact_store import listing

    if code is None:
        rows = [_row(c, contact) for c, contact in run_in_session(listing)]
    else:
        rows = [_row(code, contact) for contact in
                run_in_session(lambda s: contacts.list_contacts(s, code))]
    if as_json:
        emit_json(rows)
        return
    table("contacts", ["customer", "id", "name", "role", "phone", "mobile", "email", "wechat",
                       "language", "billing"],
          [[r["customer_code"], r["id"], r["name"], r["role"], r["phone"], r["mobile"],
            r["email"], r["wechat"], r["language"] or "—", "yes" if r["billing"] else ""]
           for r in rows])
