"""What the daily cycle reads and writes, in bulk: stages, history, warnings, tasks, audit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from engine.stages import ACTIVE_STAGES
from ledger.bulk import execute_many
from ledger.models import (
    Customer,
    CycleRun,
    PolicyVersion,
    Receivable,
    RiskWarning,
    StageChange,
    Task,
    utcnow,
)


@dataclass(frozen=True)
class OpenWarning:
    id: int
    rule_id: str
    scope: str
    subject: str
    customer_id: int
    receivable_id: int | None


def last_cycle_date(session: Session) -> date | None:
    return session.execute(select(func.max(CycleRun.as_of))).scalar()  # type: ignore[arg-type]


def open_warnings(session: Session) -> dict[tuple[str, str, str], OpenWarning]:
    """Open warnings keyed by (scope, subject, rule_id)."""
    t = RiskWarning.__table__
    stmt = select(
        t.c.id, t.c.rule_id, t.c.scope, t.c.subject, t.c.customer_id, t.c.receivable_id
    ).where(t.c.closed_on.is_(None))
    return {(r.scope, r.subject, r.rule_id): OpenWarning(*r) for r in session.execute(stmt)}


class StageConflict(RuntimeError):
    """A receivable's stage changed between planning and writing (e.g. a dispute)."""


def set_stages(session: Session, rows: list[dict[str, Any]]) -> None:
    """rows: {rid, old_stage, stage, resume_stage, stage_since}; each only if still at
    old_stage, so a dispute opened meanwhile is never silently overwritten."""
    if not rows:
        return
    t = Receivable.__table__
    stmt = (
        update(t)
        .where(t.c.id == bindparam("rid"), t.c.stage == bindparam("old_stage"))
        .values(
            stage=bindparam("stage"),
            resume_stage=bindparam("resume_stage"),
            stage_since=bindparam("stage_since"),
            updated_at=func.now(),
        )
    )
    changed = execute_many(session, stmt, rows)
    if changed is not None and changed != len(rows):
        raise StageConflict(f"{len(rows) - changed} receivable(s) changed stage meanwhile")


def insert_stage_changes(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        execute_many(session, StageChange.__table__.insert(), rows)


def insert_warnings(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        execute_many(session, RiskWarning.__table__.insert(), rows)


def close_warnings(session: Session, ids: list[int], on_date: date) -> None:
    if ids:
        t = RiskWarning.__table__
        session.execute(
            update(t).where(t.c.id == bindparam("wid")),
            [{"wid": i, "closed_on": on_date} for i in ids],
        )


def insert_tasks(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        execute_many(session, Task.__table__.insert(), rows)


def record_policy(session: Session, policy_hash: str, files: dict[str, str], on: date) -> None:
    if session.get(PolicyVersion, policy_hash) is None:
        session.add(PolicyVersion(hash=policy_hash, files=files, first_used_on=on))


def record_run(session: Session, as_of: date, policy_hash: str, summary: dict[str, Any]) -> None:
    session.add(
        CycleRun(
            as_of=as_of,
            policy_hash=policy_hash,
            finished_at=utcnow(),
            summary=json.loads(json.dumps(summary, default=str)),
        )
    )


def count_active(session: Session) -> int:
    t = Receivable.__table__
    stmt = select(func.count()).select_from(t).where(t.c.stage.in_(ACTIVE_STAGES))
    return session.execute(stmt).scalar_one()


def collectors(session: Session) -> dict[int, str | None]:
    t = Customer.__table__
    return {cid: name for cid, name in session.execute(select(t.c.id, t.c.collector))}


def last_policy_files(session: Session) -> dict[str, str] | None:
    """The files of the policy the latest cycle ran with: the last good one."""
    latest = session.execute(
        select(CycleRun.policy_hash).order_by(CycleRun.as_of.desc(), CycleRun.id.desc()).limit(1)
    ).scalar()
    if latest is None:
        return None
    version = session.get(PolicyVersion, latest)
    return dict(version.files) if version is not None else None
