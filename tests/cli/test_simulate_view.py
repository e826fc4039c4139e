"""The simulation's tables list weeks in calendar order, whichever policy has them."""

from __future__ import annotations

from arflow.cli.output import console
from arflow.cli.simulate_view import print_simulation


def _side(weeks: dict[str, int], tasks: dict[str, int]) -> dict:
    return {"policy_hash": "a" * 64, "stage_moves": {},
            "reminders": {"messages": sum(weeks.values()), "customers_contacted": 1,
                          "per_step": {}, "per_week": weeks},
            "tasks": {"opened": sum(tasks.values()), "per_collector_week": {"li": tasks}},
            "warnings": {}, "orders": {}, "credit": {"ratings": {}}}


def test_week_rows_are_sorted_across_both_policies():
    data = {"period": {"from": "2026-09-28", "to": "2026-11-15", "days": 49},
            "active": _side({"2026-W41": 1, "2026-W46": 2}, {"2026-W46": 1}),
            "candidate": _side({"2026-W40": 3, "2026-W46": 1}, {"2026-W40": 1}),
            "differences": {"credit": {"customers": {}}}}
    with console.capture() as captured:
        print_simulation(data, detail=False)
    lines = captured.get().splitlines()
    weeks = [next(i for i, line in enumerate(lines) if f"week 2026-W{w}" in line)
             for w in (40, 41, 46)]
    assert weeks == sorted(weeks)
    tasks = [next(i for i, line in enumerate(lines) if f"li 2026-W{w}" in line)
             for w in (40, 46)]
    assert tasks == sorted(tasks)


def test_the_header_names_the_challenger_of_a_side_that_has_one():
    active = {**_side({}, {}), "policy_hash": "1" * 64, "challenger_hash": "2" * 64}
    data = {"period": {"from": "2026-09-28", "to": "2026-11-15", "days": 49},
            "active": active, "candidate": {**_side({}, {}), "policy_hash": "3" * 64},
            "differences": {"credit": {"customers": {}}}}
    with console.capture() as captured:
        print_simulation(data, detail=False)
    header = " ".join(captured.get().split("nothing was written")[0].split())
    assert f"in force {'1' * 12} (challenger {'2' * 12}), candidate {'3' * 12};" in header
