"""Promises to pay and payment plans: what a collector records, and what the daily cycle
keeps or breaks.

A customer promises to pay an amount by a day; the promise covers its open receivables,
oldest due first, until their balances reach the amount (or exactly the invoices named).
A payment plan is instalments (date, amount), each covering every receivable of the plan.
While a promise or an instalment is open and its date has not passed, what it covers is
``promised`` (ledger/facts.py): the cycle holds those receivables' stage and mails them
no reminder. Recording one cancels the open promises (and plans) on the same receivables,
withdraws their unsent reminders, takes them off their tasks and completes the
customer's open call task; each step is audited on the customer.

Keeping (``expire_promises``, the first thing each day's cycle does): a promise is kept
when the customer's payments dated from the day it was made to its date reach its amount
(or, with no amount, when what it covers is paid), or when what it covers is all paid;
otherwise it is broken on the day after its date. A plan's instalment i is kept when the
payments dated from the plan's start to instalment i's date reach instalments 1..i
together; a missed instalment breaks the plan (its later instalments are cancelled) and
opens a ``call`` task for the customer's collector. The last instalment kept keeps the
plan. A broken promise, or a broken plan's one broken instalment, is what
``broken_promises_90d`` counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from engine.stages import ACTIVE_STAGES, OPEN_STAGES
from ledger import promise_store, receivable_store
from ledger.audit import AuditEntry, write_audit
from ledger.db import Session
from ledger.models import Customer
from ledger.people_store import assigned_to
from ledger.promise_store import DuePlan, Instalment, NewPromise, Owed
from ledger.task_store import open_tasks, task_row
from workflows.errors import Invalid, NotFound, Refused
from workflows.lifecycle import IllegalMove
from workflows.outbox import withdraw_carrying
from workflows.tasks import CALL, complete_call_tasks, release_receivables

PLAN_BROKEN_RULE = "plan:broken"  # the rule id of the call task a broken plan opens
MAX_INSTALMENTS = 60
ONE_DAY = timedelta(days=1)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Recorded:
    """What recording a promise or a plan wrote."""

    customer_code: str
    promise_ids: tuple[int, ...]  # the promise, or the plan's instalments in date order
    plan_id: int | None
    receivables: tuple[str, ...]  # the invoices covered, oldest due first
    covered_balance: Decimal
    superseded: tuple[int, ...]  # open customer promises cancelled
    plans_cancelled: tuple[int, ...]


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _customer(session: Session, code: str) -> Customer:
    customer = receivable_store.find_customer(session, code)
    if customer is None:
        raise NotFound(f"no customer {code!r}")
    return customer


def record_customer_promise(
    session: Session, code: str, promised_date: date, amount: Decimal | None, on_date: date,
    actor: str, invoices: Sequence[str] | None = None,
) -> Recorded:
    """The customer promises ``amount`` by ``promised_date``: it covers its open
    receivables oldest due first until their balances reach the amount (all of them with
    no amount), or exactly ``invoices``."""
    return _promise(session, _customer(session, code), promised_date, amount, on_date, actor,
                    invoices)


def record_promise(
    session: Session, number: str, promised_date: date, on_date: date, actor: str,
    amount: Decimal | None = None,
) -> Recorded:
    """A promise about one invoice (``arflow promise INV``, the receivable page, the API):
    the customer's promise covering that invoice alone."""
    receivable = receivable_store.find_receivable(session, number)
    if receivable is None:
        raise NotFound(f"no receivable {number!r}")
    if receivable.stage not in ACTIVE_STAGES or receivable.balance <= 0:
        raise IllegalMove(f"{number} is {receivable.stage}: nothing to promise")
    customer = promise_store.customer_of(session, receivable.customer_id)
    if customer is None:
        raise NotFound(f"no customer of {number!r}")
    return _promise(session, customer, promised_date, amount, on_date, actor, [number])


