"""Reading an ERP export: bytes → text (UTF-8 with or without BOM, GBK, …) → mapped rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

# Chinese ERPs export GBK; gb18030 is its superset, so it decodes every GBK file.
_CANDIDATES = ["utf_8", "gb18030", "big5", "utf_16", "cp1252"]


class SourceError(ValueError):
    """The file cannot be read at all (encoding, header, mapping)."""


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


@dataclass(frozen=True)
class Row:
    number: int  # the file's line of this record, header = 1
    values: dict[str, str]


def decode(data: bytes, encoding: str | None = None) -> str:
    """Strict UTF-8 (BOM stripped), then strict GB18030 (covers GBK), then the best guess
    of charset-normalizer among the other usual ERP encodings."""
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # what Chinese ERPs write; a guess on a short file could pick Big5 or CP1252
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise SourceError("cannot tell the file's encoding; pass --encoding")
    return str(best)


def read_rows(
    path: Path, mapping: Mapping | None = None, encoding: str | None = None
) -> tuple[list[str], list[Row]]:
    """Return the (mapped) header and the data rows with their line numbers."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from exc
    try:
        text = decode(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"{path}: cannot decode as {encoding}: {exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise SourceError(f"{path}: the file is empty") from exc
    renames = mapping.columns if mapping else {}
    header = [renames.get(h.strip(), h.strip()) for h in header]
    rows: list[Row] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        line = reader.line_num
        padded = values + [""] * (len(header) - len(values))
        rows.append(Row(line, dict(zip(header, padded, strict=False))))
    return header, rows
