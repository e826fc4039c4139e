"""Planning one cycle day: what the rules fired becomes stage moves, warnings, tasks and
audit rows (as typed rows; ledger/ writes them, the cycle decides when)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine import Policy, RuleEngine
from ledger import cycle_store as store
from ledger import interest as ledger_interest
from ledger import reminder_store
from ledger.audit import AuditEntry
from ledger.cycle_store import WarningClosed, WarningOpened
from ledger.db import Session
from ledger.facts import receivable_facts
from workflows.decisions import (
    DayPlan,
    StageRules,
    stage_rows,
    target_stage,
    task_row,
    walk,
)
from workflows.lifecycle import StageRow
from workflows.reminders import ReminderPlanner
from workflows.watches import BUILTIN_LEVELS, Watches, insurer_task

ACTOR = "cycle"


@dataclass
class DayContext:
    """What one day's planning needs, loaded once per cycle."""

    session: Session
    policy: Policy
    rules: RuleEngine
    as_of: date
    open_warnings: dict[tuple[str, str, str], store.OpenWarning]
    customers: dict[int, dict[str, Any]]
    collectors: dict[int, str | None]
    stages: StageRules = field(init=False)
    open_by_subject: dict[tuple[str, str], list[store.OpenWarning]] = field(default_factory=dict)
    evaluated_subjects: set[str] = field(default_factory=set)
    reminders: ReminderPlanner | None = None  # None: the caller plans no reminder emails
    watches: Watches = field(default_factory=Watches)  # built-in warnings (workflows/watches)
    # the customers this context decides for (champion or challenger); None: every customer
    only: set[int] | None = None

    def __post_init__(self) -> None:
        self.stages = StageRules.of(self.policy)
        for warning in self.open_warnings.values():
            self.open_by_subject.setdefault((warning.scope, warning.subject), []).append(warning)


def plan_receivables(ctx: DayContext, rows: list[dict[str, Any]]) -> DayPlan:
    plan = DayPlan()
    facts_by_id = {
        row["id"]: receivable_facts(row, ctx.customers[row["customer_id"]]) for row in rows
    }
    fired = ctx.rules.evaluate("receivable", facts_by_id.values())
    _confirm_jumps(ctx, facts_by_id, fired)
    done = reminder_store.steps_done(ctx.session, facts_by_id) if ctx.reminders else {}
    for row in rows:
        facts = facts_by_id[row["id"]]
        rule_ids = fired.get(row["id"], [])
        _plan_move(ctx, plan, row, facts, rule_ids)
        settled = facts["balance"] <= 0
        active = set() if settled else {r[8:] for r in rule_ids if r.startswith("warning:")}
        if not settled:
            active |= ctx.watches.receivable.get(row["id"], set())
        ctx.evaluated_subjects.add(row["number"])
        if ctx.reminders is not None and not settled:
            ctx.reminders.consider(row, facts, rule_ids, done.get(row["id"], set()))
        _plan_warnings(
            ctx, plan, "receivable", row["number"], row["customer_id"], row["id"], active, facts
        )
    if ctx.reminders is not None:
        _plan_messages(ctx, plan)
    return plan


def _plan_messages(ctx: DayContext, plan: DayPlan) -> None:
    """The chunk's reminder emails (chunks hold whole customers: one email each)."""
    assert ctx.reminders is not None
    issued = reminder_store.issue_dates(ctx.session, ctx.reminders.wanted())
    history = reminder_store.history(ctx.session, ctx.reminders.due, ctx.as_of)
    terms = ctx.policy.interest
    interest = (  # the chunk's interest in three queries, only when notices show it
        ledger_interest.for_receivables(ctx.session, ctx.reminders.wanted(), ctx.as_of, terms)
        if terms is not None and terms.in_notices else None)
    messages, tasks = ctx.reminders.messages(issued, history, interest)
    plan.messages.extend(messages)
    plan.held.extend(ctx.reminders.held)
    ctx.reminders.held.clear()
    plan.tasks.extend(tasks)
    for task in tasks:
        plan.activities.append(
            AuditEntry(
                ctx.as_of,
                ACTOR,
                "task_opened",
                "customer",
                task.customer_id,
                "",
                task.rule_id,
                ctx.policy.hash,
                {"kind": task.kind, "note": task.note},
            )
        )


