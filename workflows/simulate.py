"""A policy simulation: the ledger's own history replayed day by day under the policy in
force and under a candidate, in memory, and the two compared. Nothing is written.

The history is read once (ledger/reads/history.py); each day's facts are computed once
from it and handed to both policies (workflows/replay.py), so every difference is the
policies' alone. Each policy decides as the daily cycle does, with the cycle's own
functions; a policy naming a challenger decides for its customers with the challenger, as
the cycle does (workflows/replay_arms.py).

What is approximated, because the ledger does not keep it or a replay cannot know it:
- balances on a day are today's balance plus what was paid (by payment date) or written
  off (by approval date) after it; a receivable leaves on the day its write-off closed it;
- disputes are the intervals of the stage history; promises cover their receivables from
  the day made to the promised day (a cancelled promise never); a dispute does not reset
  the days in stage;
- customer facts are recomputed every day from those balances; exposure adds today's open
  orders (their past is not kept), every currency summed as owed (no conversion to the
  book currency); the customer file (rating, credit limit, collector, pause) is today's;
- a receivable's stage on the first day is what the stage history says (or its stage
  today when it has not changed since); one issued later starts ``current`` on its issue
  date; a receivable counts from its issue date even when it was imported later (a
  ledger loaded at go-live has a past to replay); reminder steps recorded before the
  first day count as done;
- warnings and tasks open on the first day are those the tables say were open then; the
  built-in watches (insured limit, prepayments, insurer deadlines) are not replayed;
- emails are planned exactly but not rendered, and count as sent; late-payment interest
  is not computed;
- orders created in the period are checked with the customer's facts of their day (their
  exposure after: the day's exposure plus the order);
- the credit scorecard is scored at the period's last day on the factors the ledger gives
  for that day, under each policy's credit section; a limit override still in force wins.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from engine import DECISIONS, LEVELS, Policy
from engine.scorecard import score
from engine.stages import CLOSED_STAGES, OPEN_STAGES
from ledger import reminder_store
from ledger.credit_facts import scorecard_factors
from ledger.db import Engine, Session
from ledger.reads.history import PastBook, PastCustomer, PastReceivable, past_book
from workflows.calendar import BusinessCalendar
from workflows.errors import Invalid
from workflows.replay import Replay
from workflows.replay_arms import Side

MAX_DAYS = 366
STAGES = (*OPEN_STAGES[1:], "paid")
ZERO = Decimal("0.00")
HASHES = ("policy_hash", "challenger_hash")  # what decided, not counts to compare

ProgressFn = Callable[[int, int], None]


def check_period(first: date, last: date, today: date) -> None:
    """A period that can be replayed: in order, not in the future, at most a year."""
    if last < first:
        raise Invalid(f"{last} is before --from {first}", field="to", code="period_order")
    if last > today:
        raise Invalid(f"{last} is in the future (today is {today}): only history can be "
                      "replayed", field="to", code="period_future")
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise Invalid(f"the period is {days} days; at most {MAX_DAYS} can be replayed at once",
                      field="from", code="period_too_long")


@dataclass
class Simulation:
    """Both policies' counts over the period, their differences and, with ``detail``,
    the receivables they treated differently."""

    first: date
    last: date
    active: dict[str, Any]
    candidate: dict[str, Any]
    customers_differing: dict[str, int]
    receivables: list[dict[str, Any]] | None = None
    credit_changes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        differences = minus(self.candidate, self.active)
        differences["credit"]["customers"] = self.customers_differing
        if self.receivables is not None:
            differences["receivables"] = self.receivables
            differences["customers"] = self.credit_changes
        return {
            "period": {"from": self.first.isoformat(), "to": self.last.isoformat(),
                       "days": (self.last - self.first).days + 1},
            "active": self.active,
            "candidate": self.candidate,
            "differences": differences,
        }


def minus(new: Any, old: Any) -> Any:
    """``new - old`` for every count, through nested dicts (a missing count is 0)."""
    if isinstance(new, dict) or isinstance(old, dict):
        new, old = new or {}, old or {}
        keys = [k for k in [*old, *(k for k in new if k not in old)] if k not in HASHES]
        return {key: minus(new.get(key), old.get(key)) for key in keys}
    return (new or 0) - (old or 0)


def simulate(engine: Engine, active: Policy, candidate: Policy, first: date, last: date, *,
             today: date, calendar: BusinessCalendar, detail: bool = False,
             progress: ProgressFn | None = None) -> Simulation:
    """Replay ``first``..``last`` under both policies and compare them; writes nothing."""
    check_period(first, last, today)
    with Session(engine) as session:
        book = past_book(session, first, last)
        contacts = {cid: replace(c, messaged=False)
                    for cid, c in reminder_store.contacts(session, first).items()}
        ids = sorted({r.customer_id for r in book.receivables})
        history = reminder_store.history(session, ids, first)
        wants_credit = active.credit is not None or candidate.credit is not None
        factors = scorecard_factors(session, last) if wants_credit else {}
        session.rollback()
    replays = [Side(policy, book, calendar, contacts, history) for policy in (active, candidate)]
    _replay(book, replays, contacts, progress)
    credit = [_credit(policy, factors, book.customers, last) for policy in (active, candidate)]
    counts = [_counts(replay, scored) for replay, scored in zip(replays, credit, strict=True)]
    differing, changes = _credit_differences(credit[0], credit[1], book.customers)
    result = Simulation(first, last, counts[0], counts[1], differing)
    if detail:
        result.receivables = _receivables(book, replays[0], replays[1])
        result.credit_changes = changes
    return result


def _replay(book: PastBook, replays: list[Side], contacts: dict[int, Any],
            progress: ProgressFn | None) -> None:
    """The days in order: the shared facts of each day, then each policy's decisions."""
    balance = {r.id: r.balance_now + sum((a for _, a in r.changes), ZERO)
               for r in book.receivables}
    events: dict[date, list[tuple[int, Decimal]]] = defaultdict(list)
    for r in book.receivables:
        for on, amount in r.changes:
            events[on].append((r.id, amount))
    closed = {r.id for r in book.receivables if r.stage in CLOSED_STAGES}
    orders: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for order in book.orders:
        orders[order["created_on"]].append(order)
    pausing = [c for c in book.customers.values() if c.paused and c.paused_until is not None]
    days = (book.last - book.first).days + 1
    for index in range(days):
        on = book.first + timedelta(days=index)
        for rid, amount in events.get(on, ()):
            balance[rid] -= amount
        for c in pausing:
            contacts[c.id] = replace(contacts[c.id], paused=on < c.paused_until)
        items, gone = [], []
        for r in book.receivables:
            if r.id in closed or r.issue_date > on:
                continue
            if r.written_off_on is not None and r.written_off_on <= on:
                closed.add(r.id)
                gone.append({"id": r.id, "number": r.number, "customer_id": r.customer_id})
                continue
            items.append(_facts(r, on, balance[r.id], book.customers[r.customer_id]))
        customers = _customer_facts(book, on, items)
        for facts in items:
            facts.update(customers[facts["customer_id"]])
        listed = [{"id": cid, **values} for cid, values in customers.items()]
        for replay in replays:
            replay.day(on, items, listed, gone)
        closed.update(facts["id"] for facts in items if facts["balance"] <= 0)
        checked = [_order_facts(order, customers[order["customer_id"]])
                   for order in orders.get(on, ())]
        if checked:
            for replay in replays:
                replay.order(checked)
        if progress:
            progress(index + 1, days)


