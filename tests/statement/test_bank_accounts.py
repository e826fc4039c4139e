"""mail.bank_accounts: one account per currency, SWIFT/BIC required for foreign ones, the
old single-account keys as the CNY account; reminders show the account of their currency."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from arflow.mailing import mail_setup
from arflow.settings import SettingsError, load_settings
from notifiers.sample import sample_context

ROOT = Path(__file__).resolve().parents[2]


def _home(tmp_path: Path, mail: dict) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text(
        yaml.safe_dump({"mail": mail}, allow_unicode=True), encoding="utf-8")
    return tmp_path


def _account(swift: str | None) -> dict:
    return {"name": {"zh-CN": "示例贸易有限公司", "en": "Example Trading Co., Ltd."},
            "bank": "ICBC", "account": "1001", "swift": swift}


def test_a_foreign_currency_without_swift_is_refused_at_load(tmp_path: Path) -> None:
    home = _home(tmp_path, {"bank_accounts": {"CNY": _account(None), "USD": _account(None)}})
    with pytest.raises(SettingsError, match=r"mail.bank_accounts.USD.swift: a USD account "
                                            r"needs its SWIFT/BIC code"):
        load_settings(home)


def test_a_malformed_swift_and_an_unknown_key_are_refused(tmp_path: Path) -> None:
    bad = _home(tmp_path, {"bank_accounts": {"USD": _account("ICBK")}})
    with pytest.raises(SettingsError, match=r"mail.bank_accounts.USD.swift: not a SWIFT/BIC"):
        load_settings(bad)
    (bad / "config" / "settings.yaml").write_text(yaml.safe_dump(
        {"mail": {"bank_accounts": {"CNY": {**_account(None), "iban": "x"}}}}), "utf-8")
    with pytest.raises(SettingsError, match=r"mail.bank_accounts.CNY: unknown key\(s\) iban"):
        load_settings(bad)


def test_the_single_account_keys_are_the_cny_account(tmp_path: Path) -> None:
    home = _home(tmp_path, {"bank_name": "工商银行", "bank_account": "1001",
                            "account_name": "示例贸易"})
    account = load_settings(home).mail.bank_accounts["CNY"]
    assert (account.bank, account.account, account.name["en"], account.swift) == (
        "工商银行", "1001", "示例贸易", None)


def _render(language: str, currency: str) -> str:
    setup = mail_setup(load_settings(ROOT))
    context = {**sample_context(), "sender": setup.sender,
               "customer": {"code": "C1", "name": "Acme", "language": language}}
    context["items"] = [i for i in context["items"] if i["currency"] == currency]
    context["totals"] = [t for t in context["totals"] if t["currency"] == currency]
    rendered = setup.templates.render("overdue_first", language, context)
    return rendered.text + rendered.html


def test_an_english_mail_in_usd_shows_the_usd_account_with_its_english_name_and_swift() -> None:
    mail = _render("en", "USD")
    assert "Example Trading Co., Ltd." in mail and "ICBKCNBJSHI" in mail
    assert "1001 2345 6789 0987 654" in mail  # the USD account
    assert "1001 2345 6789 0123 456" not in mail  # not the CNY one


def test_a_chinese_mail_in_cny_shows_the_cny_account_and_no_swift() -> None:
    mail = _render("zh-CN", "CNY")
    assert "收款单位：示例贸易有限公司" in mail and "1001 2345 6789 0123 456" in mail
    assert "SWIFT" not in mail
