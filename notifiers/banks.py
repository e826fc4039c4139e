"""Which bank account a customer pays which currency into, as mail and statements show it.

The sender details (settings ``mail``) carry ``bank_accounts``: currency -> {name (per
language), bank, account, swift}. Sender details made without it (older set-ups, tests)
give their single account (bank_name, bank_account, account_name) as the CNY account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

HOME_CURRENCY = "CNY"


def accounts(sender: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every configured account by currency (the single-account keys as CNY without any)."""
    configured = sender.get("bank_accounts")
    if configured:
        return {str(c): dict(a) for c, a in configured.items()}
    if not sender.get("bank_account"):
        return {}
    name = sender.get("account_name") or ""
    return {HOME_CURRENCY: {"currency": HOME_CURRENCY, "name": {"zh-CN": name, "en": name},
                            "bank": sender.get("bank_name") or "",
                            "account": sender.get("bank_account") or "", "swift": None}}


def for_currencies(sender: Mapping[str, Any], currencies: Iterable[str],
                   language: str) -> list[dict[str, Any]]:
    """The accounts to print for these currencies, in their order, the holder's name in
    ``language``: {currency, name, bank, account, swift}. A currency with no account of its
    own gets none; when none of them has one, every configured account is shown (better a
    CNY account than no way to pay)."""
    known = accounts(sender)
    wanted = list(dict.fromkeys(currencies))
    chosen = [known[c] for c in wanted if c in known] or list(known.values())
    return [_printed(a, language) for a in chosen]


def _printed(account: Mapping[str, Any], language: str) -> dict[str, Any]:
    names = account.get("name") or {}
    if isinstance(names, str):
        names = {language: names}
    name = names.get(language) or next((n for n in names.values() if n), "")
    return {"currency": account.get("currency") or HOME_CURRENCY, "name": name,
            "bank": account.get("bank") or "", "account": account.get("account") or "",
            "swift": account.get("swift") or None}
