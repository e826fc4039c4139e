"""The command line as scripts use it: exit codes, one-line errors, --json field names."""

from __future__ import annotations

from pathlib import Path

from tests.factories import CUSTOMERS, write

RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-1,C001,2026-01-01,2026-01-31,150000.00,CNY\n"
    "INV-2,C001,2026-03-01,2026-03-31,800.00,CNY\n"
    "INV-3,C002,2026-02-01,2026-03-03,99.50,USD\n"
)
PAYMENTS = "reference,customer_code,date,amount,invoice_number\nP-1,C002,2026-03-01,120.00,INV-3\n"


def _load(arflow, tmp_path: Path) -> None:
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    assert (
        arflow("import", "receivables", str(write(tmp_path / "r.csv", RECEIVABLES))).exit_code == 0
    )
    ran = arflow("import", "payments", str(write(tmp_path / "p.csv", PAYMENTS)), "--json")
    assert ran.exit_code == 0
    assert ran.json()["inserted"] == 1 and ran.json()["settled"] == 1


def test_import_json_and_customers_with_unapplied_credit(arflow, tmp_path):
    _load(arflow, tmp_path)
    customers = {c["code"]: c for c in arflow("customers", "--json").json()}
    assert customers["C002"]["unapplied_credit"] == 20.5
    assert customers["C001"]["name"] == "上海华东机电有限公司"
    assert {"code", "name", "unapplied_credit"} <= customers["C001"].keys()


def test_bad_import_exit_2_lists_every_row(arflow, tmp_path):
    arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS)))
    bad = write(
        tmp_path / "bad.csv",
        "number,customer_code,issue_date,due_date,amount,currency\n"
        "X-1,C001,2026-01-01,2026-01-31,-1,CNY\nX-2,ZZZ,2026-01-01,2026-01-31,1,CNY\n",
    )
    ran = arflow("import", "receivables", str(bad))
    assert ran.exit_code == 2
    assert "bad.csv:2: amount: negative amount: -1" in ran.stderr
    assert "bad.csv:3: customer_code: unknown customer 'ZZZ'" in ran.stderr
    assert arflow("receivables", "--json").json() == []


def test_missing_file_and_bad_date_are_one_line_exit_2(arflow, tmp_path):
    ran = arflow("import", "customers", str(tmp_path / "nope.csv"))
    assert ran.exit_code == 2 and ran.stderr.strip().count("\n") == 0
    ran = arflow("cycle", "--as-of", "2026-02-30")
    assert ran.exit_code == 2 and "--as-of" in ran.stderr


def test_policy_check_names_file_and_line(arflow, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "collection.yaml").write_text("stages:\n  overdue:\n    when: days_overdu >= 1\n")
    ran = arflow("policy", "check", str(folder))
    assert ran.exit_code == 2
    assert (
        ran.stderr.startswith(f"{folder / 'collection.yaml'}:3:")
        or ran.stderr.startswith("collection.yaml:3:")
        or ":3:" in ran.stderr.splitlines()[0]
    )
    ok = arflow("policy", "check")
    assert ok.exit_code == 0 and "policy ok" in ok.stdout


def test_cycle_json_summary_is_idempotent(arflow, tmp_path):
    _load(arflow, tmp_path)
    first = arflow("cycle", "--as-of", "2026-04-10", "--json").json()
    for key in (
        "as_of",
        "evaluated",
        "stage_moves",
        "warnings_opened",
        "warnings_closed",
        "tasks_opened",
    ):
        assert key in first
    assert first["as_of"] == "2026-04-10" and first["evaluated"] == 2
    # INV-1 current→due_soon→overdue→escalated (a call task), INV-2 →due_soon→overdue
    assert first["stage_moves"] == 5 and first["tasks_opened"] == 1
    second = arflow("cycle", "--as-of", "2026-04-10", "--json").json()
    assert (second["stage_moves"], second["warnings_opened"], second["tasks_opened"]) == (0, 0, 0)


def test_dry_run_prints_changes_and_writes_nothing(arflow, tmp_path):
    _load(arflow, tmp_path)
    ran = arflow("cycle", "--as-of", "2026-04-10", "--dry-run")
    assert ran.exit_code == 0 and "escalated" in ran.stdout and "dry run" in ran.stdout
    stages = {r["number"]: r["stage"] for r in arflow("receivables", "--json").json()}
    assert stages == {"INV-1": "current", "INV-2": "current", "INV-3": "paid"}


