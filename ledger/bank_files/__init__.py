"""Bank statement files read into credit lines: camt.053, MT940, a bank's CSV/XLSX export.

``read_statement`` picks the reader (the format given, else guessed from the content) and
returns a ``StatementFile``; errors are ``ImportFailed`` (``FILE:ROW``) or ``SourceError``.
"""

from __future__ import annotations

from pathlib import Path

from ledger.bank_files import camt053, mt940, table
from ledger.bank_files.base import FORMATS, ParsedLine, StatementFile, fingerprints
from ledger.importers.source import Mapping, SourceError

__all__ = ["FORMATS", "ParsedLine", "StatementFile", "fingerprints", "guess_format",
           "read_statement"]


def guess_format(path: Path) -> str:
    """camt053 for XML in the camt.053 namespace, mt940 for ``:20:``/``:61:`` tags, else
    csv (a table: CSV or XLSX). Other XML (camt.052, camt.054, anything else) is refused
    here, naming its namespace, rather than read as a table."""
    try:
        head = path.read_bytes()[:65536]
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    if camt053.looks_like(head):
        return "camt053"
    if camt053.looks_like_xml(head):  # never a table: say what it is instead
        wrong = camt053.other_xml(path, head)
        if wrong is not None:
            raise wrong
        return "camt053"  # not well-formed: the camt.053 reader names the line
    if mt940.looks_like(head.decode("latin-1")):
        return "mt940"
    return "csv"


def read_statement(path: Path, fmt: str | None = None, mapping: Mapping | None = None,
                   encoding: str | None = None, sheet: str | None = None,
                   default_currency: str = table.DEFAULT_CURRENCY) -> StatementFile:
    """``default_currency``: a table's lines when it has no currency column (camt.053 and
    MT940 always say theirs)."""
    if fmt is not None and fmt not in FORMATS:
        raise SourceError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    chosen = fmt or guess_format(path)
    if chosen == "camt053":
        return camt053.read(path)
    if chosen == "mt940":
        return mt940.read(path, encoding)
    return table.read(path, mapping, encoding, sheet, default_currency)
