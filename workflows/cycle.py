"""The daily cycle: facts in bulk from ledger/, decisions from engine/, changes via the
lifecycle machine, written back by ledger/ chunk by chunk, each change audited.

A day is one transaction: every stage move, warning, task, outbox row, audit row and the
run record become visible together at its single commit, or not at all. A kill, a lost
database or a conflict anywhere before it leaves no half-applied day for a dispatcher to
send from or a reader to see; running the day again (the service does so by itself)
completes it. Only the facts of the chunk at hand are held in memory.

It reads no clock: ``as_of`` is given, so any day can be replayed.

A policy naming a challenger (engine/challenger.py) splits the customers in two arms, each
planned under its own policy, rule engine and DayContext (built once per run): its stage
rules, reminders (their templates), warnings and tasks, each recorded with the hash of the
policy that decided it. Still one lock, one transaction and one run record for the day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from engine import Policy, RuleEngine
from engine.challenger import ARMS, Arm, arm_of
from ledger import cycle_store as store
from ledger import reminder_store
from ledger.audit import AuditEntry, write_audit
from ledger.cycle_store import StageConflict
from ledger.db import Engine, Session
from ledger.facts import customer_facts, receivable_rows
from ledger.locks import Busy, cycle_lock
from ledger.task_store import customers_with_open_task, leaving, open_tasks
from ledger.worklist import refresh_priorities
from workflows.decisions import DayPlan
from workflows.errors import Refused
from workflows.planner import (
    ACTOR,
    DayContext,
    close_settled,
    describe,
    plan_customers,
    plan_insurer_tasks,
    plan_receivables,
)
from workflows.promises import expire_promises
from workflows.reminders import FIX_CONTACT, MailSetup, ReminderPlanner
from workflows.tasks import release_receivables
from workflows.watches import load_watches

log = logging.getLogger("arflow.cycle")  # under arflow: the service logs it


class CycleRefused(Refused):
    """The cycle cannot run for that day (e.g. it is before the last day already run)."""

    code = "cycle_refused"


@dataclass
class CycleSummary:
    as_of: date
    policy_hash: str
    dry_run: bool = False
    challenger_hash: str | None = None  # the challenger's policy, when the policy names one
    challenger_customers: int = 0  # of customers_evaluated, those under the challenger
    # the arms with no customer today (a segment nobody has, a share too small): each
    # is also logged as a WARNING, as the comparison would silently be of nothing
    empty_arms: list[str] = field(default_factory=list)
    evaluated: int = 0
    customers_evaluated: int = 0
    stage_moves: int = 0
    receivables_moved: int = 0
    settled: int = 0
    warnings_opened: int = 0
    warnings_closed: int = 0
    tasks_opened: int = 0  # new tasks (a dry run: the customer tasks the day would touch)
    tasks_joined: int = 0  # receivables added to a customer's task already open
    tasks_closed: int = 0  # their receivables all paid, disputed, promised or written off
    reminders_queued: int = 0
    reminder_items: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    seconds: float = 0.0
    changes: list[dict[str, Any]] = field(default_factory=list)  # for --dry-run

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["seconds"] = round(self.seconds, 3)
        if not self.dry_run:
            data.pop("changes")
        if self.challenger_hash is None:
            data.pop("challenger_hash")
            data.pop("challenger_customers")
            data.pop("empty_arms")
        return data


ProgressFn = Callable[[int, int], None]


def run_cycle(
    engine: Engine,
    policy: Policy,
    as_of: date,
    *,
    dry_run: bool = False,
    chunk_size: int = 5000,
    progress: ProgressFn | None = None,
    force: bool = False,
    mail: MailSetup | None = None,
    book: str | None = None,
) -> CycleSummary:
    """Run one day. Idempotent: a second run for the same day changes nothing.

    ``book``: the book currency (settings); the rules and watches then see each
    customer's exposure in it, other currencies converted at the day's rate.

    With ``mail``, the day's reminder emails are written to the outbox in the same
    transaction as the stage changes of their customers; without it, none are planned.
    One cycle at a time per database: a second one is refused while the first runs.
    A person changing a receivable's stage while the day is planned (a dispute) makes the
    day's single commit impossible; nothing was written, so the day is planned again from
    the new facts, up to ``CONFLICT_RETRIES`` times.
    """
    for attempt in range(CONFLICT_RETRIES + 1):
        try:
            with nullcontext() if dry_run else cycle_lock(engine):
                return _run_cycle(
                    engine,
                    policy,
                    as_of,
                    dry_run=dry_run,
                    chunk_size=chunk_size,
                    progress=progress,
                    force=force,
                    mail=mail,
                    book=book,
                )
        except Busy as exc:
            raise CycleRefused(str(exc)) from None
        except StageConflict as exc:
            if attempt == CONFLICT_RETRIES:
                raise CycleRefused(
                    f"{exc}; nothing of the day was written: run the cycle again"
                ) from None
    raise AssertionError("unreachable")


CONFLICT_RETRIES = 3


def _run_cycle(
    engine: Engine,
    policy: Policy,
    as_of: date,
    *,
    dry_run: bool,
    chunk_size: int,
    progress: ProgressFn | None,
    force: bool,
    mail: MailSetup | None,
    book: str | None = None,
) -> CycleSummary:
    started = time.perf_counter()
    summary = CycleSummary(as_of=as_of, policy_hash=policy.hash, dry_run=dry_run)
    with Session(engine, expire_on_commit=False) as session:
        last = store.last_cycle_date(session)
        if last is not None and as_of < last and not force:
            raise CycleRefused(f"the cycle already ran for {last}; {as_of} is earlier")
        if not dry_run:
            summary.promises_kept, summary.promises_broken = expire_promises(
                session, as_of, ACTOR, policy.hash
            )
        customers = customer_facts(session, as_of, book=book)
        contexts = _contexts(session, policy, as_of, customers, mail)
        if policy.challenger is not None:
            summary.challenger_hash = contexts[-1].policy.hash
            summary.challenger_customers = len(contexts[-1].customers)
            _warn_empty_arms(summary, policy, contexts)
        total = store.count_active(session)
        done = 0
        for rows in receivable_rows(session, as_of, chunk_size):
            for ctx, part in _by_arm(contexts, rows):
                plan = plan_receivables(ctx, part)
                _account(summary, plan)
                if dry_run:
                    summary.changes.extend(describe(plan))
                    summary.tasks_opened += len({task.key for task in plan.tasks})
                else:
                    _write(session, plan, as_of, summary)  # flushed: the day is one commit
            summary.evaluated += len(rows)
            done += len(rows)
            if progress:
                progress(done, total)
        plan = DayPlan()
        for ctx in contexts:
            plan.extend(plan_customers(ctx))
            plan.extend(close_settled(ctx))
            plan.extend(plan_insurer_tasks(ctx))
        summary.customers_evaluated = len(customers)
        _account(summary, plan)
        summary.seconds = time.perf_counter() - started
        if dry_run:
            summary.changes.extend(describe(plan))
            summary.tasks_opened += len({task.key for task in plan.tasks})
            session.rollback()
            return summary
        _write(session, plan, as_of, summary)
        for reason, ids in leaving(session, as_of).items():
            summary.tasks_closed += len(release_receivables(session, ids, as_of, ACTOR, reason,
                                                            rank=False))
        refresh_priorities(session, as_of)  # the worklist ranks by today's balances and days
        for ctx in contexts:  # the challenger's files too: its hash names its decisions
            store.record_policy(session, ctx.policy.hash, ctx.policy.files, as_of)
        store.record_run(session, as_of, policy.hash, summary.as_dict())
        session.commit()
    return summary


def _contexts(
    session: Session,
    policy: Policy,
    as_of: date,
    customers: dict[int, dict[str, Any]],
    mail: MailSetup | None,
) -> list[DayContext]:
    """One DayContext per arm, the champion's first: without a challenger a single one
    over every customer (the cycle as it always was); with one, each over its customers,
    sharing the day's open warnings, collectors, contacts and the subjects evaluated."""
    arms: dict[Arm, dict[int, dict[str, Any]]] = {"champion": customers}
    if policy.challenger is not None:
        arms = {arm: {} for arm in ARMS}
        for cid, facts in customers.items():
            arm = arm_of(policy.challenger, facts["customer.code"], facts["customer.segment"])
            arms[arm][cid] = facts
    open_warnings = store.open_warnings(session)
    collectors = store.collectors(session)
    contacts = reminder_store.contacts(session, as_of) if mail is not None else {}
    fixing = customers_with_open_task(session, FIX_CONTACT) if mail is not None else set()
    evaluated: set[str] = set()  # shared: a warning whose receivable no arm saw is closed
    contexts = []
    for arm, members in arms.items():
        ruling = policy.for_arm(arm)
        ctx = DayContext(session, ruling, RuleEngine.for_policy(ruling), as_of, open_warnings,
                         members, collectors, evaluated_subjects=evaluated,
                         only=None if policy.challenger is None else set(members))
        ctx.watches = load_watches(session, ruling, as_of, members)
        if mail is not None:
            ctx.reminders = ReminderPlanner(ruling, mail, contacts, as_of, fixing)
        contexts.append(ctx)
    return contexts


