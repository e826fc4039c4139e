"""Reports split by arm: the champion's customers and the challenger's, each a CustomerSet
decided by engine/challenger.arm_of over every customer's code and segment, as the cycle
decides them (today's segment: a customer whose segment changed is counted, with its
whole history, in the arm it is in now)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlmodel import Session

from engine.challenger import ARMS, Arm, Challenger, arm_of
from ledger.reports.customer_set import CustomerSet
from ledger.reports.history import C

T = TypeVar("T")


def arm_sets(session: Session, challenger: Challenger) -> dict[Arm, CustomerSet]:
    """{"champion": its customers, "challenger": its customers}."""
    members: dict[Arm, set[int]] = {arm: set() for arm in ARMS}
    for cid, code, segment in session.execute(select(C.c.id, C.c.code, C.c.segment)):
        members[arm_of(challenger, code, segment)].add(cid)
    return {
        "champion": CustomerSet.of(members["champion"], members["challenger"]),
        "challenger": CustomerSet.of(members["challenger"], members["champion"]),
    }


def by_arm(session: Session, challenger: Challenger,
           report: Callable[[CustomerSet], T]) -> dict[Arm, T]:
    """The same report over each arm's customers: {"champion": ..., "challenger": ...}."""
    return {arm: report(customers) for arm, customers in arm_sets(session, challenger).items()}
