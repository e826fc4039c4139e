"""Turning what the rules fired for one receivable into the day's changes (no SQL here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ledger import task_store
from ledger.audit import AuditEntry
from ledger.cycle_store import StageMove, StageStep, WarningClosed, WarningOpened
from ledger.task_store import TaskRow
from workflows.lifecycle import FORWARD, StageRow, advance, fire, furthest

if TYPE_CHECKING:
    from engine import Policy
    from engine.expressions import Expression
    from engine.policy import TaskSpec

SETTLE_RULE = "balance-zero"


@dataclass
class DayPlan:
    """Everything one cycle day would change, as typed rows ready for ledger/ (one
    writer per kind: ledger/cycle_store and ledger/audit)."""

    stage_rows: list[StageMove] = field(default_factory=list)
    stage_changes: list[StageStep] = field(default_factory=list)
    warnings_opened: list[WarningOpened] = field(default_factory=list)
    warnings_closed: list[WarningClosed] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    activities: list[AuditEntry] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # reminder emails
    held: list[dict[str, Any]] = field(default_factory=list)  # waiting for the catch-up gap
    moved: int = 0
    settled: int = 0

    def extend(self, other: DayPlan) -> None:
        for name in (
            "stage_rows",
            "stage_changes",
            "warnings_opened",
            "warnings_closed",
            "tasks",
            "activities",
            "messages",
            "held",
        ):
            getattr(self, name).extend(getattr(other, name))
        self.moved += other.moved
        self.settled += other.settled


def target_stage(facts: dict[str, Any], fired: list[str]) -> tuple[str, str] | None:
    """The stage to move to today and the rule that decided it, or None to stay.

    Zero balance settles from any stage; a dispute or an open promise holds the stage;
    otherwise the furthest open stage ahead whose condition holds. Never backwards.
    """
    if facts["balance"] <= 0:
        return "paid", SETTLE_RULE
    if facts["disputed"] or facts["promised"]:
        return None
    reachable = [rule.split(":", 1)[1] for rule in fired if rule.startswith("stage:")]
    target = furthest(facts["stage"], reachable)
    return (target, f"stage:{target}") if target else None


@dataclass(frozen=True)
class StageRules:
    """What a day reads of a policy's stages, worked out once per run (the cycle's planner
    and the simulation's replay both decide with it)."""

    on_enter: dict[str, list[TaskSpec]]  # stage -> the tasks opened on entering it
    when: dict[str, Expression]  # stage rule id -> its condition
    local: set[str]  # stages whose condition reads ``days_in_stage`` or ``stage``

    @classmethod
    def of(cls, policy: Policy) -> StageRules:
        return cls({stage.name: stage.on_enter for stage in policy.stages},
                   {stage.rule_id: stage.when for stage in policy.stages},
                   {stage.name for stage in policy.stages
                    if stage.when.facts & {"days_in_stage", "stage"}})

    def confirm_jumps(self, facts: dict[str, Any], fired: list[str]) -> list[str]:
        """``fired`` without the stages two or more steps ahead whose condition fails with
        0 days in stage: such a stage is entered right after the one before it, so a
        condition reading ``days_in_stage`` (or ``stage``) must also hold then.

        Without this, an invoice imported 500 days late would satisfy legal's
        ``days_in_stage >= 30`` with the days it spent in ``current``. The engine has
        already said the condition holds on today's facts; only that same parsed condition
        is checked again on the what-if facts (few receivables, few conditions)."""
        far = far_stage_local(facts["stage"], fired, self.local)
        if not far:
            return fired
        what_if = {**facts, "days_in_stage": 0}
        return [r for r in fired if r not in far or self.when[r].evaluate(what_if)]


def far_stage_local(current: str, fired: list[str], stage_local: set[str]) -> set[str]:
    """Fired stage rules two or more steps ahead whose condition reads stage-local facts."""
    if current not in FORWARD:
        return set()
    start = FORWARD.index(current) + 2
    return {f"stage:{s}" for s in FORWARD[start:] if s in stage_local and f"stage:{s}" in fired}


def walk(row: StageRow, target: str) -> None:
    """Apply the move through the lifecycle machine (illegal moves raise)."""
    steps, stage, resume = _path(row.stage, row.resume_stage, target)
    row.steps.extend(steps)
    row.stage, row.resume_stage = stage, resume


@lru_cache(maxsize=256)
def _path(
    stage: str, resume_stage: str | None, target: str
) -> tuple[tuple[tuple[str, str], ...], str, str | None]:
    """The machine's answer for one (stage, target), worked out once per cycle process.

    The lifecycle depends on nothing but the stage, so a portfolio's hundred thousand
    moves need the machine only for the few distinct paths.
    """
    probe = StageRow(0, stage, resume_stage)
    if target == "paid":
        fire(probe, "settle")
    else:
        advance(probe, target)
    return tuple(probe.steps), probe.stage, probe.resume_stage


def stage_rows(
    row: StageRow, old_stage: str, on_date: date, *, rule_id: str, policy_hash: str, actor: str
) -> tuple[StageMove, list[StageStep]]:
    """What a move through the machine writes: the receivable's new stage (``set_stages``
    sets it only if the receivable is still at ``old_stage``) and one history row per step
    taken (``insert_stage_changes``)."""
    update = StageMove(
        rid=row.id,
        old_stage=old_stage,
        stage=row.stage,
        resume_stage=row.resume_stage,
        stage_since=on_date,
    )
    history = [
        StageStep(
            receivable_id=row.id,
            from_stage=src,
            to_stage=dest,
            on_date=on_date,
            rule_id=rule_id,
            policy_hash=policy_hash,
            actor=actor,
        )
        for src, dest in row.steps
    ]
    return update, history


def task_row(
    spec: Any,
    *,
    customer_id: int,
    receivable_ids: Iterable[int],
    collector: str | None,
    rule_id: str,
    policy_hash: str,
    as_of: date,
) -> TaskRow:
    """An on_enter task: ``assign: collector`` means the customer's collector."""
    assignee = (collector or "") if spec.assign == "collector" else spec.assign
    return task_store.task_row(
        spec.kind, customer_id=customer_id, receivable_ids=receivable_ids, assignee=assignee,
        due_date=as_of + timedelta(days=spec.due_in_days), rule_id=rule_id,
        policy_hash=policy_hash, created_on=as_of)


def stage_index(stage: str) -> int:
    return FORWARD.index(stage) if stage in FORWARD else len(FORWARD)
