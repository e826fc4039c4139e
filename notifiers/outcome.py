"""What one send attempt means for its outbox row: decided here, applied by ledger/.

Delivery is per recipient. A recipient that accepted is never sent the message again; one
refused with 5xx is never tried again; one refused with 4xx (greylisting, a full mailbox)
is tried again later, alone. The customer (the To addresses) decides the row's fate: it
fails, with a task for the collector to fix the contact, only when every To address was
refused for good (or kept refusing until the attempts ran out); a cc that cannot be
reached is noted on a message the customer did get.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from ledger.outbox_store import Claimed, Settlement
from notifiers.base import bare_addresses, is_temporary

ACCEPTED = "accepted"
Delay = Callable[[int], timedelta]  # attempts made so far -> wait before the next one


def addressees(row: Claimed) -> tuple[str, ...]:
    """Every bare address the message is for: To, then Cc."""
    return bare_addresses((row.to_addr, *row.cc))


def remaining(row: Claimed) -> tuple[str, ...]:
    """The addresses still to deliver to (neither accepted nor refused for good)."""
    return tuple(a for a in addressees(row) if a not in row.deliveries)


def per_recipient(
    row: Claimed,
    accepted: tuple[str, ...],
    refused: Mapping[str, str],
    *,
    now: datetime,
    max_attempts: int,
    delay: Delay,
) -> Settlement:
    """The settlement of an attempt the server answered recipient by recipient."""
    deliveries = dict(row.deliveries)
    deliveries.update(dict.fromkeys(accepted, ACCEPTED))
    deliveries.update({a: reply for a, reply in refused.items() if not is_temporary(reply)})
    deferred = {a: reply for a, reply in refused.items() if is_temporary(reply)}
    to = bare_addresses((row.to_addr,))
    lost = {a: r for a, r in deliveries.items() if r != ACCEPTED}
    if to and all(a in lost for a in to):  # only a cc got it: the customer did not
        error = f"refused {_listed(lost)}"
        return Settlement("failed", deliveries, error, contact_task=_contact(row, error))
    if deferred and row.attempts + 1 < max_attempts:
        return Settlement(
            "pending",
            deliveries,
            f"deferred {_listed(deferred)}",
            next_attempt_at=now + delay(row.attempts + 1),
        )
    if deferred and any(deliveries.get(a) != ACCEPTED for a in to):
        error = f"gave up after {row.attempts + 1} attempts: deferred {_listed(deferred)}"
        return Settlement("failed", deliveries, error, contact_task=_contact(row, error))
    unreached = {**lost, **deferred}
    note = f"refused {_listed(unreached)}" if unreached else ""
    task = f"recipients refused: {_listed(unreached)}" if unreached else ""
    return Settlement("sent", deliveries, note, sent_at=now, contact_task=task)


def whole_message(
    row: Claimed, reply: str, *, permanent: bool, now: datetime, max_attempts: int, delay: Delay
) -> Settlement:
    """The settlement of an attempt that failed for the message as a whole."""
    if permanent:
        return Settlement("failed", row.deliveries, reply, contact_task=_contact(row, reply))
    if row.attempts + 1 >= max_attempts:
        error = f"gave up after {row.attempts + 1} attempts: {reply}"
        return Settlement("failed", row.deliveries, error, contact_task=_contact(row, error))
    return Settlement(
        "pending", row.deliveries, reply, next_attempt_at=now + delay(row.attempts + 1)
    )


def _listed(replies: Mapping[str, str]) -> str:
    return "; ".join(f"{address}: {reply}" for address, reply in replies.items())


def _contact(row: Claimed, error: str) -> str:
    return f"mail to {row.to_addr} failed: {error}"
