"""`arflow credit ...` and `arflow customer show` as scripts use them: --json keys, exit 2."""

from __future__ import annotations

from pathlib import Path

from tests.factories import CUSTOMERS, write

RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-1,C001,2026-01-01,2026-01-31,1500.00,CNY\n"
    "INV-2,C001,2026-03-01,2026-03-31,800.00,CNY\n"
)
PAYMENTS = "reference,customer_code,date,amount,invoice_number\nP-1,C001,2026-01-20,1500.00,INV-1\n"
KEYS = {"code", "score", "rating", "credit_limit", "payment_terms_days", "prepayment_ratio",
        "factors"}
FAR = "2099-12-31"


def _load(arflow, tmp_path: Path) -> None:
    assert arflow("import", "customers", str(write(tmp_path / "c.csv", CUSTOMERS))).exit_code == 0
    assert arflow("import", "receivables", str(write(tmp_path / "r.csv", RECEIVABLES))
                  ).exit_code == 0
    assert arflow("import", "payments", str(write(tmp_path / "p.csv", PAYMENTS))).exit_code == 0


def test_review_json_keys_and_apply(arflow, tmp_path):
    _load(arflow, tmp_path)
    ran = arflow("credit", "review", "--as-of", "2026-04-30", "--json")
    assert ran.exit_code == 0
    rows = {row["code"]: row for row in ran.json()}
    assert set(rows) == {"C001", "C002"}
    for row in rows.values():
        assert KEYS <= row.keys()
        assert set(row["factors"]) == {"on_time_rate", "avg_days_late", "years_as_customer"}
        for factor in row["factors"].values():
            assert set(factor) == {"value", "points", "weight"}
    c001 = rows["C001"]["factors"]
    # INV-1 paid 11 days early, INV-2 open and 30 days late: 1 of 2 on time; 0 days late avg
    assert c001["on_time_rate"] == {"value": 0.5, "points": 0, "weight": 40}
    assert c001["avg_days_late"] == {"value": 0, "points": 100, "weight": 30}
    assert c001["years_as_customer"] == {"value": 0.32, "points": 20, "weight": 30}
    assert rows["C001"]["score"] == 36.0 and rows["C001"]["rating"] == "D"
    assert rows["C002"]["factors"]["on_time_rate"]["value"] is None
    before = arflow("customer", "show", "C001", "--json").json()
    assert before["rating"] is None and before["credit_limit"] == 500000
    applied = arflow("credit", "review", "--as-of", "2026-04-30", "--apply")
    assert applied.exit_code == 0 and "2 reviewed, 2 changed" in applied.stdout
    again = arflow("credit", "review", "--as-of", "2026-04-30", "--apply")
    assert "2 reviewed, 0 changed" in again.stdout
    file = arflow("customer", "show", "C001", "--json").json()
    assert (file["rating"], file["credit_limit"], file["prepayment_ratio"]) == ("D", 20000, 0.3)
    assert file["factors"]["on_time_rate"]["points"] == "0"
    assert {"field": "rating", "old": "", "new": "D"}.items() <= next(
        h for h in file["history"] if h["field"] == "rating").items()


def test_review_of_one_customer_shows_the_breakdown(arflow, tmp_path):
    _load(arflow, tmp_path)
    ran = arflow("credit", "review", "--customer", "C001", "--as-of", "2026-04-30")
    assert ran.exit_code == 0
    assert "on_time_rate" in ran.stdout and "→" in ran.stdout


def test_override_guarantee_and_the_credit_file(arflow, tmp_path):
    _load(arflow, tmp_path)
    ran = arflow("credit", "override", "C001", "--limit", "750000", "--reason", "parent",
                 "--until", FAR)
    assert ran.exit_code == 0
    ran = arflow("credit", "guarantee", "C001", "--kind", "bank", "--amount", "100000",
                 "--expires", FAR)
    assert ran.exit_code == 0
    file = arflow("customer", "show", "C001", "--json").json()
    assert (file["credit_limit"], file["limit_override"], file["override_reason"]) == (
        750000, 750000, "parent")
    assert file["open_balance"] == 800 and file["exposure"] == 800
    assert file["open_orders"] == 0 and file["unapplied_credit"] == 0
    assert file["guarantees"][0]["kind"] == "bank" and file["guarantees"][0]["amount"] == 100000
    assert {h["field"] for h in file["history"]} == {
        "credit_limit", "limit_override", "override_reason", "override_until", "guarantee"}
    shown = arflow("customer", "show", "C001")
    assert shown.exit_code == 0 and "override 750,000.00" in shown.stdout
    assert arflow("credit", "override", "C001", "--clear").exit_code == 0
    assert arflow("customer", "show", "C001", "--json").json()["limit_override"] is None


def _one_line_exit_2(ran, text: str) -> None:
    assert ran.exit_code == 2, ran.stdout
    assert text in ran.stderr and ran.stderr.strip().count("\n") == 0


def test_bad_input_is_one_line_exit_2(arflow, tmp_path):
    _load(arflow, tmp_path)
    _one_line_exit_2(arflow("customer", "show", "NOPE"), "no customer 'NOPE'")
    _one_line_exit_2(arflow("credit", "review", "--customer", "NOPE"), "no customer 'NOPE'")
    _one_line_exit_2(arflow("credit", "review", "--as-of", "2026-02-30"), "--as-of")
    _one_line_exit_2(arflow("credit", "override", "C001", "--limit", "-5", "--reason", "r",
                            "--until", FAR), "negative")
    _one_line_exit_2(arflow("credit", "override", "C001", "--limit", "5", "--reason", "r",
                            "--until", "2000-01-01"), "in the past")
    _one_line_exit_2(arflow("credit", "override", "C001", "--limit", "x", "--reason", "r",
                            "--until", FAR), "--limit")
    _one_line_exit_2(arflow("credit", "override", "C001", "--limit", "5"), "--until")
    _one_line_exit_2(arflow("credit", "override", "C001", "--clear"), "no limit override")
    _one_line_exit_2(arflow("credit", "override", "NOPE", "--limit", "5", "--reason", "r",
                            "--until", FAR), "no customer")
    _one_line_exit_2(arflow("credit", "guarantee", "C001", "--kind", "bank", "--amount", "0"),
                     "positive")
    _one_line_exit_2(arflow("credit", "guarantee", "C001", "--kind", "bank", "--amount", "1",
                            "--expires", "soon"), "--expires")
