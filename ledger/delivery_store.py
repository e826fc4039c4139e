"""Scheduled reports sent at most once per period: a row per key is the claim.

``claim`` inserts the row (``sending``); the primary key makes a second claimant fail, in
any process on either database. A claim older than ``stale`` belongs to a run that died
mid-send and is taken over with a conditional update (one winner). ``mark_sent`` closes
it; ``release`` gives a failed send back so the next run tries again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ledger.models import ReportDelivery, utcnow


class DeliveryLog:
    def __init__(self, engine: Engine, stale: timedelta = timedelta(hours=1)) -> None:
        self.engine = engine
        self.stale = stale

    def sent(self, key: str) -> bool:
        with Session(self.engine) as session:
            status = session.execute(
                select(ReportDelivery.status).where(ReportDelivery.key == key)).scalar()
        return status == "sent"

    def claim(self, key: str) -> bool:
        """True when this caller may send now."""
        now = utcnow()
        with Session(self.engine) as session:
            try:
                session.add(ReportDelivery(key=key, status="sending", claimed_at=now))
                session.commit()
                return True
            except IntegrityError:
                session.rollback()
            takeover = (ReportDelivery.status == "sending") & (
                ReportDelivery.claimed_at < now - self.stale)
            won = session.execute(
                update(ReportDelivery).where(ReportDelivery.key == key, takeover)
                .values(status="sending", claimed_at=now)).rowcount
            session.commit()
            return bool(won)

    def release(self, key: str) -> None:
        with Session(self.engine) as session:
            session.execute(delete(ReportDelivery).where(
                ReportDelivery.key == key, ReportDelivery.status == "sending"))
            session.commit()

    def mark_sent(self, key: str, note: str) -> None:
        with Session(self.engine) as session:
            session.execute(update(ReportDelivery).where(ReportDelivery.key == key)
                            .values(status="sent", sent_at=utcnow(), note=note))
            session.commit()
