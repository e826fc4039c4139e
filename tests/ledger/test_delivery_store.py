"""Scheduled reports go out once per period: the claim row, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session

from ledger.delivery_store import DeliveryLog
from ledger.models import ReportDelivery, utcnow


def test_one_claimant_wins_and_a_failed_send_is_given_back(db: Engine) -> None:
    first, second = DeliveryLog(db), DeliveryLog(db)  # two schedulers, one database
    assert first.claim("summary:2026-W48")
    assert not second.claim("summary:2026-W48")
    first.release("summary:2026-W48")  # the server was down
    assert second.claim("summary:2026-W48")
    second.mark_sent("summary:2026-W48", "<id@x> to cfo@example.com")
    assert first.sent("summary:2026-W48") and not first.claim("summary:2026-W48")
    first.release("summary:2026-W48")  # a release never undoes a send
    assert second.sent("summary:2026-W48")


def test_a_claim_left_by_a_dead_run_is_taken_over_once(db: Engine) -> None:
    log = DeliveryLog(db, stale=timedelta(hours=1))
    assert log.claim("summary:2026-W49")
    with Session(db) as session:
        session.execute(update(ReportDelivery).values(claimed_at=utcnow() - timedelta(hours=2)))
        session.commit()
    assert log.claim("summary:2026-W49")
    assert not log.claim("summary:2026-W49")
