"""JSON with money as exact numbers, for every shell: the CLI's ``--json``, the API's
responses and the web's downloads write the same text for the same data."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["dumps"]

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
