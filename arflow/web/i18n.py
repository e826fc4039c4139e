"""The UI's two languages: message catalogs and locale formats for dates and money.

Catalogs are YAML files under ``locales/<language>/`` (one per area of the app, merged),
keyed by a dotted name; a key missing in a language falls back to English, then to the key
itself. Numbers, money and dates are formatted by Babel for the user's locale.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
_LOCALES = Path(__file__).parent / "locales"
_BABEL = {"zh-CN": "zh_CN", "en": "en_GB"}


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((_LOCALES / language).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged.update({str(k): str(v) for k, v in data.items()})
    return merged


class Translator:
    """``t("worklist.title")``, ``t("tasks.count", n=3)``; formats for one language."""

    def __init__(self, language: str, tz: tzinfo | None = None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.tz = tz  # instants (stored in UTC) are shown in the business timezone
        self.locale = _BABEL[self.language]
        self._own = catalog(self.language)
        self._fallback = catalog("en")

    def __call__(self, key: str, **values: Any) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    def money(self, amount: Decimal | int | None, currency: str = "CNY") -> str:
        if amount is None:
            return ""
        return format_currency(Decimal(amount), currency, locale=self.locale)

    def number(self, value: Decimal | int | float | None, digits: int = 0) -> str:
        if value is None:
            return ""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, ratio: Decimal | float | None, digits: int = 1) -> str:
        if ratio is None:
            return ""
        return format_percent(ratio, format="#,##0." + "0" * digits + "%", locale=self.locale)

    def day(self, value: date | None) -> str:
        if value is None:
            return ""
        return format_date(value, format="medium", locale=self.locale)

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return ""
        if self.tz is not None and value.tzinfo is not None:
            value = value.astimezone(self.tz)
        return format_datetime(value, format="short", locale=self.locale)
