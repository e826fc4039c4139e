"""`arflow writeoff INV` proposes, approves or rejects a write-off; `arflow writeoffs` lists
them. The rules are in workflows/writeoffs.py; the operator at the shell decides like a
credit manager (``--approve``, ``--reject``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer

from arflow.cli.context import actor, database, fail, options_named, run_in_session, today
from arflow.cli.output import console, emit_json, money, table
from ledger.money import parse_money

JSON_FIELDS = ("id", "invoice", "customer_code", "amount", "currency", "reason", "status",
               "proposed_by", "proposed_on", "decided_by", "decided_on", "decision_note")


def _amount(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_money(value, allow_negative=True)  # the sign is the workflow's to judge
    except ValueError as exc:
        fail(f"--amount: {exc}")


def _check(reason: str | None, amount: str | None, approve: bool, reject: bool,
           note: str | None) -> None:
    """The combinations that mean something; anything else is one line and exit 2."""
    if approve and reject:
        fail("--approve and --reject: one or the other")
    if reject and (reason is not None or amount is not None):
        fail("--reject: takes only --note (why), not a new --reason or --amount")
    if amount is not None and reason is None:
        fail("--amount: only with --reason (a new proposal)")
    if reason is None and not (approve or reject):
        fail("--reason: say why to propose a write-off (or --approve / --reject the one "
             "waiting)")
    if note is not None and not (approve or reject):
        fail("--note: goes with --approve or --reject")


def writeoff_command(
    invoice: str = typer.Argument(..., help="Invoice number."),
    reason: str | None = typer.Option(None, "--reason", help="Why it is lost (proposes)."),
    amount: str | None = typer.Option(None, "--amount",
                                      help="Part of the balance (default: all of it)."),
    approve: bool = typer.Option(False, "--approve",
                                 help="Approve the waiting proposal (with --reason: this one)."),
    reject: bool = typer.Option(False, "--reject", help="Reject the waiting proposal."),
    note: str | None = typer.Option(None, "--note", help="The decision's note (why)."),
) -> None:
    """Propose writing a receivable off, and/or approve or reject the proposal waiting."""
    from ledger.reads import writeoffs as reads
    from workflows import writeoffs

    _check(reason, amount, approve, reject, note)
    value = _amount(amount)
    who, day = actor(), today()

    def act(session: Any) -> tuple[str, Any, Decimal | None]:
        if reason is not None:
            wid = writeoffs.propose_writeoff(session, invoice, reason, day, who, value)
        else:
            wid = writeoffs.open_writeoff(session, invoice)
        left = None
        if approve:
            left = writeoffs.approve_writeoff(session, wid, day, who, note or "")
        elif reject:
            writeoffs.reject_writeoff(session, wid, note or "", day, who)
        return ("approved" if approve else "rejected" if reject else "proposed",
                reads.one(session, wid), left)

    done, row, left = run_in_session(act, options_named("reason", "amount", "note"))
    line = f"{invoice}: write-off #{row.id} of {money(row.amount)} {row.currency} {done}"
    if left is not None:
        line += f"; balance {money(left)}" + (" (written off)" if left == 0 else "")
    console.print(line)


def writeoffs_command(
    status: str | None = typer.Option(None, "--status", help="proposed | approved | rejected"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Write-offs: those waiting oldest first with --status proposed, else newest first."""
    from ledger.db import session_scope
    from ledger.reads.writeoffs import STATUSES, listing

    if status is not None and status not in STATUSES:
        fail(f"--status: one of {', '.join(STATUSES)}, not {status!r}")
    with session_scope(database()) as session:
        rows, _ = listing(session, status=status)
    if as_json:
        emit_json([{k: v for k, v in r.as_dict().items() if k in JSON_FIELDS} for r in rows])
        return
    table(
        f"write-offs ({len(rows)})",
        ["id", "invoice", "customer", "amount", "cur", "status", "reason", "proposed",
         "decided"],
        [[r.id, r.invoice, r.customer_code, money(r.amount), r.currency, r.status, r.reason,
          f"{r.proposed_on} {r.proposed_by}",
          f"{r.decided_on} {r.decided_by}" if r.decided_on else ""] for r in rows],
        right=["amount"],
    )
