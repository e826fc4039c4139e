"""What the daily cycle reads and writes, in bulk: stages, history, warnings, tasks (the
audit rows: ledger/audit.py). Each kind of row the day's plan holds is a frozen dataclass
here (tasks: ``task_store.TaskRow``), written by one function taking a list of them."""

from __future__ import annotations

import json
from collections.abc import Sequence
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


@dataclass(frozen=True, kw_only=True)
class StageMove:
    """A receivable's new stage, set only while it is still at ``old_stage``."""

    rid: int
    old_stage: str
    stage: str
    resume_stage: str | None
    stage_since: date

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class StageStep:
    """One step through the lifecycle: a ``stage_change`` history row."""

    receivable_id: int
    from_stage: str
    to_stage: str
    on_date: date
    rule_id: str
    policy_hash: str
    actor: str

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class WarningOpened:
    """A new risk warning, open from ``opened_on``."""

    rule_id: str
    level: str
    scope: str
    subject: str
    customer_id: int
    receivable_id: int | None
    opened_on: date
    closed_on: date | None = None
    policy_hash: str
    facts: dict[str, Any]

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class WarningClosed:
    """An open warning to close (``close_warnings`` sets its ``closed_on``)."""

    id: int
    rule_id: str
    scope: str
    subject: str


class StageConflict(RuntimeError):
    """A receivable's stage changed between planning and writing (e.g. a dispute)."""


def set_stages(session: Session, moves: Sequence[StageMove]) -> None:
    """Each move only if the receivable is still at its old_stage, so a dispute opened
    meanwhile is never silently overwritten."""
    if not moves:
        return
    rows = [move.row() for move in moves]
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


def insert_stage_changes(session: Session, steps: Sequence[StageStep]) -> None:
    if steps:
        execute_many(session, StageChange.__table__.insert(), [s.row() for s in steps])


def insert_warnings(session: Session, warnings: Sequence[WarningOpened]) -> None:
    if warnings:
        execute_many(session, RiskWarning.__table__.insert(), [w.row() for w in warnings])


def close_warnings(session: Session, warnings: Sequence[WarningClosed], on_date: date) -> None:
    if warnings:
        t = RiskWarning.__table__
        session.execute(
            update(t).where(t.c.id == bindparam("wid")),
            [{"wid": w.id, "closed_on": on_date} for w in warnings],
        )


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


def last_good_files(session: Session) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The files of the policy the latest cycle ran with (the last good one; None before
    any run) and of the challenger it ran beside (its summary names the hash; None if it
    had none)."""
    latest = session.execute(
        select(CycleRun.policy_hash, CycleRun.summary)
        .order_by(CycleRun.as_of.desc(), CycleRun.id.desc()).limit(1)
    ).first()
    if latest is None:
        return None, None
    policy_hash, summary = latest

    def files(version_hash: str | None) -> dict[str, str] | None:
        version = session.get(PolicyVersion, version_hash) if version_hash else None
        return dict(version.files) if version is not None else None

    return files(policy_hash), files((summary or {}).get("challenger_hash"))
