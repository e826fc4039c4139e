"""Invoice numbers as people write them in a bank transfer's remittance text.

``INV-2026-0042``, ``inv 2026 0042`` and ``ＩＮＶ２０２６００４２`` are one invoice: a
number's *key* keeps only its letters and digits, upper-cased after NFKC (full-width
forms to ASCII). The ledger stores each receivable's key beside its number
(``receivable.number_key``) so that a number found in a text is one indexed lookup.
"""

from __future__ import annotations

import re
import unicodedata

KEY_LENGTH = 64
_NOT_KEY = re.compile(r"[^0-9A-Z]+")


def number_key(number: str) -> str:
    """The invoice number's letters and digits, upper-case, full-width folded."""
    text = unicodedata.normalize("NFKC", number or "").upper()
    return _NOT_KEY.sub("", text)[:KEY_LENGTH]
