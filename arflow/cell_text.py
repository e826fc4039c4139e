"""Text cells that a spreadsheet cannot take for a formula (CSV and XLSX exports).

A customer code or segment is typed by whoever fills the ERP. Written raw, a value such as
``=HYPERLINK("http://x")`` or ``+1+1`` runs as a formula when the export is opened in
Excel or LibreOffice (OWASP "CSV injection"). Every CSV or XLSX a person downloads goes
through here: text starting with ``= + - @``, a tab or a carriage return gets a leading
``'`` in CSV (OWASP's advice: the spreadsheet shows it as text); in XLSX it stays intact
but is stored as a string cell marked "quote prefix" (never a formula, and still text
when someone edits the cell). Numbers are left alone: -120.50 stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Text a spreadsheet would read as a formula (numbers are never text here)."""
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def csv_cell(value: Any) -> Any:
    """The value as CSV should hold it: formula-like text behind a ``'``."""
    return "'" + value if formula_like(value) else value


def as_text_cell(cell: Any, value: Any) -> None:
    """Make an openpyxl cell holding ``value`` a plain string cell when it is text.

    openpyxl stores any string starting with ``=`` as a formula (and ``#N/A`` and the
    like as errors), so the type is set back to a string for all text."""
    if not isinstance(value, str):
        return
    cell.data_type = "s"
    if formula_like(value):
        cell.quotePrefix = True
