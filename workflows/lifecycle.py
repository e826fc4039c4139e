"""The receivable lifecycle: one shared transitions machine for every receivable.

One module-level ``Machine(model=None)``: rows loaded from the database are fired with
``MACHINE.events[name].trigger(row)`` (no per-row setup; ``add_model`` is O(n) and holds
every model, so it is never used for a portfolio). Illegal moves raise ``IllegalMove``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transitions import Machine, MachineError

from engine.stages import ACTIVE_STAGES, ALL_STAGES, CLOSED_STAGES, OPEN_STAGES
from workflows.errors import Refused

# the names the workflows use for the stage groups of engine/stages.py
FORWARD = OPEN_STAGES
OPEN = FORWARD
ACTIVE = ACTIVE_STAGES
CLOSED = CLOSED_STAGES
STATES = ALL_STAGES


class IllegalMove(Refused):
    """A stage change the lifecycle does not allow (legal -> current, paid -> overdue, ...)."""

    code = "illegal_move"


@dataclass
class StageRow:
    """The part of a receivable the machine needs; ``steps`` records what happened."""

    id: int
    stage: str
    resume_stage: str | None = None
    steps: list[tuple[str, str]] = field(default_factory=list)


def _hold(event) -> None:  # type: ignore[no-untyped-def]
    event.model.resume_stage = event.transition.source


def _release(event) -> None:  # type: ignore[no-untyped-def]
    event.model.resume_stage = None


def _resumes_to(dest: str):  # type: ignore[no-untyped-def]
    return lambda event: event.model.resume_stage == dest


def _transitions() -> list[dict[str, object]]:
    moves: list[dict[str, object]] = [
        {"trigger": f"to_{dest}", "source": src, "dest": dest}
        for src, dest in zip(FORWARD, FORWARD[1:], strict=False)
    ]
    moves.append({"trigger": "settle", "source": list(ACTIVE), "dest": "paid", "after": _release})
    moves.append({"trigger": "write_off", "source": list(ACTIVE), "dest": "written_off",
                  "after": _release})
    # a payment undone or corrected after settlement: back to current; the next cycle moves
    # it forward to the stage its dates call for
    moves.append({"trigger": "reopen", "source": "paid", "dest": "current"})
    moves.append({"trigger": "dispute", "source": list(OPEN), "dest": "disputed", "before": _hold})
    for dest in OPEN:
        moves.append(
            {
                "trigger": "resolve",
                "source": "disputed",
                "dest": dest,
                "conditions": _resumes_to(dest),
                "after": _release,
            }
        )
    return moves


MACHINE = Machine(
    model=None,
    states=list(STATES),
    transitions=_transitions(),
    initial=None,
    auto_transitions=False,
    model_attribute="stage",
    send_event=True,
)


def fire(row: StageRow, event: str) -> None:
    """Fire ``event`` on ``row``; record the step or raise IllegalMove."""
    before = row.stage
    try:
        done = MACHINE.events[event].trigger(row)
    except (MachineError, KeyError) as exc:
        raise IllegalMove(f"cannot {event.replace('_', ' ')} from {before}") from exc
    if not done or row.stage == before:
        raise IllegalMove(f"cannot {event.replace('_', ' ')} from {before}")
    row.steps.append((before, row.stage))


def advance(row: StageRow, target: str) -> None:
    """Walk forward to ``target`` one stage at a time (never skipped in the record)."""
    if target not in FORWARD or row.stage not in FORWARD:
        raise IllegalMove(f"cannot advance from {row.stage} to {target}")
    if FORWARD.index(target) < FORWARD.index(row.stage):
        raise IllegalMove(f"cannot move back from {row.stage} to {target}")
    while row.stage != target:
        fire(row, f"to_{FORWARD[FORWARD.index(row.stage) + 1]}")


def furthest(current: str, reachable: list[str]) -> str | None:
    """The furthest stage ahead of ``current`` among those whose condition holds."""
    ahead = [s for s in reachable if s in FORWARD and FORWARD.index(s) > FORWARD.index(current)]
    return max(ahead, key=FORWARD.index) if ahead else None
