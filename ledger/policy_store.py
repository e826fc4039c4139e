"""Policy versions and drafts in the database: who published what, and uploads in review.

A version first written by a cycle (``cycle_store.record_policy``) has no publisher; one
published from the web carries ``published_at``/``published_by`` and, as it is in force
from that day, ``first_used_on`` is the day of publication unless a cycle used it before.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from ledger.models import PolicyDraft, PolicyVersion
from ledger.rows import one_by


def version(session: Session, policy_hash: str) -> dict[str, Any] | None:
    found = session.get(PolicyVersion, policy_hash)
    return None if found is None else _version(found)


def versions(session: Session) -> list[dict[str, Any]]:
    """Every recorded version, the latest published (or first used) first."""
    latest = func.coalesce(PolicyVersion.published_at, PolicyVersion.first_used_on)
    stmt = select(PolicyVersion).order_by(latest.desc(), PolicyVersion.hash)
    return [_version(row) for row in session.execute(stmt).scalars()]


def _version(row: PolicyVersion) -> dict[str, Any]:
    return {"hash": row.hash, "files": sorted(row.files), "first_used_on": row.first_used_on,
            "published_at": row.published_at, "published_by": row.published_by}


def record_published(session: Session, policy_hash: str, files: dict[str, str], on: date,
                     at: datetime, by: str) -> None:
    """Insert the version, or stamp an existing one (a former policy published again)."""
    if session.get(PolicyVersion, policy_hash) is None:
        session.add(PolicyVersion(hash=policy_hash, files=dict(files), first_used_on=on,
                                  published_at=at, published_by=by))
        session.flush()
        return
    session.execute(update(PolicyVersion).where(PolicyVersion.hash == policy_hash)
                    .values(published_at=at, published_by=by))


def add_draft(session: Session, files: dict[str, str], uploaded_by: str, base_hash: str = ""
              ) -> int:
    draft = PolicyDraft(files=dict(files), uploaded_by=uploaded_by, base_hash=base_hash)
    session.add(draft)
    session.flush()
    assert draft.id is not None
    return draft.id


def get_draft(session: Session, draft_id: int, *, lock: bool = False) -> PolicyDraft:
    """``lock``: hold the row (PostgreSQL) so a draft is published or discarded once."""
    return one_by(session, PolicyDraft, PolicyDraft.id, draft_id,
                  f"no policy draft {draft_id}", lock=lock)


def set_draft_status(session: Session, draft_id: int, status: str, published_hash: str = ""
                     ) -> None:
    session.execute(update(PolicyDraft).where(PolicyDraft.id == draft_id)
                    .values(status=status, published_hash=published_hash))


def open_drafts(session: Session) -> list[dict[str, Any]]:
    """Drafts waiting for review, newest first."""
    stmt = (select(PolicyDraft.id, PolicyDraft.uploaded_by, PolicyDraft.uploaded_at)
            .where(PolicyDraft.status == "draft").order_by(PolicyDraft.id.desc()))  # type: ignore[union-attr]
    return [{"id": row.id, "uploaded_by": row.uploaded_by, "uploaded_at": row.uploaded_at}
            for row in session.execute(stmt)]


def last_published(session: Session) -> tuple[str, dict[str, str]] | None:
    """(hash, files) of the version published most recently, by anyone in any process."""
    row = session.execute(
        select(PolicyVersion.hash, PolicyVersion.files)
        .where(PolicyVersion.published_at.is_not(None))
        .order_by(PolicyVersion.published_at.desc()).limit(1)).first()
    return None if row is None else (row[0], dict(row[1]))


def last_published_hash(session: Session) -> str | None:
    found = session.execute(
        select(PolicyVersion.hash).where(PolicyVersion.published_at.is_not(None))
        .order_by(PolicyVersion.published_at.desc()).limit(1)).scalar()
    return found
