"""A person's changes to one outbox message (workflows/outbox.py): only from the allowed
statuses, audited, and a dispatcher that got there first wins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger import outbox_store
from ledger.models import Activity, Customer, Outbox
from tests.web.portfolio import build
from workflows import outbox
from workflows.errors import NotFound, Refused

DAY = date(2026, 10, 12)


@pytest.fixture
def messages(db: Engine, tmp_path: Path) -> dict[str, int]:
    """One message in each status a person may meet, by status."""
    build(db, tmp_path)
    with Session(db) as s:
        customer = s.execute(select(Customer.id)).scalars().first()
        rows = {
            status: Outbox(key=f"test:{status}", customer_id=customer, for_date=DAY,
                           template="first_notice", language="en", status=status,
                           attempts=3 if status == "failed" else 0,
                           claimed_by="d1" if status in ("failed", "sending") else "")
            for status in ("review", "pending", "failed", "sending", "sent")
        }
        s.add_all(rows.values())
        s.commit()
        return {status: row.id or 0 for status, row in rows.items()}


def _status(db: Engine, outbox_id: int) -> Outbox:
    with Session(db) as s:
        return s.get_one(Outbox, outbox_id)


def _audit(db: Engine) -> list[tuple[str, int]]:
    with Session(db) as s:
        rows = s.execute(select(Activity.action, Activity.details)
                         .where(Activity.action.like("mail_%")).order_by(Activity.id))
        return [(action, details["outbox_id"]) for action, details in rows]


def test_approve_cancel_and_requeue_from_their_statuses(db: Engine, messages) -> None:
    with Session(db) as s:
        assert outbox.decide(s, messages["review"], approve=True, actor="li.na", on=DAY) == (
            "pending")
        assert outbox.cancel(s, messages["pending"], actor="li.na", on=DAY) == "cancelled"
        assert outbox.requeue(s, messages["failed"], actor="li.na", on=DAY) == "pending"
        s.commit()
    assert _status(db, messages["review"]).status == "pending"
    assert _status(db, messages["pending"]).status == "cancelled"
    again = _status(db, messages["failed"])
    assert (again.status, again.attempts, again.claimed_by) == ("pending", 0, "")
    assert _audit(db) == [("mail_approved", messages["review"]),
                          ("mail_cancelled", messages["pending"]),
                          ("mail_requeued", messages["failed"])]


def test_refusals_name_the_status_and_change_nothing(db: Engine, messages) -> None:
    with Session(db) as s:
        with pytest.raises(Refused, match=r"is sent; only review messages can be approved"):
            outbox.approve(s, messages["sent"], actor="li.na", on=DAY)
        with pytest.raises(Refused, match=r"only review or pending messages can be cancelled"):
            outbox.decide(s, messages["sending"], approve=False, actor="li.na", on=DAY)
        with pytest.raises(Refused, match=r"is pending; only failed messages can be retried"):
            outbox.requeue(s, messages["pending"], actor="li.na", on=DAY)
        with pytest.raises(NotFound, match="no message 99999"):
            outbox.cancel(s, 99999, actor="li.na", on=DAY)
        s.commit()
    assert _status(db, messages["sending"]).status == "sending"
    assert _audit(db) == []


def test_a_dispatcher_claiming_meanwhile_wins(db: Engine, messages, monkeypatch) -> None:
    """The person saw the message pending; a dispatcher claimed it before the write."""
    seen = outbox_store.message_state

    def stale(session: Session, outbox_id: int) -> outbox_store.MessageState | None:
        state = seen(session, outbox_id)
        assert state is not None
        return outbox_store.MessageState("pending", state.key, state.customer_id)

    monkeypatch.setattr(outbox_store, "message_state", stale)
    with Session(db) as s:
        with pytest.raises(Refused, match="changed meanwhile; look at it again"):
            outbox.cancel(s, messages["sending"], actor="li.na", on=DAY)
        s.commit()
    assert _status(db, messages["sending"]).status == "sending"
    assert _audit(db) == []