def _facts(r: PastReceivable, on: date, balance: Decimal, customer: PastCustomer
           ) -> dict[str, Any]:
    """A receivable's own facts on ``on`` (the policy's stage facts are set by each
    replay, the customer's merged after), and what the reminder planner reads of it."""
    to_due = (r.due_date - on).days
    return {
        "id": r.id, "number": r.number, "customer_id": r.customer_id,
        "collector": customer.collector, "issue_date": r.issue_date,
        "amount": r.amount, "balance": balance, "currency": r.currency,
        "days_to_due": to_due, "days_overdue": max(0, -to_due),
        "disputed": any(start <= on and (end is None or on < end) for start, end in r.disputed),
        "promised": any(made <= on <= until for made, until in r.promised),
    }


def _customer_facts(book: PastBook, on: date, items: list[dict[str, Any]]
                    ) -> dict[int, dict[str, Any]]:
    """Every customer's facts on ``on`` from the day's balances (ledger/facts.py's
    definitions: open receivables with a balance above zero).

    In Python, not SQL: ledger/facts.customer_facts (its ``_customer_stmt``) reads today's
    balances from the tables and cannot answer for a past day; this mirrors it field by
    field over the replayed balances."""
    open_balance: Counter[int] = Counter()
    overdue: Counter[int] = Counter()
    late: dict[int, int] = {}
    for facts in items:
        if facts["balance"] <= 0:
            continue
        cid = facts["customer_id"]
        open_balance[cid] += facts["balance"]
        if facts["days_to_due"] < 0:
            overdue[cid] += facts["balance"]
            late[cid] = max(late.get(cid, 0), facts["days_overdue"])
    since = on - timedelta(days=90)
    found = {}
    for cid, c in book.customers.items():
        owed = open_balance.get(cid, ZERO) or ZERO
        due = overdue.get(cid, ZERO) or ZERO
        exposure = owed + c.open_orders
        limit = c.credit_limit
        found[cid] = {
            "customer.code": c.code, "customer.segment": c.segment,
            "customer.rating": c.rating, "customer.country": c.country,
            "customer.credit_limit": limit, "customer.exposure": exposure,
            "customer.utilization": float(exposure / limit) if limit else None,
            "customer.open_balance": owed, "customer.overdue_balance": due,
            "customer.overdue_ratio": float(due / owed) if owed else 0.0,
            "customer.max_days_overdue": late.get(cid, 0),
            "customer.broken_promises_90d": sum(
                1 for broke in book.broken_promises.get(cid, ()) if since < broke <= on),
        }
    return found


