"""The policy key ``go_live: {date: D, min_gap_days: N}``: when reminder emails start, and
how fast a customer catches up with steps that were already due.

No customer's first message from arflow is a final notice: a customer never written to
starts at the policy's first step; the later steps then go one at a time, each at least
``min_gap_days`` business days after the previous message to that customer, until the
sequence has caught up (workflows/reminders.py). The same holds without the key (invoices
imported already late), with ``CATCH_UP_GAP_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.errors import Problem
from engine.yaml_source import YamlDoc

CATCH_UP_GAP_DAYS = 5
KEYS: tuple[str, ...] = ("date", "min_gap_days")
EXAMPLE = "{date: 2026-12-01, min_gap_days: 5}"


@dataclass(frozen=True)
class GoLive:
    """No reminder email before ``date`` (None: no start date); catch-up steps at least
    ``min_gap_days`` business days apart."""

    date: date | None = None
    min_gap_days: int = CATCH_UP_GAP_DAYS


def parse_go_live(doc: YamlDoc, value: Any) -> tuple[GoLive | None, list[Problem]]:
    """The validated key, or None and one problem (file:line) per mistake."""
    if not isinstance(value, dict):
        return None, [doc.problem(("go_live",), f"go_live must be a mapping like {EXAMPLE}")]
    problems = [
        doc.problem(("go_live", name), f"go_live: unknown key {name!r}; allowed: "
                    + ", ".join(KEYS))
        for name in value if name not in KEYS
    ]
    day: date | None = None
    raw = value.get("date")
    if raw is None:
        problems.append(doc.problem(("go_live",), f"go_live: 'date' is missing, e.g. {EXAMPLE}"))
    elif isinstance(raw, date) and not hasattr(raw, "hour"):
        day = raw
    else:
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            problems.append(doc.problem(("go_live", "date"), (
                f"go_live.date must be a date like 2026-12-01, got {raw!r}")))
    gap = value.get("min_gap_days", CATCH_UP_GAP_DAYS)
    if isinstance(gap, bool) or not isinstance(gap, int) or gap < 1:
        problems.append(doc.problem(("go_live", "min_gap_days"), (
            f"go_live.min_gap_days must be a whole number of business days >= 1, got {gap!r}")))
    if problems:
        return None, problems
    return GoLive(day, gap), []
