"""Printing for people (Rich tables) and for scripts (--json: exact, stable field names)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from arflow.jsonout import dumps

__all__ = ["console", "dumps", "emit_json", "money", "table"]

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
