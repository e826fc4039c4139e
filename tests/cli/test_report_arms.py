"""`arflow report kpi|collectors --by arm` on the worked-example ledger, the challenger
taking segment export (C002) and the champion C001: each arm's figures are those of its
customers alone, worked out by hand below from tests/ledger/reports/book.py."""

from __future__ import annotations

import pytest

from ledger.db import make_engine
from tests.ledger.reports.book import worked_example
from tests.policies import champion_and_challenger

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


@pytest.fixture
def ledger(arflow, db_url, tmp_path, monkeypatch):
    engine = make_engine(db_url)
    worked_example(engine).close()
    engine.dispose()
    folder = champion_and_challenger(tmp_path, "{folder: rules-challenger, segment: export}")
    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(folder))
    return arflow


def test_kpis_by_arm_are_each_arms_own_figures(ledger):
    ran = ledger("report", "kpi", *MARCH, "--by", "arm", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    data = ran.json()
    assert data["challenger"] == {"folder": "rules-challenger", "takes": "segment export"}
    champion, challenger = data["arms"]["champion"], data["arms"]["challenger"]
    # C001: AR 3000 at the start (R1 700, R2 2000, R6 300), nothing at the end, no sales;
    # R6's 300 written off; CEI (3000 - 300) / 3000; R2 paid on time in 28 days, R1 late
    # in 79: 53.5 days on average
    assert (champion["beginning_receivables"], champion["receivables_end"],
            champion["credit_sales"]) == (3000.0, 0.0, 0.0)
    assert (champion["dso_simple"], champion["cei"], champion["written_off"]) == (
        None, 90.0, 300.0)
    assert (champion["settled_count"], champion["settled_on_time"],
            champion["avg_days_to_pay"]) == (2, 1, 53.5)
    # C002: R3 500 and R4 800 sold in March, open at its end (R3 overdue, R4 not due);
    # DSO 1300 x 31 / 1300, best 800 x 31 / 1300, nothing collected: CEI 0
    assert (challenger["beginning_receivables"], challenger["receivables_end"],
            challenger["credit_sales"]) == (0.0, 1300.0, 1300.0)
    assert (challenger["dso_simple"], challenger["best_possible_dso"], challenger["cei"],
            challenger["overdue_ratio"]) == (31.0, 19.08, 0.0, 0.3846)
    assert (challenger["settled_count"], challenger["written_off_count"]) == (0, 0)
    whole = ledger("report", "kpi", *MARCH, "--format", "json").json()
    for figure in ("beginning_receivables", "receivables_end", "credit_sales", "written_off",
                   "settled_count"):  # the two arms add up to the whole
        assert champion[figure] + challenger[figure] == whole[figure]
    table = ledger("report", "kpi", *MARCH, "--by", "arm")
    assert table.exit_code == 0 and "champion" in table.stdout and "challenger" in table.stdout
    months = ledger("report", "kpi", "--to", "2026-03-31", "--months", "2", "--by", "arm",
                    "--format", "json").json()["arms"]
    assert [m["credit_sales"] for m in months["champion"]["months"]] == [2000.0, 0.0]
    assert [m["credit_sales"] for m in months["challenger"]["months"]] == [0.0, 1300.0]


def test_collectors_by_arm_count_each_arms_customers(ledger):
    args = ("--from", "2026-03-01", "--to", "2026-04-30", "--format", "json")
    data = ledger("report", "collectors", *args, "--by", "arm").json()
    lines = {arm: [(x["collector"], x["collected"]) for x in part["collectors"]]
             for arm, part in data["arms"].items()}
    # li.na's C001: 2000 on 03-10 and 700 on 03-25; wang.wei's C002: R3's 500 on 04-10
    assert lines == {"champion": [("li.na", 2700.0)], "challenger": [("wang.wei", 500.0)]}
    whole = ledger("report", "collectors", *args).json()["collectors"]
    assert [(x["collector"], x["collected"]) for x in whole] == [("li.na", 2700.0),
                                                                ("wang.wei", 500.0)]


def test_by_arm_needs_a_challenger(ledger, monkeypatch):
    wrong = ledger("report", "kpi", *MARCH, "--by", "segment")
    assert wrong.exit_code == 2 and "--by: only 'arm'" in wrong.stderr
    from tests.policies import ROOT

    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(ROOT / "rules"))
    none = ledger("report", "collectors", *MARCH, "--by", "arm")
    assert none.exit_code == 2 and "the policy names no challenger" in none.stderr


def test_an_empty_arm_has_nothing_and_the_other_is_the_whole(ledger, tmp_path, monkeypatch):
    folder = champion_and_challenger(tmp_path / "empty", "{folder: rules-challenger, "
                                                         "segment: nobody}")
    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(folder))
    arms = ledger("report", "kpi", *MARCH, "--by", "arm", "--format", "json").json()["arms"]
    whole = ledger("report", "kpi", *MARCH, "--format", "json").json()
    assert arms["champion"] == whole
    assert (arms["challenger"]["receivables_end"], arms["challenger"]["credit_sales"],
            arms["challenger"]["dso_simple"]) == (0.0, 0.0, None)


def test_collectors_by_arm_leave_the_whole_books_targets_out(ledger):
    """A collector's monthly target is for the whole book: an arm's part of it is not
    compared with it (issue 16 review); the report without --by arm still is."""
    args = ("--from", "2026-03-01", "--to", "2026-04-30")
    whole = ledger("report", "collectors", *args, "--format", "json").json()["collectors"]
    assert whole[0]["target_collected"] == 500000.0 and whole[0]["met"]
    data = ledger("report", "collectors", *args, "--by", "arm", "--format", "json").json()
    assert data["targets"] == "whole book: compared in the report without --by arm"
    for part in data["arms"].values():
        for line in part["collectors"]:
            assert not {"target_collected", "collected_vs_target", "met"} & line.keys()
            assert "collected" in line and "promise_kept_rate" in line
    table = ledger("report", "collectors", *args, "--by", "arm")
    assert table.exit_code == 0, table.stderr
    assert "vs target" not in table.stdout and "targets met" not in table.stdout
    assert "targets are for the whole book" in " ".join(table.stdout.split())
    assert "vs target" in ledger("report", "collectors", *args).stdout