def _warn_empty_arms(summary: CycleSummary, policy: Policy, contexts: list[DayContext]) -> None:
    """An arm without customers compares nothing: say so in the summary and the log."""
    assert policy.challenger is not None
    for arm, ctx in zip(ARMS, contexts, strict=True):
        if ctx.customers:
            continue
        summary.empty_arms.append(arm)
        log.warning("cycle %s: the %s arm has no customers (challenger: %s)",
                    summary.as_of, arm, policy.challenger.describe())


def _by_arm(
    contexts: list[DayContext], rows: list[dict[str, Any]]
) -> list[tuple[DayContext, list[dict[str, Any]]]]:
    """A chunk's receivables (whole customers) split by the arm of their customer."""
    if len(contexts) == 1:
        return [(contexts[0], rows)]
    parts = [(ctx, [row for row in rows if row["customer_id"] in ctx.customers])
             for ctx in contexts]
    return [(ctx, part) for ctx, part in parts if part]


def run_days(
    engine: Engine, policy: Policy, start: date, end: date, **kwargs: Any
) -> list[CycleSummary]:
    """Replay day by day: the same end state as running once a day."""
    if end < start:
        raise CycleRefused(f"the last day {end} is before the first day {start}")
    days = (end - start).days + 1
    return [run_cycle(engine, policy, start + timedelta(days=i), **kwargs) for i in range(days)]