def test_listings_for_scripts(arflow, tmp_path):
    _load(arflow, tmp_path)
    arflow("cycle", "--from", "2026-04-01", "--to", "2026-04-10")
    rows = arflow("receivables", "--stage", "escalated", "--as-of", "2026-04-10", "--json").json()
    assert [
        (r["number"], r["customer_code"], r["stage"], r["balance"], r["days_overdue"]) for r in rows
    ] == [("INV-1", "C001", "escalated", 150000.0, 69)]
    warnings = arflow("warnings", "--json").json()
    assert warnings and {"rule", "level", "scope", "subject"} <= warnings[0].keys()
    assert {(w["rule"], w["scope"], w["subject"]) for w in warnings} >= {
        ("big-and-late", "receivable", "INV-1"),
        ("slipping-customer", "customer", "C001"),
    }
    story = arflow("show", "INV-1", "--as-of", "2026-04-10", "--json").json()
    assert story["stage"] == "escalated"
    assert [h["to"] for h in story["history"]] == ["due_soon", "overdue", "escalated"]
    assert story["facts"]["days_overdue"] == 69 and "warning:big-and-late" in story["rules_holding"]
    human = arflow("show", "INV-1", "--as-of", "2026-04-10")
    assert "stage history" in human.stdout and "audit trail" in human.stdout
    assert arflow("show", "NOPE").exit_code == 2
    assert arflow("receivables", "--stage", "bogus").exit_code == 2


def test_a_corrected_payment_reopens_what_it_no_longer_pays(arflow, tmp_path):
    _load(arflow, tmp_path)
    pay = "reference,customer_code,date,amount,invoice_number\n"
    ran = arflow(
        "import",
        "payments",
        str(write(tmp_path / "p2.csv", pay + "P-2,C001,2026-02-20,800.00,INV-2\n")),
        "--json",
    )
    assert ran.json()["settled"] == 1
    ran = arflow(
        "import",
        "payments",
        str(write(tmp_path / "p3.csv", pay + "P-2,C001,2026-02-20,600.00,INV-2\n")),
        "--json",
    )
    assert (ran.json()["updated"], ran.json()["reopened"]) == (1, 1)
    (inv2,) = [r for r in arflow("receivables", "--json").json() if r["number"] == "INV-2"]
    assert (inv2["stage"], inv2["balance"]) == ("current", 200.0)


def test_reimporting_balances_after_a_payment_changes_nothing(arflow, tmp_path):
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    with_balance = (
        "number,customer_code,issue_date,due_date,amount,currency,balance\n"
        "B-1,C001,2026-01-01,2026-01-31,1000.00,CNY,1000.00\n"
    )
    path = write(tmp_path / "r.csv", with_balance)
    arflow("import", "receivables", str(path))
    arflow(
        "import",
        "payments",
        str(
            write(
                tmp_path / "p.csv",
                "reference,customer_code,date,amount\nP-9,C001,2026-02-01,1000.00\n",
            )
        ),
    )
    again = arflow("import", "receivables", str(path), "--json").json()
    assert (again["unchanged"], again["reopened"]) == (1, 0)
    (b1,) = arflow("receivables", "--json").json()
    assert (b1["stage"], b1["balance"]) == ("paid", 0)


def test_import_of_a_foreign_export_opens_its_disputes(arflow, tmp_path, db) -> None:
    """`arflow import receivables --mapping`: settled dates pay, disputed flags dispute."""
    from sqlmodel import Session, select

    from ledger.models import Receivable
    from tests.ledger.test_import_history import EXPORT, MAPPING

    arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS)))
    export = write(tmp_path / "export.csv", EXPORT, encoding="gbk")
    mapping = write(tmp_path / "map.yaml", MAPPING)
    ran = arflow("import", "receivables", str(export), "--mapping", str(mapping), "--json")
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["disputed"] == 1 and ran.json()["settled"] == 2
    with Session(db) as session:
        stages = dict(session.exec(select(Receivable.number, Receivable.stage)).all())
    assert stages["FX-1"] == "paid" and stages["FX-4"] == "paid"
    assert stages["FX-2"] == "disputed" and stages["FX-3"] == "current"
    again = arflow("import", "receivables", str(export), "--mapping", str(mapping), "--json")
    assert again.json()["disputed"] == 0 and again.json()["inserted"] == 0


def test_an_imported_payment_closes_the_warnings_of_what_it_settles(arflow, tmp_path, db):
    from sqlmodel import Session, select

    from ledger.models import Activity, Receivable, RiskWarning

    arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS)))
    arflow("import", "receivables", str(write(
        tmp_path / "r.csv", "number,customer_code,issue_date,due_date,amount\n"
                            "INV-9,C001,2026-01-01,2026-02-01,500.00\n")))
    with Session(db) as session:
        receivable = session.exec(select(Receivable)).one()
        session.add(RiskWarning(rule_id="big-late", level="red", scope="receivable",
                                subject="INV-9", customer_id=receivable.customer_id,
                                receivable_id=receivable.id, opened_on=receivable.due_date,
                                facts={}))
        session.commit()
    ran = arflow("import", "payments", str(write(
        tmp_path / "p.csv", "reference,customer_code,date,amount,invoice_number\n"
                            "PAY-9,C001,2026-03-01,500.00,INV-9\n")))
    assert ran.exit_code == 0, ran.stderr
    with Session(db) as session:
        warning = session.exec(select(RiskWarning)).one()
        audit = session.exec(select(Activity).where(Activity.action == "warning_closed")).one()
    assert warning.closed_on is not None
    assert (audit.actor, audit.subject, audit.details["reason"]) == ("import", "INV-9", "paid")
