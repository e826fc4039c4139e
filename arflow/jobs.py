"""Scheduler jobs: importable functions taking nothing, so APScheduler stores only their names.

Each job takes what it needs from the service's runtime (arflow/runtime.py: the settings,
the database, the policy in force, the clock), which ``serve`` hands over with ``use``;
without one (a job run by hand, a test) the settings are loaded from ARFLOW_HOME and the
database opened once. ``_settings`` and ``_engine`` are the two seams, cached; the wall
clock is read here (the shell).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from time import perf_counter
from typing import TYPE_CHECKING, Any

from arflow import mailing
from arflow.runtime import Runtime, load_policy_in_force, open_database
from arflow.settings import WEEKDAYS, Settings, load_settings
from ledger.db import DBAPIError, Engine

if TYPE_CHECKING:
    from arflow.metrics import Metrics

log = logging.getLogger("arflow.jobs")
STOP = asyncio.Event()  # set on Ctrl-C: the dispatcher finishes the message in hand
DISPATCHING = asyncio.Lock()  # held while a dispatch runs, so a stop can wait for it
# what a lost or stopped database raises: waited out, logged in one line, never the end
UNREACHABLE = (DBAPIError, OSError)


_RUNTIME: Runtime | None = None  # the service's, from ``use``
_METRICS: Metrics | None = None  # the service's web app's, from ``report_to``


def report_to(metrics: Metrics | None) -> None:
    """Count cycles and time sends into ``metrics`` (``serve`` hands over its web app's,
    so ``/metrics`` shows them); None: nothing counted (a job run by hand, a test)."""
    global _METRICS
    _METRICS = metrics


def use(runtime: Runtime | None) -> None:
    """Run the jobs with ``runtime`` (``serve`` hands over its own, so the jobs, the web
    app and the scheduler lock share one engine); None: back to loading on first use."""
    global _RUNTIME
    _RUNTIME = runtime
    for seam in (_settings, _engine):  # a test may have put a plain function in their place
        clear = getattr(seam, "cache_clear", None)
        if clear is not None:
            clear()


@cache
def _settings() -> Settings:
    return _RUNTIME.settings if _RUNTIME is not None else load_settings()


@cache
def _engine() -> Engine:
    """The database, made and migrated once (an unreachable one raises; asked again, it is
    tried again)."""
    if _RUNTIME is not None:
        return _RUNTIME.engine
    return open_database(_settings().database_url)


def today() -> date:
    return _settings().today()


def daily_cycle(as_of: date | None = None) -> None:
    """The day's cycle with the policy in force: a policy that does not load leaves the
    last good one (the one the last cycle ran with) in force; templates that do not render
    hold the reminders back while stages and warnings go on."""
    from workflows.cycle import CycleRefused, run_cycle

    day = as_of or today()
    policy = _policy_in_force()
    if policy is None:
        _counted("skipped")
        return
    setup = mailing.mail_setup(_settings())
    problems = setup.templates.check(sorted({step.template for step in policy.reminders}))
    if problems:
        log.error("templates do not render, no reminders today: %s", problems[0])
    began = perf_counter()
    try:
        summary = run_cycle(_engine(), policy, day, mail=None if problems else setup,
                            book=_settings().book_currency)
    except CycleRefused as exc:
        _counted("refused")
        log.warning("cycle %s refused: %s", day, exc)
        return
    except Exception:
        _counted("failed")  # the keeper runs it again
        raise
    _counted("completed", perf_counter() - began, summary.as_dict())
    log.info(
        "cycle %s: %s",
        day,
        {k: v for k, v in summary.as_dict().items() if isinstance(v, int) and v},
    )


def _counted(outcome: str, seconds: float | None = None,
             summary: dict[str, Any] | None = None) -> None:
    if _METRICS is not None:
        _METRICS.cycle(outcome, seconds, summary)


def _policy_in_force():  # type: ignore[no-untyped-def]
    policy = load_policy_in_force(_settings(), _engine())
    if policy is None:
        log.error("no earlier policy to keep: cycle skipped")
    return policy


def missed_cycle(engine: Engine, settings: Settings, now: datetime) -> date | None:
    """The day to catch up on start: today, once, if today's run is due and not done.

    Only today: days missed while down are not replayed one by one, so a restart after a
    week sends today's reminders, not a burst of seven days of stale ones.
    """
    from ledger.cycle_store import last_cycle_date
    from ledger.db import session_scope

    local = now.astimezone(settings.tz())
    if local.time() < settings.schedule.cycle_at:
        return None
    with session_scope(engine) as session:
        last = last_cycle_date(session)
    return local.date() if last is None or last < local.date() else None


def cycle_time(settings: Settings) -> tuple[int, int]:
    """(hour, minute) of ``schedule.cycle_at`` (07:00)."""
    at = settings.schedule.cycle_at
    return at.hour, at.minute


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts: ``initial`` doubling up to ``maximum``, each drawn within
    ±20 %, so services that lost the same database do not all knock again in step."""

    initial: float = 15.0
    maximum: float = 300.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield min(self.maximum, delay * random.uniform(0.8, 1.2))
            delay = min(self.maximum, delay * 2)


