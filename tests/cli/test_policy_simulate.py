"""`arflow policy simulate` on both databases, over the hand-built history of
tests/workflows/test_simulate.py: its JSON fields, the tables, --detail, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.db import make_engine
from tests.cli.conftest import built
from tests.factories import write
from tests.workflows.test_simulate import (
    ACTIVE_TEXT,
    CANDIDATE_TEXT,
    row_counts,
    seed_history,
)

PERIOD = ("--from", "2026-03-02", "--to", "2026-03-15")


@pytest.fixture
def cli(arflow, db_url, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The history in the database, the active policy in force, the candidate in a folder."""
    (tmp_path / "active").mkdir()
    (tmp_path / "candidate").mkdir()
    write(tmp_path / "active" / "policy.yaml", ACTIVE_TEXT)
    write(tmp_path / "candidate" / "policy.yaml", CANDIDATE_TEXT)
    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(tmp_path / "active"))
    return built(arflow, db_url, tmp_path, seed_history)


def test_json_compares_the_two_policies_and_writes_nothing(cli, db_url, tmp_path):
    engine = make_engine(db_url)
    before = row_counts(engine)
    ran = cli("policy", "simulate", str(tmp_path / "candidate"), *PERIOD, "--json")
    assert ran.exit_code == 0, ran.stderr
    data = ran.json()
    assert list(data) == ["period", "active", "candidate", "differences"]
    assert data["period"] == {"from": "2026-03-02", "to": "2026-03-15", "days": 14}
    assert data["differences"]["stage_moves"]["escalated"] == 1
    assert data["differences"]["warnings"] == {"yellow": 0, "orange": -2, "red": 2}
    assert data["differences"]["orders"]["reject"] == 1
    assert "receivables" not in data["differences"]
    assert row_counts(engine) == before
    engine.dispose()


def test_tables_for_a_credit_manager_and_the_detail(cli, tmp_path):
    ran = cli("policy", "simulate", str(tmp_path / "candidate"), *PERIOD, "--detail")
    assert ran.exit_code == 0, ran.stderr
    out = ran.stdout
    for title in ("receivables entering each stage", "reminder emails", "warnings opened",
                  "tasks opened per assignee and week", "orders created in the period",
                  "credit scorecard on 2026-03-15", "receivables treated differently"):
        assert title in out
    assert "nothing was written" in out
    line = next(row for row in out.splitlines() if "INV-2" in row)
    assert "now overdue" in line and "now escalated" in line
    data = cli("policy", "simulate", str(tmp_path / "candidate"), *PERIOD, "--json",
               "--detail").json()
    assert [r["number"] for r in data["differences"]["receivables"]] == ["INV-1", "INV-2"]


@pytest.mark.parametrize(("period", "message"), [
    (("--from", "2026-03-15", "--to", "2026-03-02"), "--to: 2026-03-02 is before --from"),
    (("--from", "2026-03-02", "--to", "2199-12-01"), "--to: 2199-12-01 is in the future"),
    (("--from", "2025-01-01", "--to", "2026-03-02"), "--from: the period is 426 days"),
    (("--from", "2026-03-02", "--to", "2026-02-30"), "--to: not a date"),
])
def test_a_bad_period_is_one_line_and_exit_2(cli, tmp_path, period, message):
    ran = cli("policy", "simulate", str(tmp_path / "candidate"), *period)
    assert ran.exit_code == 2
    assert ran.stderr.startswith(f"arflow: {message}") and ran.stderr.count("\n") == 1


def test_a_candidate_that_does_not_load_gives_its_file_and_line(cli, tmp_path):
    write(tmp_path / "candidate" / "policy.yaml",
          CANDIDATE_TEXT.replace("days_overdue >= 20", "days_overdue >= twenty"))
    ran = cli("policy", "simulate", str(tmp_path / "candidate"), *PERIOD)
    assert ran.exit_code == 2
    assert "policy.yaml:" in ran.stderr and "twenty" in ran.stderr
    assert ran.stdout == ""
