"""Template filters for reminder emails: money, dates per language, aligned plain text.

Kept free of Jinja so they can be tested and reused (the web pages format money too).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["format_date_en", "format_date_zh", "ljust", "money", "rjust"]

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def money(value: Decimal | int | str, places: int = 2) -> str:
    """12345.675 -> "12,345.68" (half up, as on an invoice); floats are refused."""
    if isinstance(value, float | bool) or value is None:
        raise TypeError(f"money needs a Decimal, got {value!r}")
    amount = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{amount:,.{places}f}"


def format_date_zh(value: date | None) -> str:
    """2026-11-23 -> "2026年11月23日"."""
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def format_date_en(value: date | None) -> str:
    """2026-11-23 -> "23 Nov 2026" (not locale-dependent, unlike strftime)."""
    return "" if value is None else f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def ljust(value: object, width: int) -> str:
    """Pad on the right to ``width`` display columns (a CJK character is two)."""
    text = str(value)
    return text + " " * max(0, width - _width(text))


def rjust(value: object, width: int) -> str:
    """Pad on the left to ``width`` display columns (a CJK character is two)."""
    text = str(value)
    return " " * max(0, width - _width(text)) + text
