"""The receivable stages: one vocabulary for every layer (engine, ledger, workflows, shell).

A receivable moves forward through the open stages in order; a dispute holds it; paying
or writing it off closes it. The lifecycle machine (workflows/lifecycle.py) decides which
moves are legal; this module only names the stages and their groups.
"""

from __future__ import annotations

OPEN_STAGES: tuple[str, ...] = ("current", "due_soon", "overdue", "escalated", "legal")
"""The stages a receivable moves forward through, in order (never backwards)."""

HELD_STAGES: tuple[str, ...] = ("disputed",)
"""Stages that hold a receivable where it was until released."""

ACTIVE_STAGES: tuple[str, ...] = (*OPEN_STAGES, *HELD_STAGES)
"""Still owed and worked: counted in exposure, chased, listed."""

CLOSED_STAGES: tuple[str, ...] = ("paid", "written_off")

ALL_STAGES: tuple[str, ...] = (*ACTIVE_STAGES, *CLOSED_STAGES)

POLICY_STAGES: tuple[str, ...] = OPEN_STAGES[1:]
"""The stages a policy may define (with their conditions), in order: ``current`` is
where every receivable starts and needs no rule."""
