"""Payer names on bank statements matched to customers' names, in Chinese and Latin.

A bank writes ``HUAXING TRADING CO LTD`` or ``华兴贸易（上海）有限公司`` where the ledger
says ``Huaxing Trading Co., Ltd.`` or ``华兴贸易(上海)有限公司``: names are compared after
:func:`normalize_name` (NFKC, case folded, legal forms, punctuation and spaces dropped),
then fuzzily with rapidfuzz. Matching on single characters (no word splitting) suits
Chinese, which has no spaces, as well as Latin names whose spacing varies. Two customers
whose names fit about equally well are never guessed between.
"""

from __future__ import annotations

import math
import re
import unicodedata

from rapidfuzz import fuzz, process

MEMO_SIZE = 10_000  # answers kept: a batch of lines asks again about the same payers
SCORE_CUTOFF = 80  # below this a name is not taken for a customer's
AMBIGUITY = 2  # another customer within this many points of the best: no answer

# legal forms, longest first so that 股份有限公司 goes whole
_CHINESE_FORMS = ("股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "分公司", "集团",
                  "集團", "公司")
_LATIN_FORMS = frozenset({
    "co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc",
    "llp", "lp", "plc", "gmbh", "ag", "sa", "sarl", "bv", "nv", "pte", "pty", "kk", "srl",
    "spa", "oy", "ab", "as", "group", "holdings", "the",
})
_WORD = re.compile(r"\w+")


def normalize_name(name: str) -> str:
    """The name's letters and digits, case folded, without legal forms (Co., Ltd, 有限公司…).

    A name made only of legal forms (``Company Limited``) keeps them rather than vanish.
    """
    text = unicodedata.normalize("NFKC", name or "").casefold()
    words = [word.replace("_", "") for word in _WORD.findall(text)]
    kept = [word for word in words if word not in _LATIN_FORMS]
    joined = "".join(kept)
    for form in _CHINESE_FORMS:
        joined = joined.replace(form, "")
    return joined or "".join(words)


class NameIndex:
    """Customers' names, ready to find the one a payer name means (50,000 names: a
    fuzzy look-up takes about 3 ms, an exact one microseconds; answers are memoized)."""

    def __init__(self, names: dict[int, str]) -> None:
        by_name: dict[str, list[int]] = {}
        for customer_id, name in names.items():
            key = normalize_name(name)
            if key:
                by_name.setdefault(key, []).append(customer_id)
        self._ids = by_name
        self._choices = list(by_name)
        # names by length: a ratio of SCORE_CUTOFF - AMBIGUITY or more needs lengths within
        # a band (2 * short / (short + long) >= cutoff), so most names are never looked at
        self._by_length: dict[int, list[str]] = {}
        for key in self._choices:
            self._by_length.setdefault(len(key), []).append(key)
        self._memo: dict[str, tuple[int, int] | None] = {}

    def __len__(self) -> int:
        return len(self._choices)

    def best(self, name: str) -> tuple[int, int] | None:
        """(customer id, score 0..100): 100 for the same normalized name; else the best
        fuzzy match at :data:`SCORE_CUTOFF` or above; None when nothing fits or when two
        customers fit within :data:`AMBIGUITY` points of each other."""
        key = normalize_name(name)
        if not key:
            return None
        exact = self._ids.get(key)
        if exact is not None:
            return (exact[0], 100) if len(exact) == 1 else None
        if key not in self._memo:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = self._fuzzy(key)
        return self._memo[key]

    def _fuzzy(self, key: str) -> tuple[int, int] | None:
        floor = (SCORE_CUTOFF - AMBIGUITY) / 100
        shortest = math.ceil(len(key) * floor / (2 - floor)) - 1  # a length to spare for
        longest = math.floor(len(key) * (2 - floor) / floor) + 1  # floating-point rounding
        found: list[tuple[str, float]] = []
        for length in range(shortest, longest + 1):
            names = self._by_length.get(length)
            if names:
                found += [(name, score) for name, score, _ in process.extract(
                    key, names, scorer=fuzz.ratio, processor=None, limit=2,
                    score_cutoff=SCORE_CUTOFF - AMBIGUITY)]
        found.sort(key=lambda hit: -hit[1])
        if not found:
            return None
        choice, score = found[0]
        if score < SCORE_CUTOFF or len(self._ids[choice]) > 1:
            return None
        if len(found) > 1 and found[1][1] >= score - AMBIGUITY:
            return None
        return self._ids[choice][0], min(round(score), 99)  # 100 means the same name
