"""`arflow bank import|apply|unapply|lines`: bank statements in, matched to invoices,
applied as payments (cash application). The rules are in workflows/bank.py; this module
reads options and prints."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from arflow.cli.context import (
    actor,
    database,
    err_console,
    fail,
    refusals,
    run_in_session,
    settings,
    today,
)
from arflow.cli.output import console, emit_json, money, table

app = typer.Typer(help="Bank statements: import, match to invoices, apply as payments.",
                  no_args_is_help=True)

OPTIONS = {"option": "--option", "invoice": "--invoice", "amount": "--amount",
           "customer": "--credit"}
SUMMARY = ("lines", "debits_skipped", "inserted", "duplicates", "applied", "proposed",
           "unmatched")


class Format(StrEnum):
    camt053 = "camt053"
    mt940 = "mt940"
    csv = "csv"


class Status(StrEnum):
    unmatched = "unmatched"
    proposed = "proposed"
    applied = "applied"


def _rules():  # type: ignore[no-untyped-def]
    from workflows.bank import BankRules

    bank = settings().bank
    return BankRules(auto_apply_confidence=bank.auto_apply_confidence,
                     charges_tolerance=bank.charges_tolerance)


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="camt.053 XML, MT940, or a bank's CSV/XLSX export."),
    fmt: Format | None = typer.Option(None, "--format",
                                      help="camt053 | mt940 | csv (default: from the content)."),
    mapping: Path | None = typer.Option(None, "--mapping",
                                        help="YAML naming the export's columns (csv)."),
    encoding: str | None = typer.Option(None, "--encoding", help="Force an encoding (gbk…)."),
    sheet: str | None = typer.Option(None, "--sheet", help="The workbook's sheet (xlsx)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Store a statement's credit lines once, propose matches, apply the sure ones.

    A bad file is refused whole (FILE:ROW errors, exit 2); nothing is written.
    """
    from ledger.db import session_scope
    from ledger.importers import ImportFailed
    from ledger.importers.source import SourceError
    from workflows.bank import import_statement

    if not file.exists():
        fail(f"{file}: no such file")
    if mapping is not None and not mapping.exists():
        fail(f"--mapping: {mapping}: no such file")
    rules = _rules()
    try:
        with refusals(), session_scope(database()) as session:  # a lost race: one line
            summary = import_statement(session, file, fmt.value if fmt else None,
                                       today=today(), actor=actor(), rules=rules,
                                       mapping=mapping, encoding=encoding, sheet=sheet,
                                       book_currency=settings().book_currency)
    except SourceError as exc:
        fail(str(exc))
    except ImportFailed as exc:
        for error in exc.errors:
            err_console.print(str(error), markup=False)
        err_console.print(f"arflow: {file}: rejected, {len(exc.errors)} error(s); "
                          "nothing imported", markup=False)
        raise typer.Exit(2) from None
    data = summary.as_dict()
    if as_json:
        emit_json(data)
        return
    table(f"bank import ({data['format']})", ["file", *SUMMARY],
          [[file.name, *(data[k] for k in SUMMARY)]])


def _splits(invoices: list[str], amounts: list[str]) -> list[Any]:
    from ledger.money import parse_money
    from workflows.bank import Split

    if amounts and len(amounts) != len(invoices):
        fail("--amount: one per --invoice (--invoice A --amount 100 --invoice B --amount 50)")
    values = []
    for raw in amounts:
        try:
            values.append(parse_money(raw, allow_negative=True))  # the workflow judges the sign
        except ValueError as exc:
            fail(f"--amount: {exc}")
    return [Split(invoice=invoice, amount=values[i] if values else None)
            for i, invoice in enumerate(invoices)]


@app.command("apply")
def apply_command(
    line: int = typer.Argument(..., help="The bank line's id (`arflow bank lines`)."),
    invoice: list[str] | None = typer.Option(None, "--invoice",
                                             help="An invoice to pay (repeatable)."),
    amount: list[str] | None = typer.Option(
        None, "--amount", help="The amount to the --invoice before it (default: as much of "
                               "the line as its balance takes)."),
    option: int | None = typer.Option(None, "--option", help="Confirm proposal option N."),
    credit: str | None = typer.Option(None, "--credit",
                                      help="Leave it all as unapplied credit on this customer."),
) -> None:
    """Apply a line: to invoices (a split), a proposal, or as credit on a customer."""
    from workflows.bank import apply_line

    invoices, amounts = invoice or [], amount or []
    if amounts and not invoices:
        fail("--amount: goes with --invoice")
    ways = sum((bool(invoices), option is not None, credit is not None))
    if ways != 1:
        fail("say how to apply the line: --invoice (with --amount), --option N or "
             "--credit CUSTOMER")
    splits = _splits(invoices, amounts) if invoices else None
    rules, who, day = _rules(), actor(), today()
    shown = run_in_session(lambda s: apply_line(s, line, today=day, actor=who, rules=rules,
                                                option=option, splits=splits,
                                                credit_customer=credit), OPTIONS)
    console.print(_applied(shown), markup=False)


def _applied(shown: dict[str, Any]) -> str:
    used = [m for m in shown["matches"] if m["state"] == "applied"]
    parts = [f"{m['invoice']} {money(m['amount'])}"
             + (f" (+{money(m['charges'])} charges)" if m["charges"] else "")
             for m in used if m["invoice"]]
    credit = sum((m["amount"] for m in used if not m["invoice"]), start=0)
    if credit:
        parts.append(f"credit {money(credit)}")
    return (f"bank line {shown['id']}: {money(shown['amount'])} {shown['currency']} applied "
            f"for {shown['customer']}: {', '.join(parts)}")


@app.command("unapply")
def unapply_command(line: int = typer.Argument(..., help="The bank line's id.")) -> None:
    """Reverse an applied line: its payments go, the invoices owe again."""
    from workflows.bank import unapply_line

    who, day = actor(), today()
    shown = run_in_session(lambda s: unapply_line(s, line, today=day, actor=who))
    console.print(f"bank line {shown['id']}: unapplied, {shown['status']}", markup=False)


@app.command("lines")
def lines_command(
    status: Status | None = typer.Option(None, "--status",
                                         help="unmatched | proposed | applied"),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Bank lines in the order they came, with their proposals or what was applied."""
    from ledger.db import session_scope
    from ledger.reads.bank import listing

    with session_scope(database()) as session:
        rows, total = listing(session, status=status.value if status else None, limit=limit)
    if as_json:
        emit_json([r.as_dict() for r in rows])
        return
    table(f"bank lines ({len(rows)} of {total}; in full: --json or /bank)",
          ["id", "date", "amount", "payer", "status", "match"],
          [[r.id, r.date, f"{money(r.amount)} {r.currency}", r.payer_name[:12], r.status,
            _best(r)] for r in rows],
          right=["amount"])


def _best(line: Any) -> str:
    """What the line paid, or its best option, in one short cell: ``INV-1 +1 80%`` (the
    option's first invoice, how many more, how sure), ``credit C001`` for credit."""
    shown = [m for m in line.matches if m.state == ("applied" if line.status == "applied"
                                                     else "proposed")]
    if not shown:
        return ""
    option = [m for m in shown if m.option == shown[0].option]
    first = option[0].invoice or f"credit {option[0].customer}"
    more = f" +{len(option) - 1}" if len(option) > 1 else ""
    sure = "" if line.status == "applied" else f" {option[0].confidence:.0%}"
    return f"{first}{more}{sure}"
