"""`arflow serve`: the long-running service: the scheduler and, beside it in the same
asyncio loop, the web app and API under uvicorn (127.0.0.1:8000 by default).

APScheduler 3 rules (docs/architecture.md): one scheduler process (the leader: on PostgreSQL an
advisory lock decides; SQLite is one machine, one process), ``timezone=`` always, large
``misfire_grace_time`` for business jobs, fixed job ids with ``replace_existing``, jobs
as importable functions. After downtime the missed cycle runs once on start.

A lost database is never the end of the service: start-up waits for it, a failed cycle is
run again with backoff until the day is complete, a failed dispatch waits for the next
interval, and a leader whose lock went with its connection takes it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import uvicorn
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from arflow import jobs
from arflow.runtime import Runtime
from arflow.settings import Settings
from ledger.db import Engine
from ledger.locks import release_leadership, still_leader, try_leadership

log = logging.getLogger("arflow.service")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
T = TypeVar("T")


# every job is business: fixed id replaced on restart, one run at a time, missed runs
# coalesced, never dropped for lateness (set on the job itself, not as scheduler
# defaults, which a job only takes when the scheduler starts)
BUSINESS_JOB: dict[str, Any] = {"replace_existing": True, "max_instances": 1,
                                "coalesce": True, "misfire_grace_time": None}


def build_scheduler(settings: Settings, leader: bool) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.tz())
    every = settings.schedule.dispatch_every_seconds
    scheduler.add_job(jobs.dispatch_job, IntervalTrigger(seconds=every, timezone=settings.tz()),
                      id="dispatch", **BUSINESS_JOB)
    if leader:
        add_leader_jobs(scheduler, settings)
    return scheduler


LEADER_JOBS = ("daily-cycle", "credit-review", "weekly-summary")


def add_leader_jobs(scheduler: AsyncIOScheduler, settings: Settings) -> None:
    """The jobs only the leader runs (on taking the lock, or taking it again)."""
    tz = settings.tz()
    hour, minute = jobs.cycle_time(settings)
    scheduler.add_job(jobs.scheduled_cycle, CronTrigger(hour=hour, minute=minute, timezone=tz),
                      id="daily-cycle", **BUSINESS_JOB)
    scheduler.add_job(jobs.credit_review,
                      CronTrigger(**jobs.credit_review_schedule(settings), timezone=tz),
                      id="credit-review", **BUSINESS_JOB)
    scheduler.add_job(jobs.weekly_summary,
                      CronTrigger(**jobs.summary_schedule(settings), timezone=tz),
                      id="weekly-summary", **BUSINESS_JOB)


def remove_leader_jobs(scheduler: AsyncIOScheduler) -> None:
    """On losing the lock: another arflow may lead now, and two must not run the day."""
    for job_id in LEADER_JOBS:
        with contextlib.suppress(JobLookupError):
            scheduler.remove_job(job_id)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: ``serve`` owns Ctrl-C and stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # the name in older uvicorn releases
        return None


def listen(host: str, port: int) -> socket.socket:
    """Bind before anything starts, so a port in use is a clear error (OSError), not a
    service that runs without its API. Port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it Nagle + delayed ACK added 40 ms to every keep-alive request (measured).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serving_line(sock: socket.socket) -> str:
    """Where ``sock`` listens, as a link a person can click (the real port, also when
    port 0 picked it), and where the API, the probes and the metrics are."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return (f"arflow serving on http://{shown}:{port}/ "
            "(API /api/v1, health /healthz, metrics /metrics)")


def web_server(settings: Settings, engine: Engine, sock: socket.socket) -> uvicorn.Server:
    from arflow.web import create_app

    host, port = sock.getsockname()[:2]
    app = create_app(settings, engine)
    # what is loaded by now (the app, SQLAlchemy, Babel, pydantic: ~190,000 objects) lives
    # as long as the process: kept out of the cycle collector's way, or each full
    # collection walks it again (120 ms on a 2-CPU VM, every twentieth worklist page:
    # that page's p95 at 1,000,000 receivables, bench/api.py)
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_config=None,
        access_log=False,
    )
    return _QuietServer(config)


async def serve(
    settings: Settings,
    engine: Engine,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    sock: socket.socket | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Run until Ctrl-C (SIGINT/SIGTERM); then stop taking requests, let those in flight
    finish, and let the dispatcher finish the message in hand. ``sock``: an already bound
    listening socket (else ``host``:``port`` is bound here; OSError if it cannot be).
    ``announce``: given ``serving_line`` once the web app is up (the CLI prints it).

    One runtime (arflow/runtime.py) over ``settings`` and ``engine``: the web app, the
    scheduler lock and the jobs share the engine, migrated once when the database answers
    (under the migration lock, ledger/locks.py: several arflow starting on one database
    migrate it once; until then /readyz answers 503)."""
    runtime = Runtime.from_settings(settings, engine)
    jobs.use(runtime)
    try:
        await _serve(runtime, host, port, sock, announce)
    finally:
        jobs.use(None)
        jobs.report_to(None)


