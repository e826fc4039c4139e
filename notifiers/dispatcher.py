"""The dispatcher: sends what the cycle left in the outbox, each message exactly once.

Claim a batch under a lease (ledger/outbox_store), send with the notifier's concurrency,
settle each message as soon as its send returns: sent; a transient failure is retried
with exponential backoff and jitter until ``max_attempts``; a permanent one fails the row
and opens a "fix contact details" task. A stop request lets the sends in flight finish
and gives the rest of the batch back. Time comes from the caller (``clock``), never the
wall clock, so tests replay days.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from ledger import outbox_store as store
from ledger.db import session_scope
from notifiers.base import (
    ConfigurationFailure,
    Notifier,
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
)

FIX_CONTACT = "fix_contact_details"


@dataclass(frozen=True)
class Backoff:
    """Delay before attempt n+1: base * 2**(n-1), capped, times a jitter of ±``jitter``."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.25

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        raw = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        return raw * (1 + rng.uniform(-self.jitter, self.jitter))


@dataclass
class DispatchSummary:
    configuration_error: str = ""  # the server refused our sender or credentials
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return dict(self.__dict__)


@dataclass
class Dispatcher:
    engine: Engine
    notifier: Notifier
    sender: str
    clock: Callable[[], datetime]  # aware datetime; the business day is ``today(now)``
    today: Callable[[datetime], date]
    batch: int = 200
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 8
    backoff: Backoff = Backoff()
    rng: random.Random = random.Random()

    async def run_once(self, stop: asyncio.Event | None = None) -> DispatchSummary:
        """Send everything due now; return when nothing claimable is left (or on stop)."""
        summary = DispatchSummary()
        token = f"{uuid.uuid4().hex[:12]}"
        while stop is None or not stop.is_set():
            now = self.clock()
            with session_scope(self.engine) as session:
                rows = store.claim(
                    session,
                    now=now,
                    today=self.today(now),
                    token=token,
                    lease_until=now + self.lease,
                    limit=self.batch,
                )
            if not rows:
                break
            summary.claimed += len(rows)
            await self._send_batch(rows, token, summary, stop)
            if summary.configuration_error:
                break
        return summary

    async def _send_batch(
        self,
        rows: list[store.Claimed],
        token: str,
        summary: DispatchSummary,
        stop: asyncio.Event | None,
    ) -> None:
        queue: asyncio.Queue[store.Claimed] = asyncio.Queue()
        for row in rows:
            queue.put_nowait(row)
        lease = _BatchLease(self, token, {row.id for row in rows}, self.clock() + self.lease)

        async def worker() -> None:
            while not queue.empty() and not halted.is_set() and (stop is None or not stop.is_set()):
                row = queue.get_nowait()
                if lease.still_ours(row.id):
                    try:
                        await self._send_one(row, token, summary)
                    except _StopRun:
                        queue.put_nowait(row)  # not sent: released with the rest
                        halted.set()
                        return
                lease.done(row.id)

        halted = asyncio.Event()

        workers = max(1, min(self.notifier.concurrency, len(rows)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        left = []
        while not queue.empty():
            left.append(queue.get_nowait())
        if left:
            with session_scope(self.engine) as session:
                store.release(session, left, token)
            summary.released += len(left)

    async def _send_one(self, row: store.Claimed, token: str, summary: DispatchSummary) -> None:
        message = OutgoingMessage(
            key=row.key,
            message_id=row.message_id,
            sender=self.sender,
            to=(row.to_addr,),
            cc=tuple(row.cc),
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
        )
        try:
            # shielded: a stop (Ctrl-C) lets the message in hand finish and be recorded
            report = await asyncio.shield(self.notifier.send(message))
        except TransientFailure as failure:
            self._retry(row, token, failure.reply, summary)
            return
        except ConfigurationFailure as failure:
            # the server refused our sender or login: every message would fail the same
            # way, so none is failed; this one and the rest of the run stay queued
            summary.configuration_error = failure.reply
            raise _StopRun from failure
        except PermanentFailure as failure:
            now = self.clock()
            with session_scope(self.engine) as session:
                store.mark_failed(
                    session,
                    row,
                    token,
                    error=failure.reply,
                    on=self.today(now),
                    task_kind=FIX_CONTACT,
                )
            summary.failed += 1
            return
        now = self.clock()
        refused = "; ".join(f"{addr}: {reply}" for addr, reply in report.refused.items())
        if row.to_addr in report.refused:  # only a cc got it: the customer did not
            with session_scope(self.engine) as session:
                store.mark_failed(
                    session,
                    row,
                    token,
                    error=f"refused {refused}",
                    on=self.today(now),
                    task_kind=FIX_CONTACT,
                )
            summary.failed += 1
            return
        with session_scope(self.engine) as session:
            store.mark_sent(
                session,
                row,
                token,
                now=now,
                on=self.today(now),
                note=f"refused {refused}" if refused else "",
            )
            if refused:
                store.open_contact_task(
                    session,
                    row.customer_id,
                    self.today(now),
                    FIX_CONTACT,
                    f"recipients refused: {refused}",
                )
        summary.sent += 1

    def _retry(self, row: store.Claimed, token: str, error: str, summary: DispatchSummary) -> None:
        now = self.clock()
        with session_scope(self.engine) as session:
            if row.attempts + 1 >= self.max_attempts:
                store.mark_failed(
                    session,
                    row,
                    token,
                    on=self.today(now),
                    task_kind=FIX_CONTACT,
                    error=f"gave up after {row.attempts + 1} attempts: {error}",
                )
                summary.failed += 1
                return
            store.mark_retry(
                session,
                row,
                token,
                error=error,
                on=self.today(now),
                next_attempt_at=now + self.backoff.delay(row.attempts + 1, self.rng),
            )
        summary.retried += 1


class _BatchLease:
    """The lease on one claimed batch, renewed in one UPDATE once half of it has passed.

    Before each send the row must still be ours: a dispatcher that stalled past its lease
    may have lost rows to another, and must not send those.
    """

    def __init__(self, dispatcher: Dispatcher, token: str, ids: set[int], until: datetime) -> None:
        self.dispatcher = dispatcher
        self.token = token
        self.unsent = set(ids)
        self.ours = set(ids)
        self.until = until

    def still_ours(self, row_id: int) -> bool:
        now = self.dispatcher.clock()
        if now >= self.until - self.dispatcher.lease / 2:
            self.until = now + self.dispatcher.lease
            with session_scope(self.dispatcher.engine) as session:
                self.ours = store.renew(session, sorted(self.unsent), self.token, self.until)
        return row_id in self.ours

    def done(self, row_id: int) -> None:
        self.unsent.discard(row_id)


class _StopRun(Exception):
    """Raised inside a worker to end the run (a configuration failure)."""
