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
    receivable: Receivable,
    event: str,
    on_date: date,
    actor: str,
    rule_id: str,
    details: dict[str, object],
) -> None:
    row = StageRow(receivable.id or 0, receivable.stage, receivable.resume_stage)
    fire(row, event)
    store.set_stages(
        session,
        [
            {
                "rid": row.id,
                "stage": row.stage,
                "resume_stage": row.resume_stage,
                "stage_since": on_date,
            }
        ],
    )
    store.insert_stage_changes(
        session,
        [
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
        ],
    )
    store.insert_activities(
        session,
        [
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
        ],
    )


def settle_paid(session: Session, touched: dict[int, date | None], today: date, actor: str) -> int:
    """Settle every touched active receivable whose balance reached zero; return how many."""
    if not touched:
        return 0
    ids = sorted(touched)
    settled = 0
    for start in range(0, len(ids), 900):
        stmt = select(Receivable).where(
            Receivable.id.in_(ids[start : start + 900]),  # type: ignore[union-attr]
            Receivable.balance == 0,
            Receivable.stage.in_(ACTIVE),
        )  # type: ignore[attr-defined]
        for receivable in session.execute(stmt).scalars().all():
            on_date = touched[receivable.id or 0] or today
            _apply(session, receivable, "settle", on_date, actor, SETTLE_RULE, {})
            settled += 1
    return settled


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
    _apply(session, receivable, "dispute", on_date, actor, "manual", {"reason": reason})


def resolve_dispute(
    session: Session, number: str, on_date: date, actor: str, note: str = ""
) -> None:
    """Return the receivable to the stage the dispute held."""
    receivable = _find(session, number)
    _apply(session, receivable, "resolve", on_date, actor, "manual", {"note": note})
