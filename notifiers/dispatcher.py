"""The dispatcher: sends what the cycle left in the outbox, each message once.

Claim a batch under a lease (ledger/outbox_store), send with the notifier's concurrency,
and settle each message as soon as its send returns (notifiers/outcome.py decides what
the answer means, recipient by recipient): sent; a transient failure is retried with
exponential backoff and jitter until ``max_attempts``; a permanent one fails the row and
opens a "fix contact details" task. A stop request lets the sends in flight finish and
gives the rest of the batch back. Time comes from the caller (``clock``), never the wall
clock, so tests replay days.

How close to "once" it comes (SMTP cannot be exactly-once: a kill after the server's 250
and before anything of ours is written makes that message go out again):

- what a server accepted is first appended to the local send journal
  (notifiers/journal.py), and every run reconciles the journal into the outbox before it
  claims anything; so a database that is down when a send is to be recorded costs no
  duplicate, and a kill at most the messages in flight;
- a run never claims a row it already tried (a short backoff cannot make a run send the
  same message twice, and a hung server costs each message one attempt per run);
- a server that cannot be reached or does not greet ends the run after the attempts in
  flight: the rest of the batch is given back untried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ledger import outbox_store as store
from ledger.db import DatabaseError, Engine, session_scope
from notifiers import outcome
from notifiers.attachments import Attachment, MessageWithAttachments
from notifiers.base import (
    ConfigurationFailure,
    Notifier,
    PermanentFailure,
    SendReport,
    ServerUnavailable,
    TransientFailure,
)
from notifiers.journal import SendJournal, SendOutcome

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
    server_error: str = ""  # the server could not be reached or did not greet
    database_error: str = ""  # a send could not be recorded: the journal holds it
    reconciled: int = 0  # sends taken in from the journal before claiming
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
    journal: SendJournal | None = None  # None: no local record (tests of the bare path)
    reply_to: str | None = None  # the Reply-To of every message (settings mail.reply_to)
    # builds a row's ``attach: [statement]`` at send time (notifiers/statement.py); None:
    # such a row waits (retried) rather than go out without what it says it encloses
    statements: Any = None
    # told how long each send took (seconds, perf counter) and how it ended ("accepted":
    # the server answered, even refusing some recipients; "failed": it raised); the
    # service's metrics listen here, so this package needs no metrics library
    observe: Callable[[float, str], None] | None = None
    _tried: set[int] = field(default_factory=set, init=False, repr=False)
    _writer: ThreadPoolExecutor = field(init=False, repr=False)

    async def run_once(self, stop: asyncio.Event | None = None) -> DispatchSummary:
        """Send everything due now; return when nothing claimable is left (or on stop).

        Raises the database's error when the journal cannot be reconciled or nothing can
        be claimed (the database is down): nothing was sent then.
        """
        summary = DispatchSummary()
        token = f"{uuid.uuid4().hex[:12]}"
        self._tried = set()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-writer")
        try:
            return await self._run(token, summary, stop)
        finally:
            self._writer.shutdown(wait=True)

    async def _run(
        self, token: str, summary: DispatchSummary, stop: asyncio.Event | None
    ) -> DispatchSummary:
        while stop is None or not stop.is_set():
            summary.reconciled += self.reconcile()
            now = self.clock()
            with session_scope(self.engine) as session:
                rows = store.claim(
                    session,
                    now=now,
                    today=self.today(now),
                    token=token,
                    lease_until=now + self.lease,
                    limit=self.batch,
                    exclude=self._tried,
                )
            if not rows:
                break
            summary.claimed += len(rows)
            await self._send_batch(rows, token, summary, stop)
            if summary.configuration_error or summary.server_error or summary.database_error:
                break
        return summary

    def reconcile(self) -> int:
        """Take the journal's sends into the outbox (those not settled since); then forget
        them. Returns how many rows it settled."""
        if self.journal is None:
            return 0
        entries = self.journal.outcomes()
        if not entries:
            return 0
        settled = 0
        with session_scope(self.engine) as session:
            rows = store.unsettled(session, {entry.outbox_id for entry in entries})
            for entry in entries:
                row = rows.get(entry.outbox_id)
                if row is None or row.key != entry.key or row.attempts != entry.attempts:
                    continue  # settled already (by its dispatcher, or an earlier entry)
                at = datetime.fromisoformat(entry.at)
                decided = self._per_recipient(row, entry.accepted, entry.refused, at)
                if store.settle(session, row, None, decided, on=self.today(at)):
                    rows[row.id] = dataclasses.replace(
                        row, attempts=row.attempts + 1, deliveries=decided.deliveries
                    )
                    settled += 1
        self.journal.forget(entries)
        return settled

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
                try:
                    if lease.still_ours(row.id):
                        self._tried.add(row.id)
                        await self._send_one(row, token, summary)
                except _StopRun:
                    halted.set()
                    return
                except DatabaseError as exc:  # the database went away: stop, lose nothing
                    summary.database_error = _first_line(exc)
                    halted.set()
                    return
                lease.done(row.id)

        halted = asyncio.Event()

        workers = max(1, min(self.notifier.concurrency, len(rows)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        left = [row for row in rows if row.id in lease.unsent and row.id not in self._tried]
        if left and not summary.database_error:
            with session_scope(self.engine) as session:
                store.release(session, left, token)
            summary.released += len(left)

    async def _send_one(self, row: store.Claimed, token: str, summary: DispatchSummary) -> None:
        to_do = outcome.remaining(row)
        try:
            attachments = await self._attachments(row)
        except Exception as exc:  # noqa: BLE001 - any failure to build: retried, then failed
            decided = outcome.whole_message(
                row, f"the statement could not be built: {_first_line(exc)}", permanent=False,
                now=self.clock(), max_attempts=self.max_attempts, delay=self._delay)
            await self._settle(row, token, decided, summary)
            return
        message = MessageWithAttachments(
            key=row.key,
            message_id=row.message_id,
            sender=self.sender,
            to=(row.to_addr,),
            cc=tuple(row.cc),
            subject=row.subject,
            text=row.body_text,
            html=row.body_html,
            envelope=to_do if row.deliveries else (),
            reply_to=(self.reply_to,) if self.reply_to else (),
            attachments=attachments,
        )
        try:
            # shielded: a stop (Ctrl-C) lets the message in hand finish and be recorded
            report = await self._timed(asyncio.shield(self.notifier.send(message)))
        except ConfigurationFailure as failure:
            # the server refused our sender or login: every message would fail the same
            # way, so none is failed; this one and the rest of the run stay queued
            summary.configuration_error = failure.reply
            self._tried.discard(row.id)
            raise _StopRun from failure
        except (TransientFailure, PermanentFailure) as failure:
            now = self.clock()
            if failure.refused:  # the server answered for each recipient: none accepted
                decided = self._per_recipient(row, (), failure.refused, now)
            else:
                decided = outcome.whole_message(
                    row,
                    failure.reply,
                    permanent=isinstance(failure, PermanentFailure),
                    now=now,
                    max_attempts=self.max_attempts,
                    delay=self._delay,
                )
            await self._settle(row, token, decided, summary)
            if isinstance(failure, ServerUnavailable):
                summary.server_error = failure.reply
                raise _StopRun from failure
            return
        now = self.clock()
        accepted = tuple(a for a in message.recipients if a not in report.refused)
        if self.journal is not None:
            self.journal.record(
                SendOutcome(row.id, row.key, row.attempts, now.isoformat(), accepted,
                            dict(report.refused))
            )
        await self._settle(
            row, token, self._per_recipient(row, accepted, report.refused, now), summary
        )

    async def _timed(self, sending: Awaitable[SendReport]) -> SendReport:
        """``sending`` awaited, its time and ending told to ``observe``."""
        if self.observe is None:
            return await sending
        began, ending = time.perf_counter(), "failed"
        try:
            report = await sending
            ending = "accepted"
            return report
        finally:
            self.observe(time.perf_counter() - began, ending)

    async def _attachments(self, row: store.Claimed) -> tuple[Attachment, ...]:
        """The files a row asks for, built now as of its day: a statement PDF takes tens of
        milliseconds, so it is built in a worker thread and only for the rows that ask."""
        if "statement" not in row.attach:
            return ()
        if self.statements is None:
            raise RuntimeError("no statement maker is configured for the dispatcher")
        as_of = row.for_date or self.today(self.clock())
        built = await asyncio.get_running_loop().run_in_executor(
            None, self.statements.for_customer, row.customer_id, as_of)
        if built is None:
            raise LookupError(f"no customer #{row.customer_id}")
        return (Attachment(built.filename, built.data),)

    def _per_recipient(
        self,
        row: store.Claimed,
        accepted: tuple[str, ...],
        refused: Mapping[str, str],
        now: datetime,
    ) -> store.Settlement:
        return outcome.per_recipient(
            row, accepted, refused, now=now, max_attempts=self.max_attempts, delay=self._delay
        )

    def _delay(self, attempts: int) -> timedelta:
        return self.backoff.delay(attempts, self.rng)

    async def _settle(
        self,
        row: store.Claimed,
        token: str,
        decided: store.Settlement,
        summary: DispatchSummary,
    ) -> None:
        """Record the outcome on the one writer thread: the event loop stays free to read
        the other connections' replies and journal them the moment they arrive, which
        keeps the window a kill can repeat a message in as short as it can be."""
        on = self.today(self.clock())

        def write() -> None:
            with session_scope(self.engine) as session:
                store.settle(session, row, token, decided, on=on)

        await asyncio.get_running_loop().run_in_executor(self._writer, write)
        if decided.status == "sent":
            summary.sent += 1
        elif decided.status == "pending":
            summary.retried += 1
        else:
            summary.failed += 1


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
    """Raised inside a worker to end the run (our configuration, or the server is down)."""
