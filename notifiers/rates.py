"""A daily interest rate as a notice states it: "万分之五" in Chinese (how 保障中小企业款项
支付条例 and contracts word it), "0.05%" in English. Kept free of Jinja, like filters.py."""

from __future__ import annotations

from decimal import Decimal

__all__ = ["daily_rate_en", "daily_rate_zh"]

_DIGITS = "零一二三四五六七八九"


def daily_rate_en(rate: Decimal) -> str:
    """0.0005 -> "0.05%"."""
    return f"{_plain(rate * 100)}%"


def daily_rate_zh(rate: Decimal) -> str:
    """0.0005 -> "万分之五", 0.00025 -> "万分之二点五", 0.0015 -> "万分之十五"; a rate of
    a hundred ten-thousandths or more (1 %) is given as a percentage: "1%"."""
    parts = _plain(rate * 10000)
    whole, _, fraction = parts.partition(".")
    if int(whole) >= 100:
        return f"{_plain(rate * 100)}%"
    words = _zh_under_100(int(whole))
    if fraction:
        words += "点" + "".join(_DIGITS[int(d)] for d in fraction)
    return "万分之" + words


def _zh_under_100(number: int) -> str:
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[ones] if ones else "")


def _plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 5.000 -> "5", 0.0500 -> "0.05"."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