def _confirm_jumps(
    ctx: DayContext, facts_by_id: dict[int, dict[str, Any]], fired: dict[Any, list[str]]
) -> None:
    """The jump check (decisions.StageRules.confirm_jumps) on every receivable fired."""
    for rid, rule_ids in fired.items():
        fired[rid] = ctx.stages.confirm_jumps(facts_by_id[rid], rule_ids)


def _plan_move(
    ctx: DayContext, plan: DayPlan, row: dict[str, Any], facts: dict[str, Any], rule_ids: list[str]
) -> None:
    decision = target_stage(facts, rule_ids)
    if decision is None:
        return
    target, rule_id = decision
    stage_row = StageRow(row["id"], row["stage"], row["resume_stage"])
    walk(stage_row, target)
    plan.moved += 1
    plan.settled += target == "paid"
    update, history = stage_rows(
        stage_row, row["stage"], ctx.as_of, rule_id=rule_id, policy_hash=ctx.policy.hash,
        actor=ACTOR,
    )
    plan.stage_rows.append(update)
    plan.stage_changes.extend(history)
    # Tasks open for the stage it lands on; a stage passed through on the way opens none.
    # The stage change's audit row names them: the task rows carry rule and policy too.
    tasks = [
        task_row(
            spec,
            customer_id=row["customer_id"],
            receivable_ids=[row["id"]],
            collector=ctx.collectors.get(row["customer_id"]),
            rule_id=rule_id,
            policy_hash=ctx.policy.hash,
            as_of=ctx.as_of,
        )
        for spec in ctx.stages.on_enter.get(stage_row.stage, [])
    ]
    plan.tasks.extend(tasks)
    details = {
        "from": row["stage"],
        "to": stage_row.stage,
        "steps": [dest for _, dest in stage_row.steps],
        "facts": facts,
    }
    if tasks:
        details["tasks_opened"] = [
            {"kind": t.kind, "assignee": t.assignee, "due_date": t.due_date} for t in tasks
        ]
    plan.activities.append(
        AuditEntry(
            ctx.as_of,
            ACTOR,
            "stage_change",
            "receivable",
            row["id"],
            row["number"],
            rule_id,
            ctx.policy.hash,
            details,
        )
    )


def _plan_warnings(
    ctx: DayContext,
    plan: DayPlan,
    scope: str,
    subject: str,
    customer_id: int,
    receivable_id: int | None,
    active: set[str],
    facts: dict[str, Any],
) -> None:
    """Open what holds and is not open yet; close what is open and no longer holds."""
    levels = {**BUILTIN_LEVELS, **{w.id: w.level for w in ctx.policy.warnings}}
    already = {w.rule_id: w for w in ctx.open_by_subject.get((scope, subject), [])}
    for rule_id in sorted(active - already.keys()):
        plan.warnings_opened.append(
            WarningOpened(
                rule_id=rule_id,
                level=levels[rule_id],
                scope=scope,
                subject=subject,
                customer_id=customer_id,
                receivable_id=receivable_id,
                opened_on=ctx.as_of,
                policy_hash=ctx.policy.hash,
                facts=facts,
            )
        )
        plan.activities.append(
            AuditEntry(
                ctx.as_of,
                ACTOR,
                "warning_opened",
                scope,
                receivable_id or customer_id,
                subject,
                f"warning:{rule_id}",
                ctx.policy.hash,
                {"level": levels[rule_id], "facts": facts},
            )
        )
    for rule_id in sorted(already.keys() - active):
        _close(ctx, plan, already[rule_id], facts)