def retry_backoff(settings: Settings) -> Backoff:
    """``schedule.retry_initial_seconds`` (15) and ``schedule.retry_max_seconds`` (300)."""
    schedule = settings.schedule
    initial = schedule.retry_initial_seconds
    return Backoff(initial, max(initial, schedule.retry_max_seconds))


def check_every(settings: Settings) -> float:
    """``schedule.check_every_seconds`` (120): how often the service checks that it still
    leads (or can now) and that today's cycle, if due, has run."""
    return settings.schedule.check_every_seconds


def first_line(exc: BaseException) -> str:
    """The driver's own message (not SQLAlchemy's wrapping of it), first line only."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def in_seconds(delay: float) -> str:
    return f"{delay:.0f} s" if delay >= 10 else f"{delay:.1f} s"


async def pause(seconds: float, *events: asyncio.Event) -> None:
    """Sleep ``seconds``, or less if one of ``events`` is (or gets) set."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds)
    finally:
        for wait in waits:
            wait.cancel()


class CycleKeeper:
    """Runs a day's cycle until the day is complete: a failed run (the database lost, any
    error but a refusal) is tried again after a backoff; the day is given up, with an
    error, once the business day has moved on (the new day's cycle is due by then).

    One cycle at a time in this process: the run of another day waits for the one in
    hand. It lives in the asyncio loop; each attempt runs in a thread."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None
        self._day: date | None = None
        self._wake: asyncio.Event | None = None  # set: a waiting retry looks again now
        self._stopping = False

    def busy(self) -> bool:
        """Whether a run (or a retry waiting for its turn) is in hand."""
        return self._task is not None and not self._task.done()

    def keep(self, day: date) -> asyncio.Task[None]:
        """Run ``day`` until complete; while it is in hand, a second keep joins it."""
        if self._task is not None and self.busy() and self._day == day:
            return self._task
        backoff = retry_backoff(_settings())
        previous = self._task if self.busy() else None
        if self._wake is not None:
            self._wake.set()  # a retry of another day waiting: it gives up now
        self._stopping = False
        self._day, self._wake = day, asyncio.Event()
        self._task = asyncio.create_task(
            self._until_complete(day, backoff, previous, self._wake), name=f"arflow-cycle-{day}"
        )
        return self._task

    async def stop(self) -> None:
        """No more retries; a cycle in hand finishes (the day is one transaction anyway)."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            await asyncio.wait({self._task})
        self._task = self._day = self._wake = None

    async def _until_complete(
        self,
        day: date,
        backoff: Backoff,
        previous: asyncio.Task[None] | None,
        wake: asyncio.Event,
    ) -> None:
        if previous is not None:
            await asyncio.wait({previous})
        delays = backoff.delays()
        while not self._stopping:
            try:
                await asyncio.to_thread(daily_cycle, day)
                return
            except Exception as exc:
                delay = next(delays)
                _log_failure(f"cycle {day} failed", exc, f"trying again in {in_seconds(delay)}")
            await pause(delay, wake)
            if self._stopping:
                return
            if wake.is_set() or today() != day:  # another day's run was handed in
                log.error("cycle %s given up: the business day is now %s, whose cycle is due",
                          day, today())
                return


def _log_failure(what: str, exc: Exception, then: str) -> None:
    """A lost database in one line (it says all); anything else with its traceback."""
    if isinstance(exc, UNREACHABLE):
        log.warning("%s: database unreachable (%s); %s", what, first_line(exc), then)
    else:
        log.error("%s (%s); %s", what, first_line(exc), then, exc_info=exc)


KEEPER = CycleKeeper()  # the service's one keeper of the day's cycle


async def scheduled_cycle() -> None:
    """The daily-cycle job: hands today to the keeper and returns, so the job is never
    "still running" (and skipped) when the next day's run is due."""
    KEEPER.keep(today())


async def complete_today() -> None:
    """The periodic check (leader only): a day found incomplete (due, with no cycle run)
    is run, unless a run or retry of it is already in hand. Raises if the database is
    unreachable."""
    if KEEPER.busy():
        return
    settings = _settings()
    now = settings.now()
    day = await asyncio.to_thread(lambda: missed_cycle(_engine(), settings, now))
    if day is not None and not KEEPER.busy():
        log.warning("cycle %s is due and has not run: running it now", day)
        KEEPER.keep(day)


