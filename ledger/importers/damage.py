"""What makes a cell unsafe to import, the same for every reader (CSV or a workbook)."""

from __future__ import annotations

# One cell, in characters. No ERP column comes near it (the longest, an email list, is 320);
# a cell this long is a quote that never closed or binary data. Below the csv module's own
# limit (128 Ki), so that limit is only reached on the way to a clear error.
FIELD_LIMIT = 64 * 1024

NUL_REASON = (
    "NUL byte (\\x00) in the file; a CSV export never holds one "
    "(a damaged file, or UTF-16: pass --encoding utf-16)"
)
NUL_IN_CELL = "NUL byte (\\x00) in the cell: a damaged file"


def too_long(length: int) -> str:
    return f"cell of {length:,} characters, over the limit of {FIELD_LIMIT // 1024} KiB"
