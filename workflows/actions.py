"""Changes of state made outside the daily cycle: settlement after a payment, disputes.

Each goes through the lifecycle machine and is written with its audit row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from ledger import cycle_store as store
from ledger.models import Receivable
from workflows.decisions import SETTLE_RULE
from workflows.lifecycle import ACTIVE, IllegalMove, StageRow, fire


def _apply(
    session: Session,
    receivables: list[tuple[Receivable, date]],
    event: str,
    actor: str,
    rule_id: str,
    details: dict[str, object],
) -> None:
    """Fire ``event`` on each receivable through the machine, then write all in bulk."""
    stage_rows, changes, audit = [], [], []
    for receivable, on_date in receivables:
        row = StageRow(receivable.id or 0, receivable.stage, receivable.resume_stage)
        fire(row, event)
        stage_rows.append(
            {
                "rid": row.id,
                "stage": row.stage,
                "resume_stage": row.resume_stage,
                "stage_since": on_date,
            }
        )
        changes.extend(
            {
                "receivable_id": row.id,
                "from_stage": src,
                "to_stage": dest,
                "on_date": on_date,
                "rule_id": rule_id,
                "policy_hash": "",
                "actor": actor,
            }
            for src, dest in row.steps
        )
        audit.append(
            store.activity(
                on_date,
                actor,
                event,
                "receivable",
                row.id,
                receivable.number,
                rule_id,
                details={"from": receivable.stage, "to": row.stage, **details},
            )
        )
    store.set_stages(session, stage_rows)
    store.insert_stage_changes(session, changes)
    store.insert_activities(session, audit)


def settle_paid(session: Session, touched: dict[int, date | None], today: date, actor: str) -> int:
    """Settle every touched active receivable whose balance reached zero; return how many."""
    ids = sorted(touched)
    due: list[tuple[Receivable, date]] = []
    for start in range(0, len(ids), 900):
        stmt = select(Receivable).where(
            Receivable.id.in_(ids[start : start + 900]),  # type: ignore[union-attr]
            Receivable.balance == 0,
            Receivable.stage.in_(ACTIVE),  # type: ignore[attr-defined]
        )
        due.extend((r, touched[r.id or 0] or today) for r in session.execute(stmt).scalars())
    _apply(session, due, "settle", actor, SETTLE_RULE, {})
    return len(due)


def _find(session: Session, number: str) -> Receivable:
    receivable = session.execute(
        select(Receivable).where(Receivable.number == number)
    ).scalar_one_or_none()
    if receivable is None:
        raise LookupError(f"no receivable {number!r}")
    return receivable


def open_dispute(session: Session, number: str, reason: str, on_date: date, actor: str) -> None:
    """Hold the receivable's stage until the dispute is resolved."""
    receivable = _find(session, number)
    if receivable.stage == "disputed":
        raise IllegalMove(f"{number} is already disputed")
    _apply(session, [(receivable, on_date)], "dispute", actor, "manual", {"reason": reason})


def resolve_dispute(
    session: Session, number: str, on_date: date, actor: str, note: str = ""
) -> None:
    """Return the receivable to the stage the dispute held."""
    receivable = _find(session, number)
    _apply(session, [(receivable, on_date)], "resolve", actor, "manual", {"note": note})
