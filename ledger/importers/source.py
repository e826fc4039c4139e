"""Reading an ERP export: bytes → text (UTF-8 with or without BOM, GBK, …) → mapped rows;
an Excel workbook (.xlsx) goes through ledger/importers/xlsx.py to the same rows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from ledger.importers import xlsx
from ledger.importers.base import ImportFailed, Row, RowError, SourceError
from ledger.importers.damage import FIELD_LIMIT, NUL_REASON, too_long

__all__ = ["FIELD_LIMIT", "NUL_REASON", "AmbiguousEncoding", "Mapping", "Row", "SourceError",
           "decode", "read_rows"]

# Chinese ERPs export GBK; gb18030 is its superset, so it decodes every GBK file.
_CANDIDATES = ["utf_8", "gb18030", "big5", "utf_16", "cp1252"]

UNTERMINATED_REASON = "quoted field never closed: the file ends inside it (was it cut short?)"

# a field as csv.reader (default dialect, not strict) reads it: quoted up to its closing
# quote (doubled quotes inside), then anything up to the next comma or line break
_FIELD = re.compile(r'(")[^"]*(?:""[^"]*)*(")?[^,\r\n]*|[^,\r\n]*')
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what csv.reader's line_num counts
_WIDE_RUN = re.compile(r"[^\x00-\x7f]+")


class AmbiguousEncoding(SourceError):
    """The bytes read as plausible text in more than one encoding: only the user can tell.

    ``readings`` maps each encoding, most likely first, to a sample of how it reads.
    """

    def __init__(self, readings: dict[str, str], where: str = "the file") -> None:
        self.readings = readings
        shown = " or ".join(f'{name} ("{sample}")' for name, sample in readings.items())
        choose = " or ".join(f"--encoding {name}" for name in readings)
        super().__init__(f"{where}: the encoding is ambiguous: it reads as {shown}; pass {choose}")


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str]  # foreign header -> arflow column
    date_format: str | None = None

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SourceError(f"{path}: cannot read mapping: {exc}") from exc
        if not isinstance(data, dict):
            raise SourceError(f"{path}: a mapping file is a YAML mapping")
        columns = data.get("columns", data if "columns" not in data else {})
        date_format = data.get("date_format") if "columns" in data else None
        if not isinstance(columns, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
        ):
            raise SourceError(f"{path}: columns must map export headers to arflow column names")
        return cls(columns=dict(columns), date_format=date_format)


def read_rows(
    path: Path, mapping: Mapping | None = None, encoding: str | None = None,
    sheet: str | None = None,
) -> tuple[list[str], list[Row]]:
    """Return the (mapped) header and the data rows with their line numbers.

    A workbook (.xlsx/.xlsm by name, or a zip by content) is read from ``sheet`` (a name
    or a 1-based number; default the first), its rows numbered as the sheet numbers them.
    Each row knows the file's own header of every column (``Row.headers``), so errors
    name the column as the file does. SourceError when the file is not text we can read;
    ImportFailed when it is text but broken (a NUL, a cell over FIELD_LIMIT, a quote the
    file ends inside), so a damaged file is refused before any row is validated or
    written, never imported in part.
    """
    renames = mapping.columns if mapping else {}
    head = _head(path)
    if xlsx.is_workbook(path, head):
        return xlsx.read_sheet(path, renames, sheet, mapping.date_format if mapping else None)
    xlsx.refuse_old_excel(path, head)
    if sheet is not None:
        raise SourceError(f"{path}: a sheet was chosen ({sheet!r}) but this is a CSV file, "
                          "not an Excel workbook")
    text = _text(path, encoding)
    header: list[str] | None = None
    headers: dict[str, str] = {}
    rows: list[Row] = []
    errors: list[RowError] = []
    nul_unreported = "\x00" in text
    try:
        for record in _records(text):
            if record.last or nul_unreported or _longest(record.values) > FIELD_LIMIT:
                found = _faults(text, record, header or [], path.name, nul_unreported)
                nul_unreported = nul_unreported and all(e.reason != NUL_REASON for e in found)
                errors += found
            if header is None:
                header = [renames.get(h.strip(), h.strip()) for h in record.values]
                for column, original in zip(header, record.values, strict=True):
                    headers.setdefault(column, original.strip())
            elif any(v.strip() for v in record.values):
                padded = record.values + [""] * (len(header) - len(record.values))
                rows.append(Row(record.number, dict(zip(header, padded, strict=False)),
                                headers))
    except _Unreadable as exc:
        errors.append(_unreadable(text, exc, header or [], path.name))
    if errors:
        raise ImportFailed([_named(e, headers) for e in errors])
    if header is None:
        raise SourceError(f"{path}: the file is empty")
    return header, rows


def decode(data: bytes, encoding: str | None = None) -> str:
    """Strict UTF-8 (BOM stripped), then strict GB18030 (covers GBK) unless it only reads
    as Latin text by luck, then the best guess of charset-normalizer among the other
    usual ERP encodings."""
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # what Chinese ERPs write; a guess on a short file could pick Big5 or CP1252
        chinese = data.decode("gb18030")
    except UnicodeDecodeError:
        chinese = None
    if chinese is not None:
        latin = _strict(data, "cp1252")
        if latin is None or looks_chinese(chinese) or not looks_latin(latin):
            return chinese
        raise AmbiguousEncoding({"cp1252": _sample(latin), "gb18030": _sample(chinese, latin)})
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise SourceError("cannot tell the file's encoding; pass --encoding")
    return str(best)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def looks_chinese(text: str) -> bool:
    """Most non-ASCII characters are GB2312 (common hanzi, CJK punctuation, full-width
    forms), not rare hanzi alone inside a Latin word.

    Latin-1 bytes read as GBK pair a high byte with the ASCII letter after it (``\\xfcl``
    → 黮): a rare hanzi outside GB2312, or, from two accented letters in a row, a lone
    hanzi between ASCII letters. Real Chinese is mostly GB2312, in runs of hanzi.
    """
    chinese = strange = 0
    for run in _WIDE_RUN.finditer(text):
        chars = run.group()
        if len(chars) > 1 and _in_gb2312(chars):  # the usual case, at C speed
            chinese += len(chars)
            continue
        for char in chars:
            if _in_gb2312(char) and not (_is_hanzi(char) and _lone_in_word(text, run)):
                chinese += 1
            else:
                strange += 1
    return chinese > strange


def looks_latin(text: str) -> bool:
    """Most non-ASCII characters are letters in an ASCII word, one or two at a time
    (Müller, ação). GBK read as CP1252 gives runs of symbols and letters (ÉÏº£»ª)."""
    latin = other = 0
    for run in _WIDE_RUN.finditer(text):
        if len(run.group()) <= 2 and run.group().isalpha() and _touches_letter(text, run):
            latin += len(run.group())
        else:
            other += len(run.group())
    return latin > other


def _in_gb2312(chars: str) -> bool:
    try:
        chars.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _is_hanzi(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _is_ascii_letter(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isascii() and text[index].isalpha()


def _lone_in_word(text: str, run: re.Match[str]) -> bool:
    """A single non-ASCII character with ASCII letters on both sides."""
    return (run.end() - run.start() == 1 and _is_ascii_letter(text, run.start() - 1)
            and _is_ascii_letter(text, run.end()))


def _touches_letter(text: str, run: re.Match[str]) -> bool:
    return _is_ascii_letter(text, run.start() - 1) or _is_ascii_letter(text, run.end())


def _sample(text: str, like: str | None = None, width: int = 40) -> str:
    """The first cell with a non-ASCII character in ``like`` (default: ``text``), as read
    in ``text``. Line breaks and commas are single bytes in every candidate encoding,
    so the same line and cell hold the same bytes in both readings."""
    guide = like if like is not None else text
    found = _WIDE_RUN.search(guide)
    if found is None:
        return ""
    line = guide.count("\n", 0, found.start())
    cells = guide.split("\n")[line].split(",")
    cell = next(i for i, c in enumerate(cells) if _WIDE_RUN.search(c))
    shown = text.split("\n")[line].split(",")[cell].strip().strip('"')
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(8)
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc


def _named(error: RowError, headers: dict[str, str]) -> RowError:
    """The error under the file's own header of its column."""
    original = headers.get(error.column, "")
    return replace(error, header=original) if original != error.column else error


