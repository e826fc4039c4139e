"""`arflow serve`: the long-running service: the scheduler and, beside it in the same
asyncio loop, the web app and API under uvicorn (127.0.0.1:8000 by default).

APScheduler 3 rules from DESIGN.md: one scheduler process (the leader: on PostgreSQL an
advisory lock decides; SQLite is one machine, one process), ``timezone=`` always, large
``misfire_grace_time`` for business jobs, fixed job ids with ``replace_existing``, jobs
as importable functions. After downtime the missed cycle runs once on start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, text

from arflow import jobs
from arflow.settings import Settings
from ledger.locks import LOCK_SCOPE

log = logging.getLogger("arflow.service")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LEADER_LOCK = 0x61726602  # "arf" 2; the key within it names the database and schema


def try_leadership(engine: Engine) -> object | None:
    """Hold a PostgreSQL advisory lock for the life of the process; SQLite: always leader."""
    if engine.dialect.name != "postgresql":
        return object()
    connection = engine.connect()
    if connection.execute(
        text(f"select pg_try_advisory_lock(:k, {LOCK_SCOPE})"), {"k": LEADER_LOCK}
    ).scalar():
        return connection
    connection.close()
    return None


def release_leadership(leader: object | None) -> None:
    """Give the scheduler lock back on stop, so another arflow can lead at once."""
    if isinstance(leader, Connection):
        with contextlib.suppress(Exception):  # a lost connection has released it already
            unlock = text(f"select pg_advisory_unlock(:k, {LOCK_SCOPE})")
            leader.execute(unlock, {"k": LEADER_LOCK})
            leader.commit()
        leader.close()


# every job is business: fixed id replaced on restart, one run at a time, missed runs
# coalesced, never dropped for lateness (set on the job itself, not as scheduler
# defaults, which a job only takes when the scheduler starts)
BUSINESS_JOB: dict[str, Any] = {"replace_existing": True, "max_instances": 1,
                                "coalesce": True, "misfire_grace_time": None}


def build_scheduler(settings: Settings, leader: bool) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.tz())
    every = int(settings.section("schedule").get("dispatch_every_seconds") or 60)
    tz = settings.tz()
    scheduler.add_job(jobs.dispatch, IntervalTrigger(seconds=every, timezone=tz),
                      id="dispatch", **BUSINESS_JOB)
    if leader:
        hour, minute = jobs.cycle_time(settings)
        scheduler.add_job(jobs.daily_cycle, CronTrigger(hour=hour, minute=minute, timezone=tz),
                          id="daily-cycle", **BUSINESS_JOB)
        scheduler.add_job(jobs.credit_review,
                          CronTrigger(**jobs.credit_review_schedule(settings), timezone=tz),
                          id="credit-review", **BUSINESS_JOB)
        scheduler.add_job(jobs.weekly_summary,
                          CronTrigger(**jobs.summary_schedule(settings), timezone=tz),
                          id="weekly-summary", **BUSINESS_JOB)
    return scheduler


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


def web_server(settings: Settings, engine: Engine, sock: socket.socket) -> uvicorn.Server:
    from arflow.web import create_app

    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        create_app(settings, engine),
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
) -> None:
    """Run until Ctrl-C (SIGINT/SIGTERM); then stop taking requests, let those in flight
    finish, and let the dispatcher finish the message in hand. ``sock``: an already bound
    listening socket (else ``host``:``port`` is bound here; OSError if it cannot be)."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    sock = sock or listen(host, port)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    server = web_server(settings, engine, sock)
    web = asyncio.create_task(server.serve(sockets=[sock]), name="arflow-web")
    web.add_done_callback(lambda _task: stopped.set())  # the API died: stop, don't limp on
    bound = sock.getsockname()
    log.info("API on http://%s:%d/api/v1 (OpenAPI: /api/v1/openapi.json)", *bound[:2])
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


async def _schedule(settings: Settings, engine: Engine, stopped: asyncio.Event) -> None:
    """The scheduler until ``stopped``; then the dispatcher finishes the message in hand."""
    leader = try_leadership(engine)
    if leader is None:
        log.warning("another arflow holds the scheduler lock: this one only dispatches mail")
    try:
        missed = (
            jobs.missed_cycle(engine, settings, datetime.now(settings.tz()))
            if leader is not None
            else None
        )
        if missed is not None:
            log.info("catching up: running the missed cycle for %s once", missed)
            await asyncio.to_thread(jobs.daily_cycle, missed)
        if leader is not None and jobs.summary_due(settings, datetime.now(settings.tz())):
            await asyncio.to_thread(jobs.weekly_summary)  # once per week: a no-op if it went
        scheduler = build_scheduler(settings, leader is not None)
        scheduler.start()
        await jobs.dispatch()
        log.info(
            "arflow serving: cycle at %02d:%02d %s, dispatch every minute",
            *jobs.cycle_time(settings),
            settings.timezone,
        )
        await stopped.wait()
        jobs.STOP.set()
        scheduler.shutdown(wait=False)
        async with jobs.DISPATCHING:  # a running dispatch finishes its message, releases the rest
            pass
    finally:
        release_leadership(leader)
