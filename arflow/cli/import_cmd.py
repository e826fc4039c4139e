"""`arflow import customers|contacts|receivables|payments FILE [--sheet S]`: a CSV or an
Excel workbook, all rows or none."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from arflow.cli.context import database, err_console, fail, settings, today
from arflow.cli.output import emit_json, table


class Kind(StrEnum):
    customers = "customers"
    contacts = "contacts"
    receivables = "receivables"
    payments = "payments"


def import_command(
    kind: Kind = typer.Argument(..., help="What the file holds."),
    file: Path = typer.Argument(
        ..., help="CSV file (UTF-8 with or without BOM, or GBK) or Excel workbook (.xlsx)."),
    mapping: Path | None = typer.Option(None, "--mapping", help="YAML renaming foreign columns."),
    encoding: str | None = typer.Option(
        None, "--encoding",
        help="Force an encoding (e.g. cp1252, gbk, utf-16): the answer when arflow asks.",
    ),
    sheet: str | None = typer.Option(
        None, "--sheet", help="The workbook's sheet, by name or number (default: the first)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import a CSV export or an Excel workbook. One bad row rejects the whole file, listing
    every bad row under the file's own column header (and cell, for a workbook).

    A damaged file (a NUL, an overlong cell, a quote the file ends inside) is refused the
    same way; a file that reads as text in two encodings asks which one (exit 2). A
    receivable or payment without a currency gets the book currency (``book_currency``)
    when nothing else tells (see ledger/importers/payments.py).
    """
    from ledger.db import session_scope
    from ledger.importers import ImportFailed, import_file
    from ledger.importers.source import Mapping, SourceError
    from workflows.actions import open_dispute, settle_touched

    if not file.exists():
        fail(f"{file}: no such file")
    try:
        loaded = Mapping.load(mapping) if mapping else None
        with session_scope(database()) as session:
            result = import_file(session, kind.value, file, loaded, encoding, sheet,
                                 book_currency=settings().book_currency)
            done = settle_touched(session, result.touched_receivables, today(), "import")
            for number in result.to_dispute:  # flagged disputed in the source system
                open_dispute(session, number, "disputed in the source system", today(),
                             actor="import")
    except SourceError as exc:
        fail(str(exc))
    except ImportFailed as exc:
        for error in exc.errors:
            err_console.print(str(error), markup=False)
        err_console.print(
            f"arflow: {file}: rejected, {len(exc.errors)} bad row(s); nothing imported",
            markup=False,
        )
        raise typer.Exit(2) from None
    settled = done.settled
    data = {**result.as_dict(), "settled": settled, "reopened": done.reopened,
            "disputed": len(result.to_dispute)}
    if as_json:
        emit_json(data)
        return
    table(
        f"import {kind.value}",
        ["file", "rows", "inserted", "updated", "unchanged", "settled", "disputed"],
        [[file.name, data["rows"], data["inserted"], data["updated"], data["unchanged"], settled,
          data["disputed"]]],
    )