def _text(path: Path, encoding: str | None) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    try:
        return decode(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: cannot decode as {encoding}: {exc}") from exc
    except AmbiguousEncoding as exc:
        raise AmbiguousEncoding(exc.readings, str(path)) from None
    except SourceError as exc:
        raise SourceError(f"{path}: {exc}") from None


@dataclass(slots=True)
class _Record:
    start: int  # offset of its first character in the text
    first_line: int
    number: int  # csv.reader's line_num: its last line (a quoted cell may span lines)
    values: list[str]
    last: bool  # it runs to the end of the text


class _Unreadable(Exception):
    """csv.reader gave up on the record starting at ``start`` (offset) on ``first_line``."""

    def __init__(self, start: int, first_line: int, message: str) -> None:
        super().__init__(message)
        self.start = start
        self.first_line = first_line


class _Lines:
    """The text's lines for csv.reader, counting the characters it has taken so far."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self.offset = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.offset += len(line)
        return line


def _records(text: str) -> Iterator[_Record]:
    """csv.reader's records (the header first), each with where it starts."""
    lines = _Lines(text)
    reader = csv.reader(lines)
    while True:
        start, first_line = lines.offset, reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(start, first_line, str(exc)) from exc
        yield _Record(start, first_line, reader.line_num, values, lines.offset >= len(text))


def _faults(
    text: str, record: _Record, header: list[str], name: str, nul_unreported: bool
) -> list[RowError]:
    """What makes a record unsafe to import: read before any value is validated."""
    if record.last:
        opened = _open_quote(text, record.start)
        if opened is not None:
            index, offset = opened
            line = record.first_line + _breaks(text, record.start, offset)
            return [RowError(name, line, _column(header, index), UNTERMINATED_REASON)]
    found: list[RowError] = []
    if nul_unreported:  # the first is enough: the file is damaged, or UTF-16
        index = next((i for i, v in enumerate(record.values) if "\x00" in v), None)
        if index is not None:
            found.append(RowError(name, record.number, _column(header, index), NUL_REASON))
    if _longest(record.values) > FIELD_LIMIT:
        found += [RowError(name, record.number, _column(header, i), too_long(len(v)))
                  for i, v in enumerate(record.values) if len(v) > FIELD_LIMIT]
    return found


def _unreadable(text: str, exc: _Unreadable, header: list[str], name: str) -> RowError:
    """The row csv.reader stopped on, and why (in practice a cell over its size limit)."""
    opened = _open_quote(text, exc.start)
    if opened is not None:
        line = exc.first_line + _breaks(text, exc.start, opened[1])
        return RowError(name, line, _column(header, opened[0]), UNTERMINATED_REASON)
    for index, (begin, end, _closed) in enumerate(_fields(text, exc.start)):
        length = _cell_length(text[begin:end])
        if length > FIELD_LIMIT:
            return RowError(name, exc.first_line, _column(header, index), too_long(length))
    return RowError(name, exc.first_line, "", f"cannot read the CSV: {exc}")


def _cell_length(raw: str) -> int:
    """The length of the value csv.reader makes of a raw cell (quotes off, "" as one)."""
    if not raw.startswith('"'):
        return len(raw)
    return len(raw) - 2 - raw[1:-1].count('""')


def _longest(values: list[str]) -> int:
    return max(map(len, values), default=0)


def _column(header: list[str], index: int) -> str:
    """The column's name, or "" where there is none (the header row, a surplus cell)."""
    return header[index] if index < len(header) else ""


def _breaks(text: str, start: int, end: int) -> int:
    return len(_LINE_BREAK.findall(text, start, end))


def _fields(text: str, start: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, closed) of each cell of the record at ``start``, cut as csv.reader
    cuts them; ``closed`` is False for a quoted cell that the text ends inside."""
    position = start
    while True:
        match = _FIELD.match(text, position)
        assert match is not None  # every part of the pattern may be empty
        yield position, match.end(), match.group(1) is None or match.group(2) is not None
        position = match.end()
        if position >= len(text) or text[position] != ",":
            return
        position += 1


def _open_quote(text: str, start: int) -> tuple[int, int] | None:
    """(cell index, offset) of a quoted cell in the record at ``start`` never closed."""
    for index, (begin, _end, closed) in enumerate(_fields(text, start)):
        if not closed:
            return index, begin
    return None
