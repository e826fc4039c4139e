"""Reading a sheet of an Excel workbook (.xlsx, .xlsm) into the importers' rows.

Finance lives in Excel, so every importer takes a workbook as it takes a CSV: the first
non-empty row is the header (with a mapping: the first naming a mapped column, so title
rows above the table are passed over), empty rows are skipped, columns past the last header are
ignored, and each row keeps the sheet's own row number and column letters so an error
reads ``ar.xlsx:D17 (到期日): ...``. Cells become the text a CSV would hold: a date or
datetime cell its date written in the mapping's ``date_format`` (else ISO), so that
``parse_date`` reads it as it reads the text dates beside it; a number exactly as Excel
shows it (15 significant digits, so ``1234.5`` is ``1234.50`` with no binary noise,
``30.0`` is ``30``). Formulas are read as the values Excel last saved. openpyxl in
read-only mode: memory stays flat on big sheets.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ledger.importers.base import ImportFailed, Row, RowError, SourceError
from ledger.importers.damage import FIELD_LIMIT, NUL_IN_CELL, too_long

SUFFIXES = (".xlsx", ".xlsm")
# title rows (account, period, "交易明细") a bank's export may put above its header: with a
# mapping, the header is the first row naming one of its columns among the first few rows
_TITLE_ROWS = 20
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc): not something we read


def is_workbook(path: Path, head: bytes) -> bool:
    """By suffix, or by content: an .xlsx is a zip file whatever it is called."""
    return path.suffix.lower() in SUFFIXES or head.startswith(_ZIP)


def refuse_old_excel(path: Path, head: bytes) -> None:
    if head.startswith(_OLE) or path.suffix.lower() == ".xls":
        raise SourceError(f"{path}: an old Excel .xls workbook: save it as .xlsx (or CSV) "
                          "and import that")


def read_sheet(path: Path, renames: dict[str, str], sheet: str | None = None,
               date_format: str | None = None) -> tuple[list[str], list[Row]]:
    """The (mapped) header and the data rows of one sheet (default: the first).

    SourceError for a file that is not a workbook or a sheet it does not have;
    ImportFailed for a damaged cell (a NUL, over FIELD_LIMIT), naming the cell."""
    try:
        with path.open("rb") as handle:  # a file object: openpyxl checks no suffix then
            return _read_book(handle, path, renames, sheet, date_format)
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc


def _read_book(handle: BinaryIO, path: Path, renames: dict[str, str], sheet: str | None,
               date_format: str | None) -> tuple[list[str], list[Row]]:
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise SourceError(f"{path}: not a readable Excel workbook ({exc})") from None
    try:
        name = _sheet_name(book.sheetnames, sheet, path)
        worksheet = book[name]
        worksheet.reset_dimensions()  # a wrong <dimension> must not hide rows
        formulas = _formula_cells(handle, name) if _may_hold_formulas(handle, worksheet) \
            else set()
        unsaved: dict[int, list[int]] = {}
        cells = _marking_unsaved(worksheet.iter_rows(min_row=1, values_only=True), formulas,
                                 unsaved)
        return _read(cells, renames, path.name, date_format, unsaved)
    except SourceError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:  # a broken sheet part
        raise SourceError(f"{path}: not a readable Excel workbook ({exc})") from None
    finally:
        book.close()


def _sheet_name(names: list[str], sheet: str | None, path: Path) -> str:
    """``sheet`` by name, else by its 1-based number; the first sheet when not given."""
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return names[int(sheet) - 1]
    listed = ", ".join(f"{i} {n!r}" for i, n in enumerate(names, start=1))
    raise SourceError(f"{path}: no sheet {sheet!r}; the workbook has: {listed}")


# a formula element (<f>, <f t="shared" .../>, or with a namespace prefix) in a sheet's XML
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _may_hold_formulas(handle: BinaryIO, worksheet: Any) -> bool:
    """Whether the sheet's XML holds any formula element, read as a byte stream: an ERP
    export has none, and then the second, formula-reading pass over every cell is skipped.
    True when the part cannot be found (the full pass decides)."""
    part = getattr(worksheet, "_worksheet_path", None)  # openpyxl's read-only sheet
    if not part:
        return True
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive, archive.open(part) as xml:
            tail = b""
            while chunk := xml.read(1 << 20):
                if _FORMULA.search(tail + chunk):
                    return True
                tail = chunk[-64:]
    except KeyError:
        return True
    return False


def _formula_cells(handle: BinaryIO, sheet: str) -> set[tuple[int, int]]:
    """(row, column index) of the sheet's formulas: a workbook written by a program, not
    saved by Excel, holds them without a value, and such a cell must not read as empty."""
    handle.seek(0)
    book = load_workbook(handle, read_only=True, data_only=False)
    try:
        worksheet = book[sheet]
        worksheet.reset_dimensions()
        return {(number, index)
                for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1)
                for index, value in enumerate(cells)
                if isinstance(value, str) and value.startswith("=")}
    finally:
        book.close()


def _marking_unsaved(rows: Any, formulas: set[tuple[int, int]],
                     unsaved: dict[int, list[int]]) -> Any:
    """The rows as they are, noting in ``unsaved`` the formulas that have no value."""
    for number, cells in enumerate(rows, start=1):
        if formulas:
            missing = [i for i, v in enumerate(cells) if v is None and (number, i) in formulas]
            if missing:
                unsaved[number] = missing
        yield cells


UNSAVED_FORMULA = ("a formula with no saved value: open the file in Excel (or LibreOffice), "
                   "save it, and import it again")


def _read(rows: Any, renames: dict[str, str], name: str, date_format: str | None,
          unsaved: dict[int, list[int]] | None = None) -> tuple[list[str], list[Row]]:
    lines = ((number, [cell_text(value, date_format) for value in cells])
             for number, cells in enumerate(rows, start=1))
    filled = ((number, texts) for number, texts in lines if any(t.strip() for t in texts))
    above: list[tuple[int, list[str]]] = []
    for line in filled:  # the header, after any title rows a bank export puts above it
        above.append(line)
        if not renames or renames.keys() & {t.strip() for t in line[1]}:
            break
        if len(above) > _TITLE_ROWS:
            break
    if not above:
        raise SourceError(f"{name}: the sheet is empty")
    found = [i for i, (_, texts) in enumerate(above)
             if not renames or renames.keys() & {t.strip() for t in texts}]
    at = found[0] if found else 0
    (header_row, texts), rest = above[at], itertools.chain(above[at + 1:], filled)
    originals = [t.strip() for t in texts]
    while originals and not originals[-1]:
        originals.pop()  # trailing empty columns
    header = [renames.get(h, h) for h in originals]
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    for index, (column, original) in enumerate(zip(header, originals, strict=True)):
        headers.setdefault(column, original)
        letters.setdefault(column, get_column_letter(index + 1))
    errors = _damage(name, header_row, texts, [""] * len(texts), {}, {})
    out: list[Row] = []
    for number, cells in rest:
        texts = cells[: len(header)]
        if not any(t.strip() for t in texts):
            continue
        errors += _damage(name, number, texts, header, headers, letters)
        errors += [_cell_error(name, number, index, header, headers, UNSAVED_FORMULA)
                   for index in (unsaved or {}).get(number, []) if index < len(header)]
        padded = texts + [""] * (len(header) - len(texts))
        out.append(Row(number, dict(zip(header, padded, strict=True)), headers, letters))
    if errors:
        raise ImportFailed(errors)
    return header, out


def _damage(name: str, number: int, texts: list[str], header: list[str],
            headers: dict[str, str], letters: dict[str, str]) -> list[RowError]:
    """A NUL or an overlong cell, named by its cell as a CSV's are by line and column."""
    found = []
    for index, text in enumerate(texts):
        reason = (NUL_IN_CELL if "\x00" in text
                  else too_long(len(text)) if len(text) > FIELD_LIMIT else None)
        if reason is None:
            continue
        found.append(_cell_error(name, number, index, header, headers, reason))
    return found


def _cell_error(name: str, number: int, index: int, header: list[str],
                headers: dict[str, str], reason: str) -> RowError:
    """``reason`` for the cell at row ``number``, column ``index``: ``f.xlsx:C4 (贷方金额)``."""
    column = header[index] if index < len(header) else ""
    original = headers.get(column, "")
    return RowError(name, number, column, reason, original if original != column else "",
                    f"{get_column_letter(index + 1)}{number}")


def cell_text(value: object, date_format: str | None = None) -> str:
    """A cell's value as the text a CSV export would hold (dates in ``date_format``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime(date_format) if date_format else value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def _number(value: float) -> str:
    """Excel's 15 significant digits; whole numbers without ``.0``, money with 2 places."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    exact = Decimal(format(value, ".15g"))
    if exact == exact.to_integral_value():
        return str(int(exact))
    places = -int(exact.as_tuple().exponent)
    return f"{exact:.2f}" if places <= 2 else format(exact, "f")
