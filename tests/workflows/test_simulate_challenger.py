"""A simulation of a policy naming a challenger replays each customer under its arm's
policy, as the cycle does: over a hand-built history (both databases) the simulation of
the policy in force gives the stage moves, reminders and tasks the real cycle then makes
over the same days."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select
from sqlmodel import Session

from engine import load_policy_texts
from ledger.models import Outbox, StageChange
from tests.factories import load, mail_setup, seed_customers, write
from tests.workflows.test_simulate import (
    ACTIVE,
    ACTIVE_TEXT,
    CALENDAR,
    CANDIDATE_TEXT,
    FIRST,
    LAST,
    RECEIVABLES,
    TODAY,
)
from workflows.cycle import run_days
from workflows.replay import week_of
from workflows.simulate import simulate

# C002 (segment export) under the candidate's rules: escalated at 20 days, not 30
IN_FORCE = load_policy_texts(
    {"policy.yaml": ACTIVE_TEXT + "challenger: {folder: chal, segment: export}\n"},
    challenger={"policy.yaml": CANDIDATE_TEXT})


def _real(engine: Engine) -> dict[str, object]:
    """What the cycles wrote in the period, counted as the simulation counts."""
    with Session(engine) as s:
        moves = Counter(s.execute(select(StageChange.to_stage).where(
            StageChange.actor == "cycle", StageChange.on_date.between(FIRST, LAST))).scalars())
        sent = s.execute(select(Outbox.step, Outbox.for_date, Outbox.customer_id)).all()
    return {"stage_moves": {stage: n for stage, n in moves.items() if n},
            "per_step": dict(Counter(step for step, _, _ in sent)),
            "per_week": dict(Counter(week_of(on) for _, on, _ in sent)),
            "customers_contacted": len({cid for _, _, cid in sent})}


def _simulated(side: dict) -> dict[str, object]:
    return {"stage_moves": {stage: n for stage, n in side["stage_moves"].items() if n},
            "per_step": {step: n for step, n in side["reminders"]["per_step"].items() if n},
            "per_week": side["reminders"]["per_week"],
            "customers_contacted": side["reminders"]["customers_contacted"]}


def test_the_simulation_of_the_policy_in_force_is_what_the_cycle_does(db, tmp_path):
    seed_customers(db, tmp_path)
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    result = simulate(db, IN_FORCE, ACTIVE, FIRST, LAST, today=TODAY,
                      calendar=CALENDAR).as_dict()
    in_force, champion_alone = result["active"], result["candidate"]
    assert in_force["policy_hash"] == IN_FORCE.hash
    assert in_force["challenger_hash"] == IN_FORCE.challenger_policy.hash
    assert "challenger_hash" not in champion_alone
    assert "challenger_hash" not in result["differences"]
    # the champion alone would not escalate INV-2 (C002, 20 days late on 03-07)
    assert result["differences"]["stage_moves"]["escalated"] == -1
    assert in_force["tasks"]["per_collector_week"] == {"li.na": {"2026-W10": 1},
                                                       "wang.wei": {"2026-W10": 1}}

    run_days(db, IN_FORCE, FIRST, LAST, mail=mail_setup())
    real = _real(db)
    assert real["stage_moves"]["escalated"] == 2
    assert _simulated(in_force) == real
