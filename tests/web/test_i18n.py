"""The UI's catalogs and formats: both languages carry the same keys; money, dates and
instants are formatted for the locale (instants in the business timezone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from arflow.web.i18n import Translator

LOCALES = Path(__file__).resolve().parents[2] / "arflow" / "web" / "locales"


def test_every_area_has_the_same_keys_in_both_languages() -> None:
    for english in sorted((LOCALES / "en").glob("*.yaml")):
        chinese = LOCALES / "zh-CN" / english.name
        assert chinese.exists(), english.name
        en_keys = set(yaml.safe_load(english.read_text(encoding="utf-8")))
        zh_keys = set(yaml.safe_load(chinese.read_text(encoding="utf-8")))
        assert en_keys == zh_keys, (english.name, en_keys ^ zh_keys)


def test_money_dates_and_instants_follow_the_locale() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    zh, en = Translator("zh-CN", shanghai), Translator("en", shanghai)
    assert zh.money(Decimal("1234567.5"), "CNY") == "¥1,234,567.50"
    assert en.money(Decimal("1234567.5"), "USD") == "US$1,234,567.50"
    assert zh.day(date(2026, 11, 23)) == "2026年11月23日"
    assert en.day(date(2026, 11, 23)) == "23 Nov 2026"
    late_evening_utc = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 00:30 next day there
    assert en.moment(late_evening_utc) == "24/11/2026, 00:30"
    assert zh("nav.worklist") == "工作清单" and en("nav.worklist") == "Worklist"
    assert Translator("fr")("nav.worklist") == "工作清单"  # unknown language: the default


def test_the_fast_formats_give_babels_results() -> None:
    from babel.numbers import format_currency, format_decimal

    for language, locale in (("zh-CN", "zh_CN"), ("en", "en_GB")):
        t = Translator(language)
        for amount in ("0", "-0.001", "1234.5", "-1234.565", "90071992547409.93", "0.125"):
            for currency in ("CNY", "USD", "JPY", "EUR"):
                assert t.money(Decimal(amount), currency) == format_currency(
                    Decimal(amount), currency, locale=locale), (language, amount, currency)
        for value in (0, 7, -1234567, Decimal("1234.5"), 12.5):
            assert t.number(value) == format_decimal(value, format="#,##0", locale=locale)
        assert t.number(Decimal("1234.567"), 2) == format_decimal(
            Decimal("1234.567"), format="#,##0.00", locale=locale)