async def _serve(runtime: Runtime, host: str, port: int, sock: socket.socket | None,
                 announce: Callable[[str], None] | None) -> None:
    settings, engine = runtime.settings, runtime.database(migrate=False)
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    sock = sock or listen(host, port)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    server = web_server(settings, engine, sock)
    jobs.report_to(server.config.app.state.metrics)  # the cycles and the mail in /metrics
    web = asyncio.create_task(server.serve(sockets=[sock]), name="arflow-web")
    web.add_done_callback(lambda _task: stopped.set())  # the API died: stop, don't limp on
    if announce is not None:
        announce(serving_line(sock))
    try:
        await _schedule(settings, engine, stopped)
    finally:
        server.should_exit = True  # stop accepting; requests in flight finish
        await asyncio.wait({web})
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if not web.cancelled() and web.exception() is not None:
        raise RuntimeError("the web server stopped") from web.exception()
    log.info("arflow stopped")


class Stopped(Exception):
    """Ctrl-C while start-up waited for the database."""


async def until_reachable(
    attempt: Callable[[], Awaitable[T]], stopped: asyncio.Event, backoff: jobs.Backoff
) -> T:
    """``attempt()`` again and again, with backoff, while the database is unreachable, so a
    database that is down (or not up yet) at start is waited for, not the end of serve."""
    delays = backoff.delays()
    while not stopped.is_set():
        try:
            return await attempt()
        except jobs.UNREACHABLE as exc:
            delay = next(delays)
            log.warning("database unreachable (%s); trying again in %s",
                        jobs.first_line(exc), jobs.in_seconds(delay))
        await jobs.pause(delay, stopped)
    raise Stopped


def in_thread(function: Callable[..., T], *args: Any) -> Callable[[], Awaitable[T]]:
    return lambda: asyncio.to_thread(function, *args)


