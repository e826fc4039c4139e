"""Currency codes as people type them, read into ISO 4217.

Finance teams write ``人民币``, ``RMB``, ``rmb``, ``¥`` or ``CNH`` for the same money and
``US$`` for dollars; left as typed, each would become a book of its own beside ``CNY``.
Every place that takes a currency (importers, API, orders, rates, bank lines) reads it
through :func:`normalize_currency`, so one currency has one code everywhere. The list of
codes is pycountry's copy of ISO 4217, not ours.
"""

from __future__ import annotations

import unicodedata

import pycountry

# how people write a currency -> its ISO 4217 code (compared after NFKC and upper-casing)
ALIASES: dict[str, str] = {
    "人民币": "CNY", "人民幣": "CNY", "RMB": "CNY", "¥": "CNY", "￥": "CNY", "元": "CNY",
    "CNH": "CNY",  # offshore renminbi: the same money in a receivable's books
    "RMB¥": "CNY",
    "US$": "USD", "USD$": "USD", "美元": "USD", "美金": "USD",  # not a bare $ (HK, TW, SG…)
    "HK$": "HKD", "港币": "HKD", "港幣": "HKD", "港元": "HKD",
    "€": "EUR", "欧元": "EUR", "歐元": "EUR",
    "£": "GBP", "英镑": "GBP",
    "JP¥": "JPY", "円": "JPY", "日元": "JPY",
    "NT$": "TWD", "新台币": "TWD",
    "S$": "SGD", "新加坡元": "SGD",
    "A$": "AUD", "澳元": "AUD",
    "C$": "CAD", "加元": "CAD",
    "₩": "KRW", "韩元": "KRW",
    "瑞士法郎": "CHF",
}

# ISO codes that are not money a customer pays in (testing, no currency, precious metals,
# units of account); refused so that a typo like XXX is not taken for a book
_NOT_MONEY = {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR",
              "XSU", "XUA"}


class UnknownCurrency(ValueError):
    """Not an ISO 4217 currency code nor a known way of writing one."""


def normalize_currency(value: str) -> str:
    """The ISO 4217 code for ``value`` (``rmb`` → ``CNY``); UnknownCurrency otherwise,
    with the value as typed in the message."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper()
    text = text.replace(" ", "")
    if not text:
        raise UnknownCurrency("no currency given")
    code = ALIASES.get(text) or ALIASES.get(value.strip())
    if code is not None:
        return code
    if len(text) == 3 and text.isascii() and text.isalpha() and text not in _NOT_MONEY:
        if pycountry.currencies.get(alpha_3=text) is not None:
            return text
    raise UnknownCurrency(f"not a currency: {value.strip()!r} (use an ISO 4217 code like "
                          "CNY or USD)")


def is_currency(code: str) -> bool:
    """True for a code that :func:`normalize_currency` gives back unchanged."""
    try:
        return normalize_currency(code) == code
    except UnknownCurrency:
        return False
