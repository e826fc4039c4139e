"""`arflow promise` (on an invoice or a customer's account), `arflow plan`, and the
`arflow promises` / `arflow plans` listings, as a collector or a script uses them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.factories import CUSTOMERS, write

TODAY = date.today()  # the CLI's business day is the wall clock's (Asia/Shanghai)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    f"A-1,C001,2026-01-01,{TODAY - timedelta(days=60)},30000.00,CNY\n"
    f"A-2,C001,2026-01-01,{TODAY - timedelta(days=30)},20000.00,CNY\n"
    f"A-3,C001,2026-01-01,{TODAY + timedelta(days=30)},2000.00,CNY\n"
    f"B-1,C002,2026-01-01,{TODAY - timedelta(days=30)},500.00,USD\n"
)


def _day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def _load(arflow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    assert arflow("import", "receivables",
                  str(write(tmp_path / "r.csv", RECEIVABLES))).exit_code == 0


def test_promises_and_plans_recorded_and_listed(arflow, tmp_path):  # type: ignore[no-untyped-def]
    _load(arflow, tmp_path)
    ran = arflow("promise", "--customer", "C001", "--date", _day(7), "--amount", "35,000")
    assert ran.exit_code == 0, ran.stderr
    assert "C001: promise to pay 35,000.00" in ran.stdout and "covers A-1, A-2" in ran.stdout
    assert arflow("promise", "A-3", "--date", _day(3)).exit_code == 0
    assert arflow("promise", "--customer", "C002", "--date", _day(5), "--amount", "100",
                  "--invoices", "B-1").exit_code == 0
    promises = arflow("promises", "--customer", "C001", "--json").json()
    assert [(p["receivables"], p["date"], p["amount"], p["status"]) for p in promises] == [
        (["A-3"], _day(3), None, "open"), (["A-1", "A-2"], _day(7), 35000, "open")]
    assert {"id", "customer_code", "receivables", "date", "amount", "status"} <= promises[0].keys()

    plan = arflow("plan", "C001", "--instalment", f"{_day(10)}:20000",
                  "--instalment", f"{_day(40)}:10,000", "--invoices", "A-1")
    assert plan.exit_code == 0, plan.stderr
    assert "payment plan 1 of 2 instalments (30,000.00)" in plan.stdout
    [listed] = arflow("plans", "--json").json()
    assert (listed["customer_code"], listed["receivables"], listed["dates"], listed["amounts"],
            listed["status"]) == ("C001", ["A-1"], [_day(10), _day(40)], [20000, 10000], "open")
    # the plan took A-1: the promise covering was superseded
    statuses = {tuple(p["receivables"]): p["status"]
                for p in arflow("promises", "--json").json()}
    assert statuses == {("A-3",): "open", ("A-1", "A-2"): "cancelled", ("B-1",): "open"}
    assert [p["id"] for p in arflow("promises", "--status", "cancelled", "--json").json()] == [1]
    assert arflow("plans", "--customer", "C002", "--json").json() == []
    table = arflow("plans")
    assert table.exit_code == 0 and "30,000.00" in table.stdout
    assert "A-3" in arflow("promises").stdout


def test_bad_input_is_one_line_and_exit_2(arflow, tmp_path):  # type: ignore[no-untyped-def]
    _load(arflow, tmp_path)
    for args, words in (
        (("promise", "--customer", "C001", "--date", _day(7), "--amount", "60000"),
         "--amount: 60,000.00 is more than the 52,000.00 owed on the invoices covered"),
        (("promise", "--customer", "C001", "--date", _day(7), "--amount", "10",
          "--invoices", "B-1"), "--invoices: B-1 is not an invoice of C001"),
        (("promise", "--customer", "C001", "--date", _day(-1), "--amount", "10"),
         "--date: "),
        (("promise", "A-1", "--customer", "C001", "--date", _day(7)), "not both"),
        (("promise", "--date", _day(7)), "name an invoice"),
        (("promise", "A-1", "--date", _day(7), "--invoices", "A-2"), "only with --customer"),
        (("promise", "A-1", "--date", _day(7), "--amount", "0"), "--amount: "),
        (("promise", "--customer", "C404", "--date", _day(7)), "no customer 'C404'"),
        (("plan", "C001", "--instalment", f"{_day(9)}:10", "--instalment", f"{_day(9)}:10"),
         "--instalment: instalment 2: "),
        (("plan", "C001", "--instalment", "tomorrow:10"), "--instalment: not a date"),
        (("plan", "C001", "--instalment", _day(9)), "--instalment: DATE:AMOUNT"),
        (("plan", "C001", "--instalment", f"{_day(9)}:abc"), "--instalment: not an amount"),
        (("plan", "C001", "--instalment", f"{_day(9)}:60000"), "--instalment: 60,000.00 is more"),
        (("promises", "--status", "lost"), "--status: one of open, kept, broken, cancelled"),
        (("plans", "--status", "lost"), "--status: one of"),
    ):
        ran = arflow(*args)
        assert ran.exit_code == 2, (args, ran.stdout)
        assert ran.stderr.count("\n") == 1 and words in ran.stderr, (args, ran.stderr)
    assert arflow("promises", "--json").json() == [] and arflow("plans", "--json").json() == []
