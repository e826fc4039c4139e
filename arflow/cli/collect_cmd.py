"""What a collector does from the command line: pause, dispute, resolve, promise."""

from __future__ import annotations

from collections.abc import Callable

import typer

from arflow.cli.context import actor, fail, options_named, parse_day, run_in_session, today
from arflow.cli.output import console


def _act(action: Callable[..., None], message: str, **kwargs: object) -> None:
    """Run one audited action in its own transaction; a refusal is a one-line exit 2."""
    run_in_session(lambda session: action(session, on_date=today(), actor=actor(), **kwargs),
                   options_named("until", "date", "amount"))
    console.print(message)


def pause_command(
    customer: str = typer.Argument(..., help="Customer code."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit log)."),
    until: str | None = typer.Option(None, "--until", help="Reminders resume on this day."),
) -> None:
    """Pause a customer's reminders (until a day, or until `arflow resume`)."""
    from workflows.actions import pause_reminders

    day = parse_day(until, "--until")
    _act(
        pause_reminders,
        f"reminders for {customer} paused" + (f" until {day}" if day else ""),
        code=customer,
        reason=reason,
        until=day,
    )


def resume_command(customer: str = typer.Argument(..., help="Customer code.")) -> None:
    """Resume a customer's reminders."""
    from workflows.actions import resume_reminders

    _act(resume_reminders, f"reminders for {customer} resumed", code=customer)


def dispute_command(
    invoice: str = typer.Argument(..., help="Invoice number."),
    reason: str = typer.Option(..., "--reason", help="What the customer disputes."),
) -> None:
    """Open a dispute: the receivable holds its stage and gets no reminders."""
    from workflows.actions import open_dispute

    _act(open_dispute, f"{invoice} disputed", number=invoice, reason=reason)


def resolve_command(
    invoice: str = typer.Argument(..., help="Invoice number."),
    note: str = typer.Option("", "--note", help="How it was resolved."),
) -> None:
    """Resolve a dispute: the receivable returns to the stage it held."""
    from workflows.actions import resolve_dispute

    _act(resolve_dispute, f"{invoice}: dispute resolved", number=invoice, note=note)


def promise_command(
    invoice: str = typer.Argument(..., help="Invoice number."),
    date_: str = typer.Option(..., "--date", help="The day the customer promises to pay."),
    amount: str | None = typer.Option(None, "--amount", help="Promised amount (default: all)."),
) -> None:
    """Record a promise-to-pay; unpaid after its date it is broken and reminders resume."""
    from workflows.actions import record_promise

    promised = parse_day(date_, "--date")
    from ledger.importers.base import FieldError, parse_amount

    value = None
    if amount is not None:
        try:
            value = parse_amount(amount, allow_zero=False)
        except FieldError as exc:
            fail(f"--amount: {exc}")
    _act(
        record_promise,
        f"{invoice}: promise to pay on {promised} recorded",
        number=invoice,
        promised_date=promised,
        amount=value,
    )
