"""Writing a report as a table (Rich), CSV, XLSX (openpyxl) or JSON.

A report is handed over as sheets (title, columns, rows of plain values) for the three
grid formats, and as its ``as_dict()`` for JSON, which keeps every figure exact (money
as a JSON number digit for digit, never a float's guess). CSV and XLSX write money as
the exact decimal too: XLSX cells hold a number formatted with two decimals.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from arflow.cell_text import as_text_cell, csv_cell
from arflow.cli.output import console, dumps

FORMATS = ("table", "csv", "xlsx", "json")


@dataclass
class Sheet:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    right: set[str] = field(default_factory=set)  # columns shown right-aligned (numbers)


def show(value: Any) -> str:
    """A cell for people: money with thousands separators, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return value.isoformat() if isinstance(value, date) else str(value)


def write_table(sheets: list[Sheet]) -> None:
    """Rich tables; a table wider than the terminal is printed whole, never with
    figures cut to "1,234,…" (a report's numbers are read, not glanced at)."""
    from rich.console import Console
    from rich.table import Table

    for sheet in sheets:
        grid = Table(title=sheet.title, title_justify="left")
        widths = [len(c) for c in sheet.columns]
        for column in sheet.columns:
            grid.add_column(
                column, justify="right" if column in sheet.right else "left", no_wrap=True
            )
        for row in sheet.rows:
            cells = [show(v) for v in row]
            widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=False)]
            grid.add_row(*cells)
        needed = sum(widths) + 3 * len(widths) + 1
        if needed <= console.width:
            console.print(grid)
        else:
            Console(file=console.file, width=needed, highlight=False).print(grid)


def csv_text(sheets: list[Sheet]) -> str:
    """One CSV; several sheets are separated by a blank line and a ``# title`` line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for i, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if i:
                writer.writerow([])
            writer.writerow([csv_cell(f"# {sheet.title}")])
        writer.writerow([csv_cell(c) for c in sheet.columns])
        for row in sheet.rows:
            writer.writerow(
                [
                    ""
                    if v is None
                    else v.isoformat()
                    if isinstance(v, date)
                    else f"{v:f}"
                    if isinstance(v, Decimal)
                    else csv_cell(v)
                    for v in row
                ]
            )
    return buffer.getvalue()


def write_xlsx(sheets: list[Sheet], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in sheets:
        ws = book.create_sheet(_sheet_name(sheet.title, book.sheetnames))
        ws.append(sheet.columns)
        for cell, value in zip(ws[1], sheet.columns, strict=False):
            cell.font = Font(bold=True)
            as_text_cell(cell, value)
        for row in sheet.rows:
            ws.append(row)
            for cell, value in zip(ws[ws.max_row], row, strict=False):
                as_text_cell(cell, value)
                if isinstance(value, Decimal):
                    cell.number_format = "#,##0.00" if value.as_tuple().exponent == -2 else "0.####"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        for i, column in enumerate(sheet.columns, start=1):
            width = max([len(column), *(len(show(r[i - 1])) for r in sheet.rows)] or [8])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(40, width + 2)
    book.save(path)


def _sheet_name(title: str, taken: list[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ and unique."""
    name = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "report"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}_{n}"
        n += 1
    return name


def emit(
    fmt: str, sheets: list[Sheet], data: dict[str, Any], output: Path | None, name: str
) -> Path | None:
    """Write in ``fmt`` to ``output`` (stdout when None; XLSX then goes to ``name``.xlsx).

    Returns the file written, if any, so the caller can say where it went."""
    if fmt == "xlsx":
        target = output or Path(f"{name}.xlsx")
        write_xlsx(sheets, target)
        return target
    if fmt == "table" and output is None:
        write_table(sheets)
        return None
    text = dumps(data) + "\n" if fmt == "json" else csv_text(sheets)
    if fmt == "table":  # a table into a file: plain text, no colours
        from rich.console import Console

        buffer = io.StringIO()
        plain = Console(file=buffer, width=200, color_system=None)
        original = console.file
        console.file = plain.file
        try:
            write_table(sheets)
        finally:
            console.file = original
        text = buffer.getvalue()
    if output is None:
        sys.stdout.write(text)
        return None
    output.write_text(text, encoding="utf-8")
    return output