def _promise(session: Session, customer: Customer, promised_date: date,
             amount: Decimal | None, on_date: date, actor: str,
             invoices: Sequence[str] | None) -> Recorded:
    if promised_date < on_date:
        raise Invalid(f"{promised_date} is in the past", field="date")
    if amount is not None and amount <= 0:
        raise Invalid(f"the amount must be more than 0, not {amount}", field="amount")
    owed = _cover(session, customer, amount, invoices, "amount")
    balance = sum((o.balance for o in owed), ZERO)
    numbers = tuple(o.number for o in owed)
    superseded, plans = _supersede(session, customer, owed, on_date, actor,
                                   "a promise to pay " + ", ".join(numbers))
    ids = promise_store.add_promises(
        session, [NewPromise(customer.id or 0, promised_date, amount, balance, on_date)],
        [o.id for o in owed])
    _hold(session, customer, owed, on_date, actor, "promise recorded")
    write_audit(session, [AuditEntry(
        on_date, actor, "promise_recorded", "customer", customer.id, customer.code,
        details={"promise_id": ids[0], "promised_date": promised_date.isoformat(),
                 "amount": None if amount is None else str(amount), "invoices": list(numbers),
                 "covered_balance": str(balance), "superseded": list(superseded),
                 "plans_cancelled": list(plans)})])
    return Recorded(customer.code, tuple(ids), None, numbers, balance, superseded, plans)


def record_plan(
    session: Session, code: str, instalments: Sequence[tuple[date, Decimal]], on_date: date,
    actor: str, invoices: Sequence[str] | None = None, note: str = "",
) -> Recorded:
    """A payment plan: ``instalments`` (date, amount), dates strictly increasing from
    today, amounts above 0, together at most what the plan covers: ``invoices``, or the
    customer's open receivables oldest due first up to the plan's total."""
    customer = _customer(session, code)
    steps = _checked(instalments, on_date)
    total = sum((amount for _, amount in steps), ZERO)
    owed = _cover(session, customer, total, invoices, "instalments")
    balance = sum((o.balance for o in owed), ZERO)
    numbers = tuple(o.number for o in owed)
    superseded, plans = _supersede(session, customer, owed, on_date, actor,
                                   "a payment plan for " + ", ".join(numbers))
    plan_id = promise_store.add_plan(session, customer.id or 0, on_date, actor, note.strip())
    ids = promise_store.add_promises(session, [
        NewPromise(customer.id or 0, day, amount, balance, on_date, plan_id)
        for day, amount in steps], [o.id for o in owed])
    _hold(session, customer, owed, on_date, actor, "payment plan recorded")
    write_audit(session, [AuditEntry(
        on_date, actor, "plan_recorded", "customer", customer.id, customer.code,
        details={"plan_id": plan_id, "instalments": [
            {"date": day.isoformat(), "amount": str(amount)} for day, amount in steps],
            "total": str(total), "invoices": list(numbers), "covered_balance": str(balance),
            "note": note.strip(), "superseded": list(superseded),
            "plans_cancelled": list(plans)})])
    return Recorded(customer.code, tuple(ids), plan_id, numbers, balance, superseded, plans)


def _checked(instalments: Sequence[tuple[date, Decimal]], on_date: date
             ) -> list[tuple[date, Decimal]]:
    """The instalments as given, if each is from ``on_date`` on, after the one before,
    and of more than 0."""
    if not instalments:
        raise Invalid("a plan needs at least one instalment (a date and an amount)",
                      field="instalments")
    if len(instalments) > MAX_INSTALMENTS:
        raise Invalid(f"at most {MAX_INSTALMENTS} instalments, not {len(instalments)}",
                      field="instalments")
    previous: date | None = None
    for i, (day, amount) in enumerate(instalments, 1):
        if day < on_date:
            raise Invalid(f"instalment {i}: {day} is in the past", field="instalments")
        if previous is not None and day <= previous:
            raise Invalid(f"instalment {i}: {day} is not after instalment {i - 1}'s "
                          f"{previous}", field="instalments")
        if amount <= 0:
            raise Invalid(f"instalment {i}: the amount must be more than 0, not {amount}",
                          field="instalments")
        previous = day
    return [(day, amount) for day, amount in instalments]


def _names(invoices: Sequence[str] | None) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in invoices or () if n.strip()))


def _cover(session: Session, customer: Customer, total: Decimal | None,
           invoices: Sequence[str] | None, field: str) -> list[Owed]:
    """What a promise of ``total`` covers: the invoices named, else the customer's open
    receivables (a disputed one is not promised unless named) oldest due first until
    their balances reach ``total`` (all of them when None)."""
    names = _names(invoices)
    if names:
        owed = _named(session, customer, names)
    else:
        owed = promise_store.owed_by(session, customer.id or 0, OPEN_STAGES)
        if not owed:
            raise Refused(f"{customer.code} owes nothing: no open invoice to promise",
                          code="nothing_owed")
    currencies = sorted({o.currency for o in owed})
    if len(currencies) > 1:
        raise Invalid(f"{customer.code} owes in {' and '.join(currencies)}: name the invoices "
                      "of one currency", field="invoices")
    if not names and total is not None:
        owed = _oldest_first(owed, total)
    owing = sum((o.balance for o in owed), ZERO)
    if total is not None and total > owing:
        raise Invalid(f"{_money(total)} is more than the {_money(owing)} owed on the "
                      "invoices covered", field=field)
    return owed


