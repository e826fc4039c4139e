"""Printing for people (Rich tables) and for scripts (--json: exact, stable field names)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(highlight=False)


_DECIMAL = "\u0000decimal:"
_DECIMAL_TOKEN = re.compile(r'"\\u0000decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_DECIMAL}{value:f}"  # written back as a bare JSON number, digit for digit
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def dumps(data: Any) -> str:
    """JSON with money as exact numbers: 90071992547409.93 stays that, never a float's guess."""
    text = json.dumps(data, default=_default, ensure_ascii=False, indent=2)
    return _DECIMAL_TOKEN.sub(r"\1", text)


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
