"""One import: read, validate every row, and only then write — all or nothing."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from ledger.importers import contacts, customers, payments, receivables
from ledger.importers.base import ImportFailed, ImportResult, RowError
from ledger.importers.source import Mapping, read_rows

KINDS = {"customers": customers, "contacts": contacts, "receivables": receivables,
         "payments": payments}


def import_file(
    session: Session,
    kind: str,
    path: Path,
    mapping: Mapping | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    book_currency: str = "CNY",
) -> ImportResult:
    """Validate the whole file, raise ImportFailed listing every bad row, else write it.

    A CSV or an Excel workbook (``sheet``: a name or 1-based number, default the first).
    ``book_currency`` is the currency of a receivable or a payment the file does not give
    one for (after, for a payment, its invoice's and its customer's; see payments.py).

    The caller owns the transaction: nothing is written before validation passes, and
    a failure while writing rolls the whole file back. A damaged file (NUL, overlong cell,
    unterminated quote) fails in read_rows, before any row is even validated.
    """
    module = KINDS[kind]
    header, rows = read_rows(path, mapping, encoding, sheet)
    name = path.name
    missing = [c for c in module.REQUIRED if c not in header]
    if missing:
        shown = {v: k for k, v in mapping.columns.items()} if mapping else {}
        raise ImportFailed([RowError(name, 1, c, "missing column", shown.get(c, ""))
                            for c in missing])
    errors: list[RowError] = []
    date_format = mapping.date_format if mapping else None
    if kind == "customers":
        records = module.validate(session, name, rows, errors)
    elif kind == "contacts":
        records = module.validate(session, name, rows, errors, date_format)
    else:
        records = module.validate(session, name, rows, errors, date_format,
                                  book_currency=book_currency)
    if errors:
        raise ImportFailed(errors)
    result = ImportResult(kind=kind, file=str(path), rows=len(rows))
    module.write(session, records, result)
    return result
