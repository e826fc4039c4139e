"""`arflow interest waive C --reason R` / `arflow interest unwaive C`: a credit manager's
waiver of a customer's late-payment interest (the rule and the audit are in
workflows/interest.py; the amounts in `arflow report interest`)."""

from __future__ import annotations

from typing import Any

import typer

from arflow.cli.context import actor, fail, options_named, run_in_session, today
from arflow.cli.output import console

app = typer.Typer(help="Late-payment interest: waive it for a customer, or clear the waiver.",
                  no_args_is_help=True)


@app.command("waive")
def waive_command(
    code: str = typer.Argument(..., help="Customer code."),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept in the audit trail)."),
) -> None:
    """The customer owes no late-payment interest from now on (audited)."""
    from workflows.interest import waive_interest

    if reason is None or not reason.strip():
        fail("--reason: say why the interest is waived (kept in the audit trail)")

    def act(session: Any) -> None:
        waive_interest(session, code, reason, today(), actor())

    run_in_session(act, options_named("reason"))
    console.print(f"{code}: late-payment interest waived ({reason.strip()})", markup=False)


@app.command("unwaive")
def unwaive_command(code: str = typer.Argument(..., help="Customer code.")) -> None:
    """The customer owes late-payment interest again, as the policy computes it (audited)."""
    from workflows.interest import unwaive_interest

    run_in_session(lambda session: unwaive_interest(session, code, today(), actor()))
    console.print(f"{code}: late-payment interest owed again", markup=False)