class Leadership:
    """This process's hold on the scheduler lock and the leader's jobs that go with it.

    On PostgreSQL the lock lives on one connection; an outage that kills the connection
    frees the lock. ``watch`` (every ``schedule.check_every_seconds``) notices, drops the
    leader's jobs, and takes the lock again once the database is back (or a follower takes
    it when the leader is gone); the leader then completes today's cycle if it is due.
    """

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.held: object | None = None
        self.closed = False

    def take(self) -> bool:
        held = try_leadership(self.engine)
        if self.closed:  # stopped while this thread took it: give it back at once
            release_leadership(held)
            return False
        self.held = held
        return held is not None

    def release(self) -> None:
        release_leadership(self.held)
        self.held = None

    def close(self) -> None:
        """On stop: give the lock back, and any lock taken after this, too."""
        self.closed = True
        self.release()

    async def watch(self, scheduler: AsyncIOScheduler) -> None:
        """The periodic check: still leading (or now able to), and as leader today's cycle
        done if due; a database still unreachable is one line, and tried next time."""
        if self.held is not None and not await self._still_held():
            log.warning("this arflow stops leading until it can take the scheduler lock again")
            await asyncio.to_thread(self.release)
            remove_leader_jobs(scheduler)
        try:
            if self.held is None:
                if not await asyncio.to_thread(self.take):
                    return
                log.warning("took the scheduler lock: this arflow runs the cycle now")
                add_leader_jobs(scheduler, self.settings)
            await jobs.complete_today()
        except jobs.UNREACHABLE as exc:
            log.warning("database unreachable (%s); checking again in %s",
                        jobs.first_line(exc), jobs.in_seconds(jobs.check_every(self.settings)))

    async def _still_held(self) -> bool:
        try:
            if await asyncio.to_thread(still_leader, self.held):
                return True
            log.warning("the scheduler lock is no longer held")
        except jobs.UNREACHABLE as exc:
            log.warning("the scheduler lock's connection is lost (%s)", jobs.first_line(exc))
        return False


async def _schedule(settings: Settings, engine: Engine, stopped: asyncio.Event) -> None:
    """The scheduler until ``stopped``; then the dispatcher finishes the message in hand.

    Start-up waits for the database (migration, the lock, the catch-up, the first
    dispatch) instead of exiting; after that a lost database is logged and retried."""
    backoff = jobs.retry_backoff(settings)
    leadership = Leadership(engine, settings)
    scheduler: AsyncIOScheduler | None = None
    try:
        await until_reachable(in_thread(jobs._engine), stopped, backoff)  # migrates, locked
        if not await until_reachable(in_thread(leadership.take), stopped, backoff):
            log.warning("another arflow holds the scheduler lock: this one only dispatches mail")
        else:
            await _catch_up(settings, engine, stopped, backoff)
        scheduler = build_scheduler(settings, leadership.held is not None)
        scheduler.add_job(leadership.watch, IntervalTrigger(
            seconds=jobs.check_every(settings), timezone=settings.tz()),
            args=(scheduler,), id="watch", **BUSINESS_JOB)
        scheduler.start()
        await _first_dispatch(stopped, backoff)
        log.info(
            "arflow serving: cycle at %02d:%02d %s, dispatch every minute",
            *jobs.cycle_time(settings),
            settings.timezone,
        )
        await stopped.wait()
    except Stopped:
        log.info("stopped while waiting for the database")
    finally:
        jobs.STOP.set()
        if scheduler is not None:
            scheduler.pause()  # no new runs; shutdown would cancel the dispatch in hand
        await jobs.KEEPER.stop()
        async with jobs.DISPATCHING:  # a running dispatch finishes its message, releases the rest
            pass
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        leadership.close()


async def _first_dispatch(stopped: asyncio.Event, backoff: jobs.Backoff) -> None:
    """Mail due now, once the database answers; any other failure is logged and left to
    the dispatch job's next run, never the end of the service."""
    try:
        await until_reachable(jobs.dispatch, stopped, backoff)
    except Stopped:
        raise
    except Exception:
        log.exception("dispatch failed; trying again at the next interval")


async def _catch_up(
    settings: Settings, engine: Engine, stopped: asyncio.Event, backoff: jobs.Backoff
) -> None:
    """The leader on start: today's missed cycle (to the keeper, which retries it until the
    day is complete) and this week's summary if its slot has passed."""
    now = settings.now()
    missed = await until_reachable(in_thread(jobs.missed_cycle, engine, settings, now),
                                   stopped, backoff)
    if missed is not None:
        log.info("catching up: running the missed cycle for %s", missed)
        jobs.KEEPER.keep(missed)
    if jobs.summary_due(settings, settings.now()):
        await asyncio.to_thread(jobs.weekly_summary)  # once per week: a no-op if it went
