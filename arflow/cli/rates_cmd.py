"""`arflow rates [--currency C] [--json]` and `arflow rates import rates.csv`: the exchange
rates that state other currencies in the book currency (workflows/rates.py checks and
records them; engine/fx.py converts)."""

from __future__ import annotations

from pathlib import Path

import typer

from arflow.cli.context import actor, database, fail, run_in_session, settings, today
from arflow.cli.output import console, emit_json, table

app = typer.Typer(help="Exchange rates into the book currency: list them, import a file.",
                  invoke_without_command=True)

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.callback()
def rates_command(
    ctx: typer.Context,
    currency: str | None = typer.Option(None, "--currency", help="Only this currency."),
    as_json: bool = JSON,
) -> None:
    """The stored rates, by currency then day (units of the book currency per unit)."""
    if ctx.invoked_subcommand is not None:
        return
    from engine.currency import UnknownCurrency, normalize_currency
    from ledger import fx_store
    from ledger.db import session_scope

    code = None
    if currency is not None:
        try:
            code = normalize_currency(currency)
        except UnknownCurrency as exc:
            fail(f"--currency: {exc}")
    book = settings().book_currency
    with session_scope(database()) as session:
        rows = fx_store.listing(session, code)
    if as_json:
        emit_json([{"date": r.on_date, "currency": r.currency, "rate": r.rate,
                    "book_currency": book} for r in rows])
        return
    if not rows:
        console.print(f"no {code + ' ' if code else ''}rates: import them with "
                      "`arflow rates import rates.csv`", markup=False)
        return
    table(f"Rates (units of {book} per unit)", ("date", "currency", "rate"),
          ((r.on_date, r.currency, f"{r.rate:f}") for r in rows), right=("rate",))


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="CSV with columns date,currency,rate."),
    as_json: bool = JSON,
) -> None:
    """Check every row, then store them all (a day already known gets the new rate)."""
    from workflows.rates import import_rates, read_csv

    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except UnicodeDecodeError:
        fail(f"{file}: not UTF-8 text")
    except OSError as exc:
        fail(f"{file}: {exc.strerror or exc}")
    book = settings().book_currency
    stored = run_in_session(lambda s: import_rates(
        s, read_csv(text, file.name), book, file.name, today(), actor()))
    if as_json:
        emit_json({"added": stored.added, "updated": stored.updated,
                   "unchanged": stored.unchanged, "book_currency": book})
        return
    console.print(f"rates imported from {file.name}: {stored.added} added, {stored.updated} "
                  f"updated, {stored.unchanged} unchanged (units of {book})", markup=False)