def _close(
    ctx: DayContext, plan: DayPlan, warning: store.OpenWarning, facts: dict[str, Any] | None
) -> None:
    plan.warnings_closed.append(
        WarningClosed(
            id=warning.id,
            rule_id=warning.rule_id,
            scope=warning.scope,
            subject=warning.subject,
        )
    )
    plan.activities.append(
        AuditEntry(
            ctx.as_of,
            ACTOR,
            "warning_closed",
            warning.scope,
            warning.receivable_id or warning.customer_id,
            warning.subject,
            f"warning:{warning.rule_id}",
            ctx.policy.hash,
            {"facts": facts} if facts else {"reason": "receivable closed"},
        )
    )


def plan_customers(ctx: DayContext) -> DayPlan:
    plan = DayPlan()
    facts = [{"id": cid, **values} for cid, values in ctx.customers.items()]
    fired = ctx.rules.evaluate("customer", facts)
    for item in facts:
        active = {r[8:] for r in fired.get(item["id"], []) if r.startswith("warning:")}
        active |= ctx.watches.customer.get(item["id"], set())
        _plan_warnings(ctx, plan, "customer", item["customer.code"], item["id"], None, active, item)
    return plan


def plan_insurer_tasks(ctx: DayContext) -> DayPlan:
    """ "Report to insurer" tasks due to open today (workflows/watches.py)."""
    plan = DayPlan()
    for report in ctx.watches.reports:
        if ctx.only is not None and report["customer_id"] not in ctx.only:
            continue  # the other arm's
        task = insurer_task(report, ctx.policy.hash, ctx.as_of)
        plan.tasks.append(task)
        plan.activities.append(
            AuditEntry(
                ctx.as_of,
                ACTOR,
                "task_opened",
                "receivable",
                report["id"],
                report["number"],
                task.rule_id,
                ctx.policy.hash,
                {"kind": task.kind, "due_date": task.due_date, "note": task.note},
            )
        )
    return plan


def close_settled(ctx: DayContext) -> DayPlan:
    """Receivable warnings whose receivable is no longer active (paid, written off)."""
    plan = DayPlan()
    for (scope, subject), warnings in ctx.open_by_subject.items():
        if scope == "receivable" and subject not in ctx.evaluated_subjects:
            for warning in warnings:
                if ctx.only is None or warning.customer_id in ctx.only:
                    _close(ctx, plan, warning, None)
    return plan


def describe(plan: DayPlan) -> list[dict[str, Any]]:
    """What --dry-run prints: one line of data per change."""
    subjects = {a.entity_id: a.subject for a in plan.activities if a.entity == "receivable"}
    changes: list[dict[str, Any]] = []
    for move in plan.stage_changes:
        changes.append(
            {
                "change": "stage",
                "subject": subjects.get(move.receivable_id, ""),
                "from": move.from_stage,
                "to": move.to_stage,
                "rule": move.rule_id,
            }
        )
    for warning in plan.warnings_opened:
        changes.append(
            {
                "change": "warning opened",
                "subject": warning.subject,
                "rule": f"warning:{warning.rule_id}",
                "level": warning.level,
            }
        )
    for warning in plan.warnings_closed:
        changes.append(
            {
                "change": "warning closed",
                "subject": warning.subject,
                "rule": f"warning:{warning.rule_id}",
            }
        )
    for message in plan.messages:
        changes.append(
            {
                "change": "reminder",
                "subject": message["code"],
                "to": message["outbox"]["template"],
                "step": message["outbox"]["step"],
                "rule": "+".join(message["rules"]),
                "items": len(message["outbox"]["items"]),
                "other_items": len(message["outbox"]["other_items"]),
            }
        )
    for held in plan.held:  # catching up: the next step waits for the gap
        changes.append(
            {
                "change": "reminder held",
                "subject": held["code"],
                "to": held["template"],
                "step": held["step"],
                "rule": f"reminder:{held['step']}",
                "waits": (f"catch-up gap: {held['waited']} of {held['gap']} business days "
                          f"since the message of {held['last']}"),
            }
        )
    for task in plan.tasks:
        changes.append(
            {
                "change": "task",
                "subject": ", ".join(subjects.get(rid, "") for rid in task.receivable_ids),
                "kind": task.kind,
                "assignee": task.assignee,
                "rule": task.rule_id,
            }
        )
    return changes
