"""Recording exchange rates (``arflow rates import``, PUT /api/v1/rates): every row
checked before anything is written (all or nothing), the same date+currency again updates
its rate, one audit row ``rates_imported`` per batch.

Rates are how many units of the book currency one unit of a currency was worth on a day
(engine/fx.py); the book currency itself is refused (it converts at 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from engine.fx import BadRate, Rate, check_unique, parse_rate
from ledger import fx_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from workflows.errors import Invalid

COLUMNS = ("date", "currency", "rate")
MAX_ROWS = 100_000


def read_csv(text: str, name: str) -> list[tuple[str, Mapping[str, Any]]]:
    """A rates file's rows as ``(FILE:ROW, {date, currency, rate})``; the header must name
    the three columns (in any order; other columns are ignored)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise Invalid(f"{name}:1: the header must name the columns date,currency,rate "
                      f"(missing: {', '.join(missing)})", field="file")
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue  # a blank line
            rows.append((f"{name}:{reader.line_num}", row))
    except csv.Error as exc:  # a cell over the csv module's 128 KiB: damage, not a rate
        raise Invalid(f"{name}:{reader.line_num + 1}: cannot read the CSV: {exc}",
                      field="file") from None
    return rows


def parse_rows(rows: Iterable[tuple[str, Mapping[str, Any]]], book: str) -> list[Rate]:
    """Every row checked (the first bad one is Invalid naming its place and the value)."""
    try:
        rates = check_unique(
            (where, parse_rate(where, row.get("date"), row.get("currency"), row.get("rate"),
                               book))
            for where, row in rows)
    except BadRate as exc:
        raise Invalid(str(exc), field=exc.field) from None
    if not rates:
        raise Invalid("no rates given (rows of date,currency,rate)", field="rates")
    if len(rates) > MAX_ROWS:
        raise Invalid(f"at most {MAX_ROWS:,} rates at a time, got {len(rates):,}",
                      field="rates")
    return rates


def import_rates(
    session: Session,
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    book: str,
    source: str,
    on_date: date,
    actor: str,
) -> fx_store.Stored:
    """Check every row, then store them all (added, or the day's rate updated) and audit
    the batch. ``source``: the file's name or ``api``."""
    rates = parse_rows(rows, book)
    stored = fx_store.upsert(session, rates, source)
    currencies = sorted({r.currency for r in rates})
    days = sorted({r.on_date for r in rates})
    write_audit(session, [AuditEntry(
        on_date, actor, "rates_imported", "fx_rate", None, ",".join(currencies)[:64],
        details={"source": source, "book_currency": book, "rows": len(rates),
                 "added": stored.added, "updated": stored.updated,
                 "unchanged": stored.unchanged, "currencies": currencies,
                 "from": days[0].isoformat(), "to": days[-1].isoformat()},
    )])
    return stored