def _named(session: Session, customer: Customer, names: list[str]) -> list[Owed]:
    found = promise_store.named(session, names)
    for name in names:
        owed = found.get(name)
        if owed is None or owed.customer_id != customer.id:
            raise Invalid(f"{name} is not an invoice of {customer.code}", field="invoices")
        if owed.stage not in ACTIVE_STAGES or owed.balance <= 0:
            raise Invalid(f"{name} is {owed.stage}: nothing to promise", field="invoices")
    return sorted((found[name] for name in names), key=lambda o: (o.due_date, o.id))


def _oldest_first(owed: list[Owed], total: Decimal) -> list[Owed]:
    """The first receivables whose balances together reach ``total``."""
    taken, reached = [], ZERO
    for receivable in owed:
        if reached >= total:
            break
        taken.append(receivable)
        reached += receivable.balance
    return taken


def _supersede(session: Session, customer: Customer, owed: list[Owed], on_date: date,
               actor: str, by: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Open promises on these receivables are cancelled, and open plans covering any of
    them (a plan goes whole: all its open instalments). Returns (promises, plans)."""
    holding = promise_store.open_covering(session, [o.id for o in owed])
    promises = tuple(h.promise_id for h in holding if h.plan_id is None)
    plans = tuple(sorted({h.plan_id for h in holding if h.plan_id is not None}))
    promise_store.set_status(session, promises, "cancelled")
    promise_store.close_plans(session, plans, "cancelled", on_date)
    write_audit(session, [
        *(AuditEntry(on_date, actor, "promise_cancelled", "customer", customer.id,
                     customer.code, details={"promise_id": pid, "reason": f"superseded by {by}"})
          for pid in promises),
        *(AuditEntry(on_date, actor, "plan_cancelled", "customer", customer.id, customer.code,
                     details={"plan_id": pid, "reason": f"superseded by {by}"})
          for pid in plans)])
    return promises, plans


def _hold(session: Session, customer: Customer, owed: list[Owed], on_date: date, actor: str,
          why: str) -> None:
    """Promised receivables: their unsent reminders are withdrawn (the next cycle plans
    again without them), they leave their tasks, and the customer's call task is done."""
    ids = [o.id for o in owed]
    withdraw_carrying(session, ids, actor=actor, on=on_date,
                      reason=f"{why}: " + ", ".join(o.number for o in owed))
    release_receivables(session, ids, on_date, actor, reason="promised")
    complete_call_tasks(session, customer.id or 0, on_date, actor, why=why)


# --- keeping and breaking (the daily cycle) --------------------------------------------

def expire_promises(session: Session, as_of: date, actor: str, policy_hash: str = ""
                    ) -> tuple[int, int]:
    """Judge every open promise and instalment dated before ``as_of``; return how many
    were (kept, broken). ``policy_hash``: recorded on the call task a broken plan opens."""
    kept, broken = _expire_customer_promises(session, as_of, actor)
    plan_kept, plan_broken = _expire_plans(session, as_of, actor, policy_hash)
    return kept + plan_kept, broken + plan_broken


def _all_paid(owed: Iterable[Owed]) -> bool:
    found = list(owed)
    return bool(found) and all(o.balance <= 0 for o in found)


def _expire_customer_promises(session: Session, as_of: date, actor: str) -> tuple[int, int]:
    due = promise_store.due_promises(session, as_of)
    covers = promise_store.covered(session, [d.id for d in due])
    kept: list[int] = []
    broken: dict[date, list[int]] = {}
    audit = []
    for promise in due:
        owed = covers.get(promise.id, [])
        if _all_paid(owed) or (promise.amount is not None and promise.paid >= promise.amount):
            kept.append(promise.id)
            action = "promise_kept"
        else:
            broken.setdefault(promise.promised_date + ONE_DAY, []).append(promise.id)
            action = "promise_broken"
        audit.append(AuditEntry(as_of, actor, action, "customer", promise.customer_id,
                                promise.code, details={
                                    "promise_id": promise.id,
                                    "promised_date": promise.promised_date.isoformat(),
                                    "amount": None if promise.amount is None
                                    else str(promise.amount),
                                    "paid": str(promise.paid),
                                    "invoices": [o.number for o in owed]}))
    promise_store.set_status(session, kept, "kept")
    for day, ids in broken.items():
        promise_store.set_status(session, ids, "broken", broken_on=day)
    write_audit(session, audit)
    return len(kept), sum(len(ids) for ids in broken.values())


def _expire_plans(session: Session, as_of: date, actor: str, policy_hash: str
                  ) -> tuple[int, int]:
    plans = promise_store.due_plans(session, as_of)
    covers = promise_store.covered(session, [p.instalments[0].id for p in plans])
    kept = broken = 0
    for plan in plans:
        owed = covers.get(plan.instalments[0].id, [])
        done, missed = _judge(plan, owed, as_of)
        promise_store.set_status(session, [i.id for i in done], "kept")
        write_audit(session, [_instalment_entry(plan, i, owed, as_of, actor, "instalment_kept")
                              for i in done])
        kept += len(done)
        if missed is not None:
            _break(session, plan, missed, owed, as_of, actor, policy_hash)
            broken += 1
        elif all(i.status == "kept" or i in done for i in plan.instalments):
            last = plan.instalments[-1].promised_date
            promise_store.close_plans(session, [plan.id], "kept", last + ONE_DAY)
            write_audit(session, [AuditEntry(
                as_of, actor, "plan_kept", "customer", plan.customer_id, plan.code,
                details={"plan_id": plan.id, "invoices": [o.number for o in owed]})])
    return kept, broken


def _judge(plan: DuePlan, owed: list[Owed], as_of: date
           ) -> tuple[list[Instalment], Instalment | None]:
    """The open instalments dated before ``as_of`` kept now, in date order, and the first
    one missed (None: none missed)."""
    done: list[Instalment] = []
    cumulative = ZERO
    paid_off = _all_paid(owed)
    for instalment in plan.instalments:
        cumulative += instalment.amount
        if instalment.status != "open":
            continue
        if instalment.promised_date >= as_of:
            break
        if not (paid_off or instalment.paid >= cumulative):
            return done, instalment
        done.append(instalment)
    return done, None


def _instalment_entry(plan: DuePlan, instalment: Instalment, owed: list[Owed], as_of: date,
                      actor: str, action: str, **more: object) -> AuditEntry:
    return AuditEntry(as_of, actor, action, "customer", plan.customer_id, plan.code, details={
        "plan_id": plan.id, "promise_id": instalment.id,
        "promised_date": instalment.promised_date.isoformat(),
        "amount": str(instalment.amount), "paid": str(instalment.paid),
        "invoices": [o.number for o in owed], **more})


def _break(session: Session, plan: DuePlan, missed: Instalment, owed: list[Owed],
           as_of: date, actor: str, policy_hash: str) -> None:
    """The missed instalment is broken on the day after its date and the plan with it;
    its later instalments are cancelled, and the customer's collector gets a call task
    about what the plan covered that is still open."""
    day = missed.promised_date + ONE_DAY
    promise_store.set_status(session, [missed.id], "broken", broken_on=day)
    cancelled = promise_store.cancel_open_instalments(session, plan.id)
    promise_store.close_plans(session, [plan.id], "broken", day)
    still = [o.id for o in owed if o.balance > 0 and o.stage in OPEN_STAGES]
    due = sum((i.amount for i in plan.instalments if i.promised_date <= missed.promised_date),
              ZERO)
    task_ids: list[int] = []
    if still:
        opened = open_tasks(session, [task_row(
            CALL, customer_id=plan.customer_id, receivable_ids=still,
            assignee=assigned_to(session, plan.customer_id) or "", due_date=as_of,
            rule_id=PLAN_BROKEN_RULE, policy_hash=policy_hash, created_on=as_of,
            note=f"payment plan {plan.id} broken: {_money(missed.paid)} paid of the "
                 f"{_money(due)} due by {missed.promised_date}")])
        task_ids = opened.task_ids()
    write_audit(session, [_instalment_entry(
        plan, missed, owed, as_of, actor, "plan_broken", broken_on=day.isoformat(),
        due=str(due), cancelled=cancelled, task_ids=task_ids)])
