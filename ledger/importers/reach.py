"""How a customer or a contact is reached: email addresses, languages, phone numbers and
WeChat IDs. One set of rules for the customers and contacts importers and for
workflows/contacts (which turns a ``FieldError`` into a typed refusal), so a value the CLI
or a form accepts is one an import accepts, and the other way round.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ledger.importers.base import FieldError, fits, optional

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
LANGUAGE_NAMES = {
    "zh-cn": "zh-CN",
    "zh": "zh-CN",
    "zh_cn": "zh-CN",
    "cn": "zh-CN",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "en_us": "en",
}
# a number: digits, spaces, + (first only), - ( ); then an optional extension
# ("ext. 12", "x12", "#12", "转12", "分机12")
_PHONE = re.compile(r"^(?P<number>\+?[0-9 ()\-]+?)"
                    r"(?:\s*(?:ext\.?|x|#|转|分机)\s*(?P<extension>[0-9]{1,8}))?$", re.I)
PHONE_DIGITS = (5, 20)  # what a number holds between them, extension apart
_WECHAT = re.compile(r"^[A-Za-z0-9_\-]+$")
# the columns' lengths (ledger/models.py: Customer.email, Contact)
EMAIL_LIMIT, PHONE_LIMIT, WECHAT_LIMIT, NAME_LIMIT, ROLE_LIMIT = 320, 32, 64, 200, 64


def parse_address(value: str | None) -> str:
    """One email address (a contact is one person), or "" for none."""
    text = fits(optional(value) or "", EMAIL_LIMIT)
    if text and not _EMAIL.match(text):
        raise FieldError(f"not an email address: {text!r}")
    return text


def parse_email(value: str | None) -> str:
    """A customer's address, or several separated by ``;`` or ``,`` (as ERPs export)."""
    text = fits(optional(value) or "", EMAIL_LIMIT)
    for address in filter(None, (a.strip() for a in re.split(r"[;,]", text))):
        parse_address(address)
    return text


def parse_language(value: str | None) -> str:
    """A customer's language: zh-CN (the default when empty) or en, as ERPs spell them."""
    return parse_contact_language(value) or "zh-CN"


def parse_contact_language(value: str | None) -> str:
    """A contact's language: "" (empty: the customer's), zh-CN or en."""
    text = optional(value)
    if text is None:
        return ""
    try:
        return LANGUAGE_NAMES[text.lower()]
    except KeyError:
        raise FieldError(f"unknown language {text!r} (zh-CN or en)") from None


def parse_phone(value: str | None) -> str:
    """A phone number as people write it (``+86 21 5555-1234 转 8``), or "" for none.

    Full-width digits and brackets (typed with a Chinese input method) count as their
    ASCII forms and are stored so; anything else but digits, spaces, ``+ - ( )`` and an
    extension is refused, and so is a number of fewer than 5 or more than 20 digits.
    """
    text = unicodedata.normalize("NFKC", optional(value) or "").strip()
    if not text:
        return ""
    fits(text, PHONE_LIMIT)
    found = _PHONE.match(text)
    if found is None or "+" in found["number"][1:]:
        raise FieldError(f"not a phone number: {text!r} (digits, spaces, + - ( ) and an "
                         "extension such as 'ext. 12' or '转12')")
    digits = sum(ch.isdigit() for ch in found["number"])
    low, high = PHONE_DIGITS
    if not low <= digits <= high:
        raise FieldError(f"not a phone number: {text!r} has {digits} digits "
                         f"({low} to {high} expected)")
    return text


def dial(phone: str) -> tuple[str, str]:
    """(number, extension) of a stored phone, as a dialler takes them: the number's
    digits (with its leading +), the extension's digits ("" for none)."""
    found = _PHONE.match(phone.strip())
    if found is None:  # not stored through parse_phone: dial its digits
        return "".join(ch for ch in phone if ch.isdigit() or ch == "+"), ""
    number = "".join(ch for ch in found["number"] if ch.isdigit() or ch == "+")
    return number, found["extension"] or ""


def parse_wechat(value: str | None) -> str:
    """A WeChat ID (letters, digits, ``_`` and ``-``), or "" for none."""
    text = fits(optional(value) or "", WECHAT_LIMIT)
    if text and not _WECHAT.match(text):
        raise FieldError(f"not a WeChat ID: {text!r} (letters, digits, _ and -)")
    return text


def parse_text(value: str | None, limit: int, *, required: bool = False) -> str:
    """A name or a role: stripped, at most ``limit`` characters, no control characters."""
    text = optional(value) or ""
    if required and not text:
        raise FieldError("required")
    fits(text, limit)
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise FieldError("contains a control character")
    return text


def parse_contact_name(value: str | None) -> str:
    return parse_text(value, NAME_LIMIT, required=True)


def parse_role(value: str | None) -> str:
    return parse_text(value, ROLE_LIMIT)


#: A contact's text fields and their parsers (``billing`` is a flag: base.parse_flag).
CONTACT_TEXT: dict[str, Callable[[str | None], str]] = {
    "name": parse_contact_name,
    "role": parse_role,
    "phone": parse_phone,
    "mobile": parse_phone,
    "email": parse_address,
    "wechat": parse_wechat,
    "language": parse_contact_language,
}
