"""`arflow serve`: the long-running service (scheduler now; the web app joins it later).

APScheduler 3 rules from DESIGN.md: one scheduler process (the leader: on PostgreSQL an
advisory lock decides; SQLite is one machine, one process), ``timezone=`` always, large
``misfire_grace_time`` for business jobs, fixed job ids with ``replace_existing``, jobs
as importable functions. After downtime the missed cycle runs once on start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, text

from arflow import jobs
from arflow.settings import Settings

log = logging.getLogger("arflow.service")
LEADER_LOCK = 0x6172666C6F77  # "arflow"


def try_leadership(engine: Engine) -> object | None:
    """Hold a PostgreSQL advisory lock for the life of the process; SQLite: always leader."""
    if engine.dialect.name != "postgresql":
        return object()
    connection = engine.connect()
    if connection.execute(text("select pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}).scalar():
        return connection
    connection.close()
    return None


def build_scheduler(settings: Settings, leader: bool) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.tz())
    every = int(settings.section("schedule").get("dispatch_every_seconds") or 60)
    scheduler.add_job(jobs.dispatch, IntervalTrigger(seconds=every, timezone=settings.tz()),
                      id="dispatch", replace_existing=True, max_instances=1, coalesce=True,
                      misfire_grace_time=None)
    if leader:
        hour, minute = jobs.cycle_time(settings)
        scheduler.add_job(jobs.daily_cycle, CronTrigger(hour=hour, minute=minute,
                                                        timezone=settings.tz()),
                          id="daily-cycle", replace_existing=True, max_instances=1,
                          coalesce=True, misfire_grace_time=None)
        scheduler.add_job(jobs.credit_review,
                          CronTrigger(**jobs.credit_review_schedule(settings),
                                      timezone=settings.tz()),
                          id="credit-review", replace_existing=True, max_instances=1,
                          coalesce=True, misfire_grace_time=None)
    return scheduler


async def serve(settings: Settings, engine: Engine) -> None:
    """Run until Ctrl-C; then let the dispatcher finish the message in hand."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    leader = try_leadership(engine)
    if leader is None:
        log.warning("another arflow holds the scheduler lock: this one only dispatches mail")
    missed = (jobs.missed_cycle(engine, settings, datetime.now(settings.tz()))
              if leader is not None else None)
    if missed is not None:
        log.info("catching up: running the missed cycle for %s once", missed)
        await asyncio.to_thread(jobs.daily_cycle, missed)
    scheduler = build_scheduler(settings, leader is not None)
    scheduler.start()
    await jobs.dispatch()
    log.info("arflow serving: cycle at %02d:%02d %s, dispatch every minute", *jobs.cycle_time(
        settings), settings.timezone)
    await stopped.wait()
    jobs.STOP.set()
    scheduler.shutdown(wait=False)
    async with jobs.DISPATCHING:  # a running dispatch finishes its message, releases the rest
        pass
    log.info("arflow stopped")
