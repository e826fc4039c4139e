"""Printing for people (Rich tables) and for scripts (--json: exact, stable field names)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arflow.jsonout import dumps

__all__ = ["console", "dumps", "emit_json", "money", "progress_bar", "table"]

console = Console(highlight=False)


def emit_json(data: Any) -> None:
    sys.stdout.write(dumps(data) + "\n")


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], right: Sequence[str] = ()
) -> None:
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        grid.add_row(*("" if v is None else str(v) for v in row))
    console.print(grid)


def progress_bar(quiet: bool) -> Progress:
    """A progress bar on stderr for long commands (cycle ranges, simulations); ``quiet``
    (--json) hides it so scripts read clean output. Transient: gone when done."""
    from arflow.cli.context import err_console  # context imports nothing of this module

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet,
    )
