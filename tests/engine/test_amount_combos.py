"""The bounded subset-sum search behind "one transfer for several invoices"
(engine/amount_combos), checked against brute force."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.amount_combos import MAX_INVOICES, CombinationSearch, find_combinations


def brute(balances: list[int], low: int, high: int, min_size: int = 2,
          max_size: int = 6) -> list[tuple[int, ...]]:
    values = balances[:MAX_INVOICES]
    for size in range(min_size, min(max_size, len(values)) + 1):
        found = [c for c in combinations(range(len(values)), size)
                 if all(values[i] > 0 for i in c) and low <= sum(values[i] for i in c) <= high]
        if found:
            return found[:2]
    return []


def test_fewest_invoices_first_then_the_oldest() -> None:
    # 500 = 100 + 400 = 200 + 300: two pairs, the one with the older first invoice first
    assert [c.positions for c in find_combinations([100, 200, 300, 400], 500)] == [(0, 3), (1, 2)]
    assert [c.positions for c in find_combinations([100, 200, 300, 400], 700)] == [(2, 3)]
    # 600 = 200 + 400 (a pair) before 100 + 200 + 300 (three)
    assert [c.positions for c in find_combinations([100, 200, 300, 400], 600)] == [(1, 3)]
    assert find_combinations([100, 200, 300, 400], 1000)[0].positions == (0, 1, 2, 3)
    assert find_combinations([100, 200, 300, 400], 1001) == []


def test_within_a_slack() -> None:
    found = find_combinations([100, 200, 300, 400], 990, 20)
    assert [(c.positions, c.total) for c in found] == [((0, 1, 2, 3), 1000)]
    assert find_combinations([100, 200, 300, 400], 950, 20) == []


def test_at_most_six_of_the_oldest_twenty_five() -> None:
    assert find_combinations([100] * 10, 600)[0].positions == (0, 1, 2, 3, 4, 5)
    assert find_combinations([100] * 10, 700) == []  # seven invoices: too many
    late = [1] * 25 + [5000]
    assert find_combinations(late, 5001) == []  # the 26th invoice is not looked at


def test_one_search_serves_the_exact_amount_then_the_tolerance() -> None:
    search = CombinationSearch([250000, 80000, 1000000], 5001)
    assert search.find(329000) == []  # 2500.00 + 800.00 = 3300.00, not 3290.00
    assert [c.positions for c in search.find(329001, 4999)] == [(0, 1)]


@settings(max_examples=300, deadline=None)
@given(balances=st.lists(st.integers(min_value=-5, max_value=3000), max_size=12),
       target=st.integers(min_value=1, max_value=8000),
       slack=st.sampled_from([0, 0, 3, 50]),
       min_size=st.integers(min_value=1, max_value=3))
def test_the_same_as_brute_force(balances: list[int], target: int, slack: int,
                                 min_size: int) -> None:
    found = find_combinations(balances, target, slack, min_size=min_size)
    assert [c.positions for c in found] == brute(balances, target, target + slack, min_size)
    for combination in found:
        assert combination.total == sum(balances[i] for i in combination.positions)