def _order_facts(order: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    return {"id": order["number"], "amount": order["amount"], "currency": order["currency"],
            "exposure_after": customer["customer.exposure"] + order["amount"], **customer}


Scored = dict[int, dict[str, Any]]


def _credit(policy: Policy, factors: dict[int, dict[str, Any]],
            customers: dict[int, PastCustomer], last: date) -> Scored:
    """Each customer's rating, limit and terms under ``policy`` on the last day."""
    if policy.credit is None:
        return {}
    found = {}
    for cid, values in factors.items():
        result = score(policy.credit, values)
        c = customers[cid]
        limit = result.terms.credit_limit
        if c.limit_override is not None and (c.override_until is None
                                             or c.override_until >= last):
            limit = c.limit_override
        found[cid] = {"rating": result.rating, "credit_limit": limit,
                      "payment_terms_days": result.terms.payment_terms_days,
                      "prepayment_ratio": result.terms.prepayment_ratio}
    return found


def _credit_differences(old: Scored, new: Scored, customers: dict[int, PastCustomer]
                        ) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """How many customers would get another rating, limit or terms, and which."""
    differing = {"rating": 0, "credit_limit": 0, "terms": 0}
    changes = []
    for cid in sorted(old.keys() | new.keys()):
        a, b = old.get(cid, {}), new.get(cid, {})
        what = [name for name, keys in (("rating", ("rating",)),
                                        ("credit_limit", ("credit_limit",)),
                                        ("terms", ("payment_terms_days", "prepayment_ratio")))
                if any(a.get(k) != b.get(k) for k in keys)]
        for name in what:
            differing[name] += 1
        if what:
            changes.append({"customer": customers[cid].code, "differs": what,
                            "active": a or None, "candidate": b or None})
    return differing, changes


def _counts(side: Side, scored: Scored) -> dict[str, Any]:
    c = side.counts
    steps = list(dict.fromkeys(s.id for policy in side.policies for s in policy.reminders))
    return {
        **side.hashes,
        "stage_moves": {stage: c.stage_moves[stage] for stage in STAGES},
        "reminders": {
            "messages": sum(c.messages_per_step.values()),
            "customers_contacted": len(c.contacted),
            "per_step": {step: c.messages_per_step[step] for step in steps},
            "per_week": dict(sorted(c.messages_per_week.items())),
        },
        "tasks": {
            "opened": sum(sum(weeks.values()) for weeks in c.tasks.values()),
            "per_collector_week": {who: dict(sorted(weeks.items()))
                                   for who, weeks in sorted(c.tasks.items())},
        },
        "warnings": {level: c.warnings[level] for level in LEVELS},
        "orders": {"checked": sum(c.orders.values()),
                   **{decision: c.orders[decision] for decision in DECISIONS}},
        "credit": {"ratings": dict(sorted(Counter(s["rating"] for s in scored.values()).items()))},
    }


def _receivables(book: PastBook, old: Side, new: Side) -> list[dict[str, Any]]:
    """The receivables the two policies treated differently: the stage each reached by
    the last day, the first day in each stage, the reminders sent."""
    customers = book.customers
    found = []
    for r in book.receivables:
        a, b = _path(old.replay_of(r.id), r.id), _path(new.replay_of(r.id), r.id)
        differs = [key for key in ("stage", "entered", "reminders") if a[key] != b[key]]
        if differs:
            found.append({"number": r.number, "customer": customers[r.customer_id].code,
                          "differs": differs, "active": a, "candidate": b})
    return found


def _path(replay: Replay, rid: int) -> dict[str, Any]:
    return {
        "stage": replay.stage[rid],
        "entered": {stage: on.isoformat() for stage, on in replay.entered.get(rid, {}).items()},
        "reminders": [{"date": on.isoformat(), "step": step}
                      for on, step in replay.reminded.get(rid, [])],
    }
