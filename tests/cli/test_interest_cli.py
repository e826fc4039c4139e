"""`arflow report interest` (JSON fields exactly, CSV) and `arflow interest waive|unwaive`
with their refusals (exit 2), on the interest ledger (tests/ledger/interest_book.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import built
from tests.ledger.interest_book import build

ROOT = Path(__file__).resolve().parents[2]
POLICY = "interest:\n  rate_per_day: 0.0005\n  grace_days: 5\n  min_amount: 0\n  from: due_date\n"


@pytest.fixture
def ledger(arflow, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return built(arflow, db_url, tmp_path, build)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    (folder / "interest.yaml").write_text(POLICY, encoding="utf-8")
    return folder


def test_report_json_fields_exactly(ledger, policy: Path) -> None:  # type: ignore[no-untyped-def]
    ran = ledger("report", "interest", "--as-of", "2026-03-31", "--policy", str(policy),
                 "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    data = ran.json()
    assert set(data) == {"as_of", "rows", "totals"}
    assert data["as_of"] == "2026-03-31"
    assert data["rows"] == [
        {"number": "I-1", "customer_code": "C001", "currency": "CNY", "days": 30,
         "interest": 1050.0},
        {"number": "I-4", "customer_code": "C001", "currency": "CNY", "days": 30,
         "interest": 216.0},
        {"number": "I-3", "customer_code": "C002", "currency": "USD", "days": 14,
         "interest": 70.0},
    ]
    assert data["totals"] == {"CNY": 1266.0, "USD": 70.0}
    assert '"interest": 1050.00' in ran.stdout  # exact cents, digit for digit


def test_report_csv_and_no_policy_key(ledger, policy: Path) -> None:  # type: ignore[no-untyped-def]
    ran = ledger("report", "interest", "--as-of", "2026-03-31", "--policy", str(policy),
                 "--format", "csv")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.splitlines()[:2] == ["number,customer,currency,days,interest",
                                           "I-1,C001,CNY,30,1050.00"]
    assert "total,,USD,,70.00" in ran.stdout
    bare = ledger("report", "interest", "--as-of", "2026-03-31", "--format", "json")
    assert bare.exit_code == 0 and bare.json()["rows"] == [] and bare.json()["totals"] == {}
    assert "no interest: key" in bare.stderr


def test_waive_then_unwaive(ledger, policy: Path) -> None:  # type: ignore[no-untyped-def]
    waived = ledger("interest", "waive", "C001", "--reason", "key account")
    assert waived.exit_code == 0, waived.stderr
    assert waived.stdout.strip() == "C001: late-payment interest waived (key account)"
    rows = ledger("report", "interest", "--as-of", "2026-03-31", "--policy", str(policy),
                  "--format", "json").json()["rows"]
    assert [r["number"] for r in rows] == ["I-3"]
    again = ledger("interest", "waive", "C001", "--reason", "twice")
    assert again.exit_code == 2 and "already waived" in again.stderr
    assert ledger("interest", "unwaive", "C001").exit_code == 0
    rows = ledger("report", "interest", "--as-of", "2026-03-31", "--policy", str(policy),
                  "--format", "json").json()["rows"]
    assert [r["number"] for r in rows] == ["I-1", "I-4", "I-3"]


@pytest.mark.parametrize("args, message", [
    (("interest", "waive", "C001"), "--reason: say why"),
    (("interest", "waive", "C001", "--reason", "  "), "--reason: say why"),
    (("interest", "waive", "C999", "--reason", "x"), "no customer 'C999'"),
    (("interest", "unwaive", "C001"), "interest for C001 is not waived"),
    (("report", "interest", "--as-of", "31/03/2026"), "--as-of"),
    (("report", "interest", "--format", "pdf"), "--format: one of"),
])
def test_refusals_exit_2(ledger, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    ran = ledger(*args)
    assert ran.exit_code == 2, (ran.stdout, ran.stderr)
    assert message in ran.stderr and len(ran.stderr.strip().splitlines()) == 1


def test_a_bad_interest_policy_names_file_and_line(ledger, policy: Path) -> None:  # type: ignore[no-untyped-def]
    (policy / "interest.yaml").write_text("interest:\n  rate_per_day: 0.05\n", encoding="utf-8")
    ran = ledger("report", "interest", "--policy", str(policy))
    assert ran.exit_code == 2
    assert "interest.yaml:2: interest.rate_per_day must be a number from 0 to 0.01" in ran.stderr
