"""Late-payment interest (逾期利息): the policy key ``interest:`` and the day-by-day sum.

The rule, exactly: a receivable owes interest only once a balance is still unpaid at the
end of day ``due_date + grace_days`` (the grace end). Then, for each day d after the start
(``from: due_date``, the default, or ``from: grace_end``) up to the as-of day inclusive,
the balance unpaid at the end of d (payments and write-offs dated on or before d count)
times ``rate_per_day``; the sum is rounded half-up to the cent once; below
``min_amount`` it is 0. 0.0005 a day (万分之五) is the default of China's
保障中小企业款项支付条例 when no rate was agreed.

Pure: no database, no clock; the ledger gives the dated balance changes (ledger/interest).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from engine.errors import Problem
from engine.yaml_source import YamlDoc

CENT = Decimal("0.01")
MAX_RATE = Decimal("0.01")  # 1 % a day is 3,650 % a year: anything above is a typo
STARTS: tuple[str, ...] = ("due_date", "grace_end")
KEYS: tuple[str, ...] = ("rate_per_day", "grace_days", "min_amount", "from", "in_notices")
EXAMPLE = "{rate_per_day: 0.0005, grace_days: 5, min_amount: 10, from: due_date}"


@dataclass(frozen=True)
class InterestTerms:
    """The policy's ``interest:``: the daily rate, the grace days, the smallest amount
    charged, the day interest counts from (``due_date`` or ``grace_end``) and whether
    reminders show the interest accrued (``in_notices``: off unless the policy says so,
    since a notice naming interest is a claim the company must then stand by)."""

    rate_per_day: Decimal
    grace_days: int = 0
    min_amount: Decimal = Decimal("0")
    start: Literal["due_date", "grace_end"] = "due_date"
    in_notices: bool = False


@dataclass(frozen=True)
class Interest:
    """What a receivable owes as of a day: the days that bore interest and the amount."""

    days: int
    amount: Decimal


NONE = Interest(0, Decimal("0.00"))


def accrued(due_date: date, amount: Decimal, changes: Iterable[tuple[date, Decimal]],
            as_of: date, terms: InterestTerms) -> Interest:
    """Interest owed on ``as_of`` by a receivable of ``amount`` due on ``due_date``, whose
    balance went down by each (day, amount) of ``changes`` (payments allocated, write-offs
    approved) from the end of that day. ``days`` counts the days with a balance unpaid."""
    grace_end = due_date + timedelta(days=terms.grace_days)
    downs: dict[date, Decimal] = {}
    for day, value in changes:
        downs[day] = downs.get(day, Decimal("0")) + value
    if as_of < grace_end or _balance(amount, downs, grace_end) <= 0:
        return NONE
    start = due_date if terms.start == "due_date" else grace_end
    # the balance is a step function: sum it over the stretches between changes
    balance = _balance(amount, downs, start)
    total, days, day = Decimal("0"), 0, start
    for change_day in sorted(d for d in downs if start < d <= as_of):
        stretch = (change_day - day).days - 1  # days day+1 .. change_day-1 at ``balance``
        total, days = total + balance * stretch, days + (stretch if balance > 0 else 0)
        balance = max(balance - downs[change_day], Decimal("0"))
        total, days, day = total + balance, days + (1 if balance > 0 else 0), change_day
    stretch = (as_of - day).days
    total, days = total + balance * stretch, days + (stretch if balance > 0 else 0)
    owed = (total * terms.rate_per_day).quantize(CENT, rounding=ROUND_HALF_UP)
    if owed <= 0 or owed < terms.min_amount:
        return NONE
    return Interest(days, owed)


def _balance(amount: Decimal, downs: dict[date, Decimal], day: date) -> Decimal:
    """Unpaid at the end of ``day`` (never below 0)."""
    return max(amount - sum((v for d, v in downs.items() if d <= day), Decimal("0")),
               Decimal("0"))


def parse_terms(doc: YamlDoc, value: Any) -> tuple[InterestTerms | None, list[Problem]]:
    """The policy key ``interest:`` checked, every problem with its file:line."""
    if not isinstance(value, dict):
        return None, [doc.problem(("interest",), f"interest must be a mapping like {EXAMPLE}")]
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    for key, raw in value.items():
        path = ("interest", key)
        if key not in KEYS:
            problems.append(doc.problem(path, (
                f"interest: unknown key {key!r}; allowed: " + ", ".join(KEYS))))
        elif key == "rate_per_day":
            rate = _number(raw)
            if rate is None or not 0 <= rate <= MAX_RATE:
                problems.append(doc.problem(path, (
                    f"interest.rate_per_day must be a number from 0 to 0.01 a day "
                    f"(万分之五 is 0.0005), got {raw!r}")))
            else:
                fields["rate_per_day"] = rate
        elif key == "grace_days":
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                problems.append(doc.problem(path, (
                    f"interest.grace_days must be a whole number of days >= 0, got {raw!r}")))
            else:
                fields["grace_days"] = raw
        elif key == "min_amount":
            minimum = _number(raw)
            if minimum is None or minimum < 0:
                problems.append(doc.problem(path, (
                    f"interest.min_amount must be an amount >= 0 (e.g. 10), got {raw!r}")))
            else:
                fields["min_amount"] = minimum
        elif key == "in_notices":
            if not isinstance(raw, bool):
                problems.append(doc.problem(path, (
                    f"interest.in_notices must be true or false, got {raw!r}")))
            else:
                fields["in_notices"] = raw
        elif raw not in STARTS:
            problems.append(doc.problem(path, (
                f"interest.from must be due_date or grace_end, got {raw!r}")))
        else:
            fields["start"] = raw
    if "rate_per_day" not in value:
        problems.append(doc.problem(("interest",), (
            "interest: 'rate_per_day' is missing, e.g. rate_per_day: 0.0005 (万分之五 a day)")))
    if problems:
        return None, problems
    return InterestTerms(**fields), []


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        return None
    return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
