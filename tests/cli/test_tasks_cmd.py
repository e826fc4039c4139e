"""`arflow tasks` (customer tasks for scripts: --json fields, filters), `arflow task done|
assign` (refusals are one line and exit 2) and `arflow call` (a call completes the
customer's open call task), on both databases; and after the demo no customer has two open
tasks of one kind for one assignee."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import Engine

from tests.factories import CUSTOMERS, write
from tests.web.portfolio import people

RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-1,C001,2026-01-01,2026-01-31,150000.00,CNY\n"
    "INV-2,C001,2026-02-01,2026-02-28,120000.00,CNY\n"
    "INV-3,C001,2026-02-01,2026-03-05,500.00,CNY\n"
    "INV-4,C002,2026-02-01,2026-03-01,20000.00,USD\n"
    "INV-5,C001,2026-04-01,2026-05-30,900.00,CNY\n"
)
FIELDS = {"id", "kind", "customer_code", "receivables", "assignee", "due_date", "status",
          "at_risk"}


def _book(arflow, db: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """INV-1..INV-3 (C001, li.na's) and INV-4 (C002, wang.wei's) escalate on 2026-04-10;
    INV-5 is not due."""
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    assert arflow("import", "receivables",
                  str(write(tmp_path / "r.csv", RECEIVABLES))).exit_code == 0
    people(db, ("li.na", "collector"), ("wang.wei", "collector"))
    assert arflow("cycle", "--as-of", "2026-04-10").exit_code == 0


def _one_line_refusal(ran) -> str:  # type: ignore[no-untyped-def]
    assert ran.exit_code == 2, ran.stdout + ran.stderr
    assert ran.stderr.startswith("arflow: ") and ran.stderr.strip().count("\n") == 0, ran.stderr
    return ran.stderr.strip()


def test_tasks_json_fields_and_filters(arflow, db: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _book(arflow, db, tmp_path)
    rows = arflow("tasks", "--json").json()
    assert all(FIELDS <= row.keys() for row in rows)
    by_customer = {row["customer_code"]: row for row in rows}
    assert sorted(by_customer) == ["C001", "C002"] and len(rows) == 2  # one task each
    c001 = by_customer["C001"]
    assert (c001["kind"], c001["assignee"], c001["status"], c001["due_date"]) == (
        "call", "li.na", "open", "2026-04-12")
    assert c001["receivables"] == ["INV-1", "INV-2", "INV-3"]  # oldest due first; not INV-5
    assert c001["at_risk"] == 270500.0  # what is still owed on those three
    assert by_customer["C002"]["receivables"] == ["INV-4"]
    assert by_customer["C002"]["assignee"] == "wang.wei"
    only = arflow("tasks", "--customer", "C002", "--json").json()
    assert [r["customer_code"] for r in only] == ["C002"]
    assert [r["customer_code"] for r in arflow("tasks", "--assignee", "li.na", "--json").json()
            ] == ["C001"]
    assert arflow("tasks", "--kind", "legal_handover", "--json").json() == []
    assert arflow("tasks", "--status", "done", "--json").json() == []
    assert len(arflow("tasks", "--limit", "1", "--json").json()) == 1
    human = arflow("tasks")
    assert human.exit_code == 0 and "C001" in human.stdout and "INV-1" in human.stdout
    assert "--status" in _one_line_refusal(arflow("tasks", "--status", "lost"))


def test_task_done_and_assign_and_their_refusals(arflow, db: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _book(arflow, db, tmp_path)
    [c001] = arflow("tasks", "--customer", "C001", "--json").json()
    [c002] = arflow("tasks", "--customer", "C002", "--json").json()
    assert "no task 99999" in _one_line_refusal(arflow("task", "done", "99999"))
    unknown = _one_line_refusal(arflow("task", "assign", str(c001["id"]), "--to", "nobody"))
    assert unknown == "arflow: --to: 'nobody' is not an active collector"
    same = _one_line_refusal(arflow("task", "assign", str(c001["id"]), "--to", "li.na"))
    assert "already assigned to li.na" in same
    moved = arflow("task", "assign", str(c002["id"]), "--to", "li.na")
    assert moved.exit_code == 0 and "assigned to li.na" in moved.stdout
    assert sorted(r["customer_code"] for r in arflow("tasks", "--assignee", "li.na",
                                                     "--json").json()) == ["C001", "C002"]
    done = arflow("task", "done", str(c001["id"]), "--note", "statement sent")
    assert done.exit_code == 0 and f"task {c001['id']} done" in done.stdout
    assert "already done" in _one_line_refusal(arflow("task", "done", str(c001["id"])))
    [closed] = arflow("tasks", "--status", "done", "--json").json()
    assert (closed["id"], closed["status"], closed["note"]) == (
        c001["id"], "done", "statement sent")
    assert closed["receivables"] == ["INV-1", "INV-2", "INV-3"]  # what it was about
    assert [r["customer_code"] for r in arflow("tasks", "--json").json()] == ["C002"]


def test_a_call_on_the_customer_completes_its_call_task(arflow, db: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _book(arflow, db, tmp_path)
    assert "--outcome" in _one_line_refusal(
        arflow("call", "--customer", "C001", "--outcome", "busy"))
    assert _one_line_refusal(arflow("call", "--outcome", "reached"))  # neither named
    assert _one_line_refusal(arflow("call", "INV-1", "--customer", "C001",
                                    "--outcome", "reached"))  # both named
    assert "NOPE" in _one_line_refusal(arflow("call", "--customer", "NOPE",
                                              "--outcome", "reached"))
    assert len(arflow("tasks", "--json").json()) == 2  # refused calls changed nothing
    ran = arflow("call", "--customer", "C001", "--outcome", "reached", "--note", "pays Friday")
    assert ran.exit_code == 0 and "C001" in ran.stdout
    assert [r["customer_code"] for r in arflow("tasks", "--json").json()] == ["C002"]
    [done] = arflow("tasks", "--status", "done", "--customer", "C001", "--json").json()
    assert (done["kind"], done["note"]) == ("call", "call: reached - pays Friday")
    # a call about one of C002's invoices completes C002's call task too
    assert arflow("call", "INV-4", "--outcome", "no_answer").exit_code == 0
    assert arflow("tasks", "--json").json() == []
    assert {r["customer_code"] for r in arflow("tasks", "--status", "done", "--json").json()
            } == {"C001", "C002"}


def test_after_the_demo_no_customer_has_two_open_tasks_of_one_kind_for_one_assignee(
        arflow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ran = arflow("demo", "--as-of", "2025-06-16", "--customers", "30", "--invoices", "600",
                 "--json")
    assert ran.exit_code == 0, ran.stderr
    rows = arflow("tasks", "--json").json()
    assert rows and all(FIELDS <= row.keys() for row in rows)
    keys = Counter((r["customer_code"], r["kind"], r["assignee"]) for r in rows)
    assert [key for key, n in keys.items() if n > 1] == []
    # collected by customer: some task lists several invoices, each at most once
    assert max(len(r["receivables"]) for r in rows) > 1
    assert all(len(set(r["receivables"])) == len(r["receivables"]) for r in rows)
