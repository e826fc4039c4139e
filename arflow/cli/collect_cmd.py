"""What a collector does from the command line: pause, dispute, resolve, promise, plan;
and the promises and plans listed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import typer

from arflow.cli.context import (
    actor,
    database,
    fail,
    options_named,
    parse_day,
    run_in_session,
    today,
)
from arflow.cli.output import console, emit_json, money, table


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


def _amount(text: str, option: str, *, allow_zero: bool = False) -> Decimal:
    from ledger.money import parse_money

    try:
        return parse_money(text, allow_zero=allow_zero)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _invoices(text: str | None) -> list[str] | None:
    """``--invoices A,B``: the numbers, in the order given."""
    if text is None:
        return None
    numbers = [n.strip() for n in text.split(",") if n.strip()]
    if not numbers:
        fail("--invoices: name at least one invoice (A,B,...)")
    return numbers


def promise_command(
    invoice: str | None = typer.Argument(
        None, help="Invoice number (or --customer for the customer's promise)."),
    date_: str = typer.Option(..., "--date", help="The day the customer promises to pay by."),
    amount: str | None = typer.Option(
        None, "--amount", help="Promised amount (default: all of what is covered)."),
    customer: str | None = typer.Option(
        None, "--customer", help="Customer code: a promise on its account."),
    invoices: str | None = typer.Option(
        None, "--invoices", help="With --customer: exactly these invoices (A,B); default: its "
        "open invoices oldest due first until their balances reach the amount."),
) -> None:
    """Record a promise to pay: on one invoice, or on a customer's account; covered
    invoices get no reminders until its date, kept when the customer's payments dated by
    then reach the amount, else broken the day after."""
    from workflows.promises import record_customer_promise, record_promise

    if (invoice is None) == (customer is None):
        fail("name an invoice, or a customer with --customer (not both)")
    if invoice is not None and invoices is not None:
        fail("--invoices: only with --customer")
    promised = parse_day(date_, "--date")
    value = None if amount is None else _amount(amount, "--amount")
    options = options_named("date", "amount", *(("invoices",) if customer else ()))
    if invoice is not None:
        done = run_in_session(lambda session: record_promise(
            session, number=invoice, promised_date=promised, on_date=today(), actor=actor(),
            amount=value), options)
    else:
        done = run_in_session(lambda session: record_customer_promise(
            session, code=customer, promised_date=promised, amount=value, on_date=today(),
            actor=actor(), invoices=_invoices(invoices)), options)
    what = "all" if value is None else money(value)
    console.print(f"{done.customer_code}: promise to pay {what} by {promised} recorded "
                  f"(covers {', '.join(done.receivables)})")


def _instalment(text: str) -> tuple[date, Decimal]:
    day, sep, amount = text.partition(":")
    if not sep:
        fail(f"--instalment: DATE:AMOUNT (2026-12-15:50000), not {text!r}")
    found = parse_day(day.strip(), "--instalment")
    assert found is not None
    return found, _amount(amount, "--instalment", allow_zero=True)


def plan_command(
    customer: str = typer.Argument(..., help="Customer code."),
    instalment: list[str] = typer.Option(
        ..., "--instalment", help="DATE:AMOUNT, once per instalment (2026-12-15:50000)."),
    invoices: str | None = typer.Option(
        None, "--invoices", help="Exactly these invoices (A,B); default: the customer's open "
        "invoices oldest due first up to the plan's total."),
    note: str = typer.Option("", "--note", help="What was agreed (kept with the plan)."),
) -> None:
    """Record a payment plan: covered invoices get no reminders while it is kept; a missed
    instalment breaks it (reminders resume and the collector gets a call task)."""
    from workflows.promises import record_plan

    steps = [_instalment(text) for text in instalment]
    done = run_in_session(lambda session: record_plan(
        session, code=customer, instalments=steps, on_date=today(), actor=actor(),
        invoices=_invoices(invoices), note=note),
        {"instalments": "--instalment", "invoices": "--invoices"})
    total = sum((amount for _, amount in steps), Decimal(0))
    console.print(f"{done.customer_code}: payment plan {done.plan_id} of {len(steps)} "
                  f"instalments ({money(total)}) recorded (covers {', '.join(done.receivables)})")


JSON = typer.Option(False, "--json", help="Print a JSON array for scripts.")


def _status(status: str | None) -> str | None:
    from ledger.reads.promises import STATUSES

    if status is not None and status not in STATUSES:
        fail(f"--status: one of {', '.join(STATUSES)}, not {status!r}")
    return status


def promises_command(
    customer: str | None = typer.Option(None, "--customer", help="Customer code."),
    status: str | None = typer.Option(None, "--status", help="open, kept, broken, cancelled."),
    as_json: bool = JSON,
) -> None:
    """Customer promises to pay (a plan's instalments: `arflow plans`), newest first."""
    from ledger.db import session_scope
    from ledger.reads import promises

    wanted = _status(status)
    with session_scope(database()) as session:
        found = promises.promises(session, customer=customer, status=wanted)
    if as_json:
        emit_json([p.as_dict() for p in found])
        return
    table(f"promises ({len(found)})",
          ["id", "customer", "date", "amount", "status", "broken on", "invoices"],
          [[p.id, p.customer_code, p.promised_date, money(p.amount) or "all", p.status,
            p.broken_on, ", ".join(p.receivables)] for p in found], right=["amount"])


def plans_command(
    customer: str | None = typer.Option(None, "--customer", help="Customer code."),
    status: str | None = typer.Option(None, "--status", help="open, kept, broken, cancelled."),
    as_json: bool = JSON,
) -> None:
    """Payment plans with their instalments, newest first."""
    from ledger.db import session_scope
    from ledger.reads import promises

    wanted = _status(status)
    with session_scope(database()) as session:
        found = promises.plans(session, customer=customer, status=wanted)
    if as_json:
        emit_json([p.as_dict() for p in found])
        return
    table(f"payment plans ({len(found)})",
          ["id", "customer", "status", "instalments", "total", "invoices"],
          [[p.id, p.customer_code, p.status,
            "; ".join(f"{i.promised_date} {money(i.amount)} {i.status}" for i in p.instalments),
            money(p.total), ", ".join(p.receivables)] for p in found], right=["total"])
