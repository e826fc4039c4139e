"""Which of a customer's open invoices one transfer pays: a bounded subset-sum search.

Customers pay several invoices with one transfer and name none of them. Among the oldest
:data:`MAX_INVOICES` invoices this finds the combinations of at most :data:`MAX_SIZE`
whose balances add up to the amount (or to at most ``slack`` more: bank charges), fewest
invoices first, then the oldest.

Meet in the middle: a combination of k invoices is its first k//2 positions (a *head*)
and the rest (a *tail*, all later); the tails are kept in buckets of their sums (as wide
as the bank-charges tolerance), so each head finds its tails with a dictionary look-up.
Sets of at most three invoices (2,625 of 25) serve every size up to six, so one search
costs a millisecond or two; a work budget bounds the pathological case of many equal
balances, and what was found when it runs out is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

MAX_INVOICES = 25
MAX_SIZE = 6
WORK_BUDGET = 20_000  # heads and tails looked at per search


@dataclass(frozen=True)
class Combination:
    """Positions (into the balances given, oldest first) of invoices paid together."""

    positions: tuple[int, ...]
    total: int  # cents


def find_combinations(balances: list[int], target: int, slack: int = 0, *,
                      min_size: int = 2, max_size: int = MAX_SIZE) -> list[Combination]:
    """The combinations of the smallest size that has any whose total is within
    ``[target, target + slack]`` (cents; balances oldest first), the oldest first; at
    most two (two mean: ambiguous). [] when none within the budget."""
    return CombinationSearch(balances, slack + 1).find(target, slack, min_size=min_size,
                                                       max_size=max_size)


class CombinationSearch:
    """The oldest :data:`MAX_INVOICES` balances, their small subsets' sums kept between
    searches (an exact amount first, then within the bank-charges tolerance)."""

    def __init__(self, balances: list[int], width: int = 1) -> None:
        # a balance of 0 or less is never part of a payment
        self.values = list(balances[:MAX_INVOICES])
        # tails are bucketed by ``sum // width``: a search whose window (slack + 1) is at
        # most ``width`` wide looks in two buckets per head
        self.width = max(width, 1)
        self._heads: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        self._tails: dict[tuple[int, int], dict[int, list[tuple[int, tuple[int, ...]]]]] = {}

    def find(self, target: int, slack: int = 0, *, min_size: int = 2,
             max_size: int = MAX_SIZE) -> list[Combination]:
        if target <= 0 or slack < 0:
            return []
        work = [WORK_BUDGET]
        high = target + slack
        ascending = sorted(v for v in self.values if v > 0)
        for size in range(max(min_size, 1), min(max_size, MAX_SIZE, len(ascending)) + 1):
            if sum(ascending[:size]) > high:
                break  # the smallest balances are already too much, and more would be
            if sum(ascending[-size:]) < target:
                continue  # the largest are not enough
            found = self._of_size(size, target, high, work)
            if found or work[0] <= 0:
                return found
        return []

    def _of_size(self, size: int, low: int, high: int, work: list[int]) -> list[Combination]:
        if size == 1:
            return [Combination((i,), v) for i, v in enumerate(self.values)
                    if v > 0 and low <= v <= high][:2]
        width = max(self.width, high - low + 1)
        buckets = self._buckets(size - size // 2, width)
        heads = self._subsets(size // 2)  # in age order
        # a window is at most one bucket wide, so it touches two: keep the heads that find any
        heads = [(head_sum, head) for head_sum, head in heads
                 if (low - head_sum) // width in buckets
                 or (high - head_sum) // width in buckets]
        found: list[Combination] = []
        for head_sum, head in heads:
            first, last = (low - head_sum) // width, (high - head_sum) // width
            candidates = buckets.get(first, []) + (buckets.get(last, []) if last != first
                                                   else [])
            work[0] -= len(candidates) + 1
            matches = sorted(tail for tail_sum, tail in candidates
                             if tail[0] > head[-1] and low <= head_sum + tail_sum <= high)
            for tail in matches[:2 - len(found)]:
                found.append(Combination(head + tail, head_sum + self._sum(tail)))
            if len(found) >= 2 or work[0] <= 0:
                break
        return found

    def _buckets(self, size: int, width: int) -> dict[int, list[tuple[int, tuple[int, ...]]]]:
        """The sets of ``size`` balances by ``sum // width``."""
        if (size, width) not in self._tails:
            buckets: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
            for subset_sum, subset in self._subsets(size):
                buckets.setdefault(subset_sum // width, []).append((subset_sum, subset))
            self._tails[size, width] = buckets
        return self._tails[size, width]

    def _sum(self, positions: tuple[int, ...]) -> int:
        return sum(self.values[i] for i in positions)

    def _subsets(self, size: int) -> list[tuple[int, tuple[int, ...]]]:
        """(sum, positions) of every set of ``size`` positive balances, in age order."""
        if size not in self._heads:
            v = self.values
            usable = [i for i, value in enumerate(v) if value > 0]
            if size == 1:
                subsets = [(v[a], (a,)) for a in usable]
            elif size == 2:
                subsets = [(v[a] + v[b], (a, b)) for a, b in combinations(usable, 2)]
            else:
                subsets = [(v[a] + v[b] + v[c], (a, b, c))
                           for a, b, c in combinations(usable, 3)]
            self._heads[size] = subsets
        return self._heads[size]

    def _sorted_tails(self, size: int) -> tuple[list[int], list[tuple[int, ...]]]:
        if size not in self._tails:
            ordered = sorted(self._subsets(size))
            self._tails[size] = ([s for s, _ in ordered], [c for _, c in ordered])
        return self._tails[size]
