"""customers.csv: code,name,email,language,segment,country,credit_limit,payment_terms_days."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from ledger.importers.base import (
    FieldError,
    ImportResult,
    RowError,
    RowReader,
    optional,
    parse_int,
    parse_optional_amount,
    required,
)
from ledger.importers.source import Row
from ledger.importers.upsert import upsert
from ledger.models import Customer

REQUIRED = ("code", "name")
OPTIONAL = (
    "email",
    "language",
    "segment",
    "country",
    "credit_limit",
    "payment_terms_days",
    "collector",
)
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_LANGUAGES = {
    "zh-cn": "zh-CN",
    "zh": "zh-CN",
    "zh_cn": "zh-CN",
    "cn": "zh-CN",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "en_us": "en",
}


def parse_email(value: str | None) -> str:
    text = optional(value) or ""
    for address in filter(None, (a.strip() for a in re.split(r"[;,]", text))):
        if not _EMAIL.match(address):
            raise FieldError(f"not an email address: {address!r}")
    return text


def parse_language(value: str | None) -> str:
    text = optional(value)
    if text is None:
        return "zh-CN"
    try:
        return _LANGUAGES[text.lower()]
    except KeyError as exc:
        raise FieldError(f"unknown language {text!r} (zh-CN or en)") from exc


def parse_country(value: str | None) -> str:
    text = (optional(value) or "CN").upper()
    if len(text) != 2 or not text.isalpha():
        raise FieldError(f"not an ISO country code: {text!r}")
    return text


def validate(
    session: Session, file: str, rows: list[Row], errors: list[RowError]
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows:
        reader = RowReader(file, row.number, row.values, errors)
        record = {
            "code": reader.take("code", required),
            "name": reader.take("name", required),
            "email": reader.take("email", parse_email),
            "language": reader.take("language", parse_language),
            "segment": optional(row.values.get("segment")) or "",
            "country": reader.take("country", parse_country),
            "credit_limit": reader.take("credit_limit", parse_optional_amount),
            "payment_terms_days": reader.take("payment_terms_days", parse_int),
        }
        record["collector"] = optional(row.values.get("collector"))
        # a column the file does not have leaves the stored value alone (and a new
        # customer gets the default): a short export must not wipe emails or limits
        record = {k: v for k, v in record.items() if k in REQUIRED or k in row.values}
        code = record["code"]
        reader.once("code", code, seen, "code")
        if reader.ok:
            records.append(record)
    return records


def write(session: Session, records: list[dict[str, Any]], result: ImportResult) -> None:
    outcome = upsert(session, Customer.__table__, "code", records)  # type: ignore[arg-type]
    result.count(outcome)