async def dispatch() -> None:
    """Send what is due; the notifier (and its connections) live for one run."""
    settings = _settings()
    dispatcher = mailing.dispatcher(settings, _engine())
    if _METRICS is not None:
        dispatcher.observe = _METRICS.sent
    async with DISPATCHING, dispatcher.notifier:
        summary = await dispatcher.run_once(STOP)
    if summary.configuration_error:
        log.error(
            "mail server refused our sender or login, mail stays queued: %s",
            summary.configuration_error,
        )
    for key, what in (("server_error", "mail server unavailable"),
                      ("database_error", "database lost mid-run")):
        if getattr(summary, key):
            log.warning("dispatch: %s (%s); the rest is tried on the next run",
                        what, getattr(summary, key))
    if summary.claimed or summary.reconciled:
        log.info("dispatch: %s", summary.as_dict())


async def dispatch_job() -> None:
    """The dispatch job: a failed run is logged and the next interval tries again; it
    never ends the service (APScheduler would log it with a traceback every minute)."""
    try:
        await dispatch()
    except Exception as exc:
        _log_failure("dispatch failed", exc, "trying again at the next interval")


# CronTrigger fields of each credit-review cadence; it runs at 06:00 local time
CREDIT_CADENCES: dict[str, dict[str, Any]] = {
    "daily": {},
    "weekly": {"day_of_week": "mon"},
    "monthly": {"day": 1},
}


def credit_review_schedule(settings: Settings) -> dict[str, Any]:
    """CronTrigger fields for ``schedule.credit_review`` (default weekly, Monday 06:00)."""
    return {**CREDIT_CADENCES[settings.schedule.credit_review], "hour": 6, "minute": 0}


def credit_review(as_of: date | None = None) -> None:
    """Score every customer and write the new credit files (audited; idempotent per day)."""
    from engine import PolicyError, load_policy
    from ledger.db import session_scope
    from workflows.credit import apply

    day = as_of or today()
    try:
        policy = load_policy(_settings().policy_dir)
    except PolicyError as exc:
        log.error("policy not loaded, credit review skipped: %s", str(exc).splitlines()[0])
        return
    if policy.credit is None:
        log.info("credit review skipped: the policy has no credit section")
        return
    with session_scope(_engine()) as session:
        result = apply(session, policy, day, book=_settings().book_currency)
    log.info(
        "credit review %s: %d reviewed, %d changed, %d review tasks",
        day,
        result.reviewed,
        result.changed,
        result.tasks,
    )


def summary_slot(settings: Settings) -> tuple[int, int, int]:
    """(weekday 0=Monday, hour, minute) of ``reports.summary`` {day, at}; default Mon 08:00."""
    summary = settings.reports.summary
    return summary.day, summary.at.hour, summary.at.minute


def summary_schedule(settings: Settings) -> dict[str, Any]:
    """CronTrigger fields: at the slot, then hourly to the end of the ISO week, so a send
    that failed (server down, service stopped) is tried again; once the week's summary
    has gone out each later run finds it sent and does nothing."""
    weekday, hour, minute = summary_slot(settings)
    return {"day_of_week": f"{WEEKDAYS[weekday]}-sun", "hour": f"{hour}-23", "minute": minute}


def summary_due(settings: Settings, now: datetime) -> bool:
    """Whether this week's slot has passed (the catch-up on start asks this)."""
    weekday, hour, minute = summary_slot(settings)
    local = now.astimezone(settings.tz())
    return (local.weekday(), local.time()) >= (weekday, time(hour, minute))


def weekly_summary(as_of: date | None = None) -> None:
    """The weekly management summary, exactly once per ISO week (arflow/summary.py)."""
    from arflow.summary import send_summary
    from notifiers.base import PermanentFailure, TransientFailure

    settings = _settings()
    day = as_of or today()

    async def send():  # type: ignore[no-untyped-def]
        async with mailing.notifier(settings) as notifier:
            return await send_summary(_engine(), settings, day, notifier)

    try:
        delivery = asyncio.run(send())  # a worker thread of the scheduler: its own loop
    except (TransientFailure, PermanentFailure) as exc:
        log.error("weekly summary for %s not sent (tried again within the hour): %s",
                  day, exc.reply)
        return
    except Exception:  # a bad setting or template: logged, never the end of the service
        log.exception("weekly summary for %s not sent (tried again within the hour)", day)
        return
    if delivery.outcome == "sent":
        log.info("weekly summary %s sent to %s", delivery.key, ", ".join(delivery.to))
