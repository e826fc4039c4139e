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


# A remittance text is cut into ASCII letter/digit groups. Between two groups of one number
# people write spaces, dashes, slashes, dots (``INV-2026-0042``, ``INV/2026/0042``,
# ``No.42``); Chinese, commas and other marks end a number. A digit group after a list
# mark names another number with that tail (``0042/0043``, ``0042、0043``); after a range
# mark, every number up to it (``0042~0045``, ``0042至0045``; ``0042-0045`` when both have
# the same width, three digits at least, so that dates such as ``11-30`` are not ranges).
_GROUP = re.compile(r"[0-9A-Z]+")
_JOINERS = frozenset(" \t-/._#:")
_LIST_MARKS = frozenset({",", "、", "/", ";", "&", "+", "及", "和", "与", "與"})
_RANGE_MARKS = frozenset({"~", "至", "到", "-", "–", "—"})
_DASH = "-"
MAX_KEYS = 64  # keys per text: the Book answers for the few that exist
MAX_GROUPS = 5  # groups in one key: INV-2026-11-0042 is four
MAX_RANGE = 50  # numbers per range: ``0001~9999`` is not a remittance
MIN_KEY_LENGTH = 3  # "1" or "42" in a text would name too many invoices


def keys_in_text(text: str) -> list[str]:
    """Every plausible invoice-number key in a remittance text, likeliest forms first.

    The format of invoice numbers is not known, so this over-generates: every run of up to
    five groups joined as a number is one that ends in a group with a digit, and lists and
    ranges name further numbers by replacing the tail of the first. At most
    :data:`MAX_KEYS` keys, each with a digit and at least three characters; the ledger
    answers only for keys that exist.
    """
    folded = unicodedata.normalize("NFKC", text or "").upper()
    groups = [(m.group(), m.start(), m.end()) for m in _GROUP.finditer(folded)]
    gaps = [""] + [folded[groups[i - 1][2]:groups[i][1]] for i in range(1, len(groups))]
    ranked: dict[str, int] = {}  # key -> 0 for runs of up to three groups, else 1

    def add(key: str, groups_in_run: int) -> None:
        key = key[:KEY_LENGTH]
        if len(key) >= MIN_KEY_LENGTH and _has_digit(key):
            rank = 0 if groups_in_run <= 3 else 1
            ranked[key] = min(rank, ranked.get(key, rank))

    for end, (group, _, _) in enumerate(groups):
        if not _has_digit(group):
            continue
        heads = _runs_ending_at(groups, gaps, end)
        for size in range(len(heads), 0, -1):  # the longest (most specific) first
            add(heads[size - 1], size)
            for key in _list_keys(heads[size - 1], groups, gaps, end):
                add(key, size)
        if len(ranked) >= 4 * MAX_KEYS:
            break
    keys = sorted(ranked, key=ranked.__getitem__)  # stable: first found first within a rank
    return keys[:MAX_KEYS]


def whole_keys(text: str) -> set[str]:
    """The keys of the text's whole numbers: runs of joined groups with no joined group
    before or after them (``2026`` in ``INV-2026-0042`` is only part of a number; in
    ``INV-2026-0042, 2026`` it is a number of its own)."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    groups = [(m.group(), m.start(), m.end()) for m in _GROUP.finditer(folded)]
    gaps = [""] + [folded[groups[i - 1][2]:groups[i][1]] for i in range(1, len(groups))]
    keys: set[str] = set()
    start = 0
    for end in range(len(groups)):
        if end + 1 < len(groups) and _is_joiner(gaps[end + 1]):
            continue
        run = "".join(group for group, _, _ in groups[start:end + 1])
        if end - start < MAX_GROUPS and _has_digit(run):
            keys.add(run[:KEY_LENGTH])
        start = end + 1
    return keys


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _runs_ending_at(groups: list[tuple[str, int, int]], gaps: list[str], end: int) -> list[str]:
    """The keys of the runs of joined groups ending at ``end``, shortest first."""
    runs = [groups[end][0]]
    start = end
    while start > 0 and len(runs) < MAX_GROUPS and _is_joiner(gaps[start]):
        start -= 1
        runs.append(groups[start][0] + runs[-1])
    return runs


def _is_joiner(gap: str) -> bool:
    return 0 < len(gap) <= 3 and all(ch in _JOINERS for ch in gap)


def _list_keys(head: str, groups: list[tuple[str, int, int]], gaps: list[str],
               end: int) -> list[str]:
    """The numbers a list or range after group ``end`` names: ``head`` with a new tail."""
    keys: list[str] = []
    previous = groups[end][0]
    for nxt in range(end + 1, len(groups)):
        mark = gaps[nxt].strip()
        element = groups[nxt][0]
        if not element.isdigit() or len(mark) != 1:
            break
        if mark in _RANGE_MARKS and _is_range(previous, element, mark):
            tails = _range_tails(previous[-len(element):], element)
        elif mark in _LIST_MARKS or (mark in _RANGE_MARKS and mark != _DASH):
            tails = [element]  # a list, or a range too long to expand: its ends
        else:
            break
        keys.extend(head[:len(head) - len(tail)] + tail for tail in tails
                    if len(tail) <= len(head))
        previous = element
    return keys


def _is_range(previous: str, element: str, mark: str) -> bool:
    start = previous[-len(element):]
    if len(start) != len(element) or not start.isdigit():
        return False
    if mark == _DASH and len(element) < 3:
        return False
    return int(start) < int(element) <= int(start) + MAX_RANGE - 1


def _range_tails(start: str, stop: str) -> list[str]:
    width = len(stop)
    return [str(n).zfill(width) for n in range(int(start) + 1, int(stop) + 1)]