def _account(summary: CycleSummary, plan: DayPlan) -> None:
    summary.stage_moves += len(plan.stage_changes)
    summary.receivables_moved += plan.moved
    summary.settled += plan.settled
    summary.warnings_opened += len(plan.warnings_opened)
    summary.warnings_closed += len(plan.warnings_closed)
    summary.reminders_queued += len(plan.messages)
    summary.reminder_items += sum(len(m["outbox"]["items"]) for m in plan.messages)


def _write(session: Session, plan: DayPlan, as_of: date, summary: CycleSummary) -> None:
    store.set_stages(session, plan.stage_rows)
    store.insert_stage_changes(session, plan.stage_changes)
    store.insert_warnings(session, plan.warnings_opened)
    store.close_warnings(session, plan.warnings_closed, as_of)
    opened = open_tasks(session, plan.tasks)
    summary.tasks_opened += len(opened.made)
    summary.tasks_joined += sum(len(ids) for ids in opened.joined.values())
    write_audit(session, plan.activities)
    _write_messages(session, plan.messages, as_of)


def _write_messages(session: Session, messages: list[dict[str, Any]], as_of: date) -> None:
    """Outbox rows, the steps they carry (unique per receivable) and their audit rows."""
    steps, audit = [], []
    for message in messages:
        outbox_id = reminder_store.insert_message(session, message["outbox"])
        steps.extend({**step, "outbox_id": outbox_id} for step in message["steps"])
        audit.append(
            AuditEntry(
                as_of,
                ACTOR,
                "reminder_queued",
                "customer",
                message["outbox"]["customer_id"],
                message["code"],
                "+".join(message["rules"]),
                message["policy_hash"],
                {
                    "outbox_id": outbox_id,
                    "key": message["outbox"]["key"],
                    "status": message["outbox"]["status"],
                    "items": message["outbox"]["items"],
                    "other_items": message["outbox"]["other_items"],
                    "previous": message["previous"],  # the sent e-mails it may mention
                },
            )
        )
    reminder_store.insert_steps(session, steps)
    write_audit(session, audit)
