"""`arflow writeoff INV` (propose, --approve, --reject) and `arflow writeoffs` on the small
write-off ledger (tests/workflows/writeoff_book.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import built
from tests.workflows.writeoff_book import build


@pytest.fixture
def ledger(arflow, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return built(arflow, db_url, tmp_path, build)


def test_propose_then_approve_then_list(ledger) -> None:  # type: ignore[no-untyped-def]
    proposed = ledger("writeoff", "R-2", "--reason", "customer gone", "--amount", "1,000.00")
    assert proposed.exit_code == 0, proposed.stderr
    assert proposed.stdout.strip() == "R-2: write-off #1 of 1,000.00 CNY proposed"
    waiting = ledger("writeoffs", "--status", "proposed", "--json").json()
    assert [(w["id"], w["invoice"], w["customer_code"], w["amount"], w["currency"],
             w["reason"], w["status"], w["decided_by"], w["decided_on"]) for w in waiting] == [
        (1, "R-2", "C001", 1000.0, "CNY", "customer gone", "proposed", "", None)]
    assert set(waiting[0]) >= {"proposed_by", "proposed_on"}
    assert waiting[0]["proposed_by"].startswith("cli:")
    approved = ledger("writeoff", "R-2", "--approve", "--note", "agreed")
    assert approved.exit_code == 0, approved.stderr
    assert approved.stdout.strip() == (
        "R-2: write-off #1 of 1,000.00 CNY approved; balance 7,000.00")
    assert ledger("writeoffs", "--status", "proposed", "--json").json() == []
    done = ledger("writeoffs", "--json").json()[0]
    assert (done["status"], done["decision_note"]) == ("approved", "agreed")
    assert done["decided_by"].startswith("cli:") and done["decided_on"] is not None
    shown = ledger("receivables", "--customer", "C001", "--json").json()
    assert {r["number"]: r["balance"] for r in shown}["R-2"] == 7000.0
    table = ledger("writeoffs")
    assert table.exit_code == 0 and "customer gone" in table.stdout


def test_propose_and_approve_at_once_writes_it_off(ledger) -> None:  # type: ignore[no-untyped-def]
    ran = ledger("writeoff", "R-1", "--reason", "insolvent", "--approve")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == (
        "R-1: write-off #1 of 50,000.00 CNY approved; balance 0.00 (written off)")
    shown = ledger("receivables", "--stage", "written_off", "--json").json()
    assert [r["number"] for r in shown] == ["R-1"]


def test_reject_needs_a_note(ledger) -> None:  # type: ignore[no-untyped-def]
    assert ledger("writeoff", "R-3", "--reason", "lost").exit_code == 0
    no_note = ledger("writeoff", "R-3", "--reject")
    assert no_note.exit_code == 2
    assert no_note.stderr.strip() == "arflow: --note: say why the write-off is rejected"
    ran = ledger("writeoff", "R-3", "--reject", "--note", "still paying")
    assert ran.exit_code == 0 and "R-3: write-off #1 of 3,000.00 CNY rejected" in ran.stdout
    assert ledger("writeoffs", "--status", "rejected", "--json").json()[0]["invoice"] == "R-3"


@pytest.mark.parametrize(("args", "message"), [
    (("R-1",), "--reason: say why to propose a write-off (or --approve / --reject the one "
               "waiting)"),
    (("R-1", "--reason", " "), "--reason: a write-off needs a reason"),
    (("R-1", "--reason", "x", "--amount", "50000.01"),
     "--amount: the write-off must be more than 0 and at most the balance of R-1, "
     "50,000.00 CNY; got 50,000.01"),
    (("R-1", "--reason", "x", "--amount", "12,3x"), "--amount: not an amount: '12,3x' (a "
     "comma may only separate thousands, as in 1,234.56; the decimal separator is a point)"),
    (("R-1", "--amount", "5"), "--amount: only with --reason (a new proposal)"),
    (("R-1", "--approve", "--reject"), "--approve and --reject: one or the other"),
    (("R-1", "--reject", "--reason", "x"),
     "--reject: takes only --note (why), not a new --reason or --amount"),
    (("R-1", "--approve"), "no write-off of R-1 is waiting for a decision"),
    (("R-404", "--reason", "x"), "no receivable 'R-404'"),
])
def test_bad_input_is_one_line_and_exit_2(ledger, args, message) -> None:  # type: ignore[no-untyped-def]
    ran = ledger("writeoff", *args)
    assert (ran.exit_code, ran.stderr.strip()) == (2, f"arflow: {message}")


def test_a_second_proposal_and_a_bad_status(ledger) -> None:  # type: ignore[no-untyped-def]
    assert ledger("writeoff", "R-1", "--reason", "x", "--amount", "10").exit_code == 0
    again = ledger("writeoff", "R-1", "--reason", "y")
    assert again.exit_code == 2
    assert "R-1 already has a write-off of 10.00 waiting for a decision (#1" in again.stderr
    bad = ledger("writeoffs", "--status", "open")
    assert (bad.exit_code, bad.stderr.strip()) == (
        2, "arflow: --status: one of proposed, approved, rejected, not 'open'")
