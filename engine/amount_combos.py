"""Which of a customer's open invoices one transfer pays: a bounded subset-sum search.

Customers pay several invoices with one transfer and name none of them. Among the oldest
:data:`MAX_INVOICES` invoices this finds the combinations of at most :data:`MAX_SIZE`
whose balances add up to the amount (or to at most ``slack`` more: bank charges), fewest
invoices first, then the oldest. A node budget keeps one search to a few milliseconds
whatever the balances; when it runs out, what was found so far is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_INVOICES = 25
MAX_SIZE = 6
NODE_BUDGET = 10_000


@dataclass(frozen=True)
class Combination:
    """Positions (into the balances given, oldest first) of invoices paid together."""

    positions: tuple[int, ...]
    total: int  # cents


def find_combinations(balances: list[int], target: int, slack: int = 0, *,
                      min_size: int = 2, max_size: int = MAX_SIZE,
                      budget: int = NODE_BUDGET) -> list[Combination]:
    """The combinations of the smallest size that has any, whose total is within
    ``[target, target + slack]`` (cents, balances oldest first, > 0), the oldest first;
    at most two (two mean: ambiguous). [] when none within the budget."""
    # a balance of 0 or less can never be part of a payment: larger than any total
    values = [value if value > 0 else target + slack + 1 for value in balances[:MAX_INVOICES]]
    if target <= 0:
        return []
    search = _Search(values, target, target + slack, budget)
    for size in range(min_size, min(max_size, len(values)) + 1):
        found = search.run(size)
        if found:
            return found
        if search.budget <= 0:
            break
    return []


class _Search:
    """Depth-first over positions in increasing order (so the oldest come first), pruned
    by the smallest and the largest sums the remaining picks could still add."""

    def __init__(self, values: list[int], low: int, high: int, budget: int) -> None:
        self.values = values
        self.low = low
        self.high = high
        self.budget = budget
        n = len(values)
        # least[i][r] / most[i][r]: the smallest / largest sum of r values from position i on
        self.least = [[0] * (MAX_SIZE + 1) for _ in range(n + 1)]
        self.most = [[0] * (MAX_SIZE + 1) for _ in range(n + 1)]
        for i in range(n - 1, -1, -1):
            tail = sorted(values[i:])
            for r in range(1, MAX_SIZE + 1):
                if r > len(tail):
                    self.least[i][r] = self.most[i][r] = -1
                else:
                    self.least[i][r] = sum(tail[:r])
                    self.most[i][r] = sum(tail[-r:])

    def run(self, size: int) -> list[Combination]:
        found: list[Combination] = []
        self._walk(0, size, 0, [], found)
        return found

    def _walk(self, start: int, left: int, total: int, picked: list[int],
              found: list[Combination]) -> None:
        if left == 0:
            if self.low <= total <= self.high:
                found.append(Combination(tuple(picked), total))
            return
        for i in range(start, len(self.values) - left + 1):
            if len(found) >= 2 or self.budget <= 0:
                return
            self.budget -= 1
            least, most = self.least[i][left], self.most[i][left]
            if least < 0 or total + least > self.high:
                return  # later positions only have fewer values to choose from
            if total + most < self.low:
                return
            picked.append(i)
            self._walk(i + 1, left - 1, total + self.values[i], picked, found)
            picked.pop()

