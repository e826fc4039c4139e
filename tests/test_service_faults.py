"""`arflow serve` heals itself: a database down at start is waited for, a cycle that fails
is run again until the day is complete, a failed dispatch is tried again at the next
interval, and a leader that lost its lock takes it again. No person acts.

SQLite: the "outage" is the cycle or the dispatcher raising OperationalError a few times.
PostgreSQL: a real one, through a TCP proxy (tests/faults/proxy.py) cut and restored; the
shared server itself is never touched. Backoffs are fractions of a second here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from arflow import jobs, service
from arflow.service import listen, serve
from arflow.settings import Settings, load_settings
from ledger.db import make_engine
from ledger.locks import LEADER_LOCK, LOCK_SCOPE
from ledger.models import CycleRun, Outbox
from tests.factories import seed_customers
from tests.faults.proxy import TcpProxy

ROOT = Path(__file__).resolve().parent.parent
FAST = {  # today's cycle is due from 00:00; waits and checks in fractions of a second
    "cycle_at": "00:00",
    "retry_initial_seconds": 0.2,
    "retry_max_seconds": 0.5,
    "check_every_seconds": 0.5,
    "dispatch_every_seconds": 1,
}


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def make_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    """An ARFLOW_HOME whose service reaches the database at ``url`` (direct or proxied)."""
    caplog.set_level(logging.INFO, logger="arflow")
    monkeypatch.setattr(jobs, "KEEPER", jobs.CycleKeeper())

    def make(url: str, **schedule: Any) -> Settings:
        shutil.copytree(ROOT / "config", tmp_path / "config")  # file sink for mail
        path = tmp_path / "config" / "settings.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["schedule"] = {**data["schedule"], **FAST, **schedule}
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        monkeypatch.setenv("ARFLOW_HOME", str(tmp_path))
        monkeypatch.setenv("ARFLOW_DATABASE_URL", url)
        monkeypatch.setenv("ARFLOW_POLICY_DIR", str(ROOT / "rules"))
        jobs._settings.cache_clear()
        jobs._engine.cache_clear()
        return load_settings(tmp_path)

    yield make
    if jobs._engine.cache_info().currsize:
        jobs._engine().dispose()
    jobs._settings.cache_clear()
    jobs._engine.cache_clear()
    jobs.STOP.clear()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    """This session's PostgreSQL schema, emptied (skipped where PostgreSQL is not)."""
    from sqlmodel import SQLModel

    url = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    with TcpProxy.for_url(pg_url) as running:
        yield running


@pytest.fixture
def pg(pg_url: str) -> Iterator[Engine]:
    """The test's own view of the database: direct, never through the proxy."""
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def start(settings: Settings, engine: Engine) -> asyncio.Task[None]:
    return asyncio.create_task(serve(settings, engine, sock=listen("127.0.0.1", 0)))


async def ctrl_c(service_task: asyncio.Task[None], within: float = 10) -> None:
    if service_task.done():
        service_task.result()  # it ended by itself: show why
        raise AssertionError("serve ended before Ctrl-C")
    os.kill(os.getpid(), signal.SIGINT)
    await asyncio.wait_for(service_task, timeout=within)


async def until(check: Callable[[], Any], service_task: asyncio.Task[None],
                timeout: float = 15) -> Any:
    """Poll ``check`` (in a thread: it may query the database) until it is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert not service_task.done(), "serve ended"
        if result := await asyncio.to_thread(check):
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {getattr(check, '__name__', check)}")


def runs_for(engine: Engine, day: date) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).where(CycleRun.as_of == day)).scalar_one()


def logged(caplog: pytest.LogCaptureFixture, words: str, level: int = logging.WARNING) -> int:
    return sum(1 for r in caplog.records if r.levelno == level and words in r.getMessage())


def lost(message: str = "server closed the connection unexpectedly") -> OperationalError:
    return OperationalError("select", {}, Exception(message))


def failing(real: Callable[..., Any], times: int, calls: list[int]) -> Callable[..., Any]:
    """``real``, raising the lost-database error on its first ``times`` calls."""

    def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise lost()
        return real(*args, **kwargs)

    return call


def queue_mail(engine: Engine, key: str, day: date) -> None:
    with Session(engine) as s:
        s.add(Outbox(key=key, customer_id=1, for_date=day, template="pre_due",
                     language="zh-CN", to_addr="a@example.com", subject="s", body_text="t",
                     body_html="<p>t</p>", message_id=f"<{key}@x>"))
        s.commit()


def status_of(engine: Engine, key: str) -> str:
    with Session(engine) as s:
        return s.execute(select(Outbox.status).where(Outbox.key == key)).scalar_one()


def capture_scheduler(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    built: list[Any] = []
    real = service.build_scheduler

    def build(settings: Settings, leader: bool) -> Any:
        built.append(real(settings, leader))
        return built[-1]

    monkeypatch.setattr(service, "build_scheduler", build)
    return built


def leader_locks(engine: Engine) -> int:
    """Holders of this schema's scheduler lock (other sessions' schemas have other keys)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "select count(*) from pg_locks where locktype = 'advisory' and granted"
            f" and classid = {LEADER_LOCK} and objid = ({LOCK_SCOPE})::oid"
        )).scalar_one()


def test_backoff_doubles_with_jitter_up_to_its_maximum_and_settings_are_checked():
    import dataclasses

    from arflow.settings import SettingsError

    delays = jobs.Backoff(15, 300).delays()
    waits = [next(delays) for _ in range(8)]
    for wait, nominal in zip(waits, [15, 30, 60, 120, 240, 300, 300, 300], strict=True):
        assert nominal * 0.8 <= wait <= min(300, nominal * 1.2)
    settings = load_settings(ROOT)
    assert jobs.retry_backoff(settings) == jobs.Backoff(15, 300)
    assert jobs.check_every(settings) == 120

    def schedule(**keys: Any) -> Settings:
        data = {**settings.data, "schedule": {**settings.section("schedule"), **keys}}
        return dataclasses.replace(settings, data=data)

    assert jobs.retry_backoff(schedule(retry_initial_seconds=2, retry_max_seconds=1)) == \
        jobs.Backoff(2, 2)
    with pytest.raises(SettingsError, match="schedule.retry_max_seconds"):
        jobs.retry_backoff(schedule(retry_max_seconds="soon"))
    with pytest.raises(SettingsError, match="schedule.check_every_seconds"):
        jobs.check_every(schedule(check_every_seconds=0))


# ------------------------------------------------------- the retry logic (both databases)


def test_a_failed_cycle_is_run_again_until_the_day_is_complete(make_home, db, db_url, caplog,
                                                                monkeypatch):
    import workflows.cycle

    settings = make_home(db_url)
    calls: list[int] = []
    monkeypatch.setattr(workflows.cycle, "run_cycle",
                        failing(workflows.cycle.run_cycle, 2, calls))
    today = settings.today()

    async def scenario() -> None:
        served = start(settings, db)
        await until(lambda: runs_for(db, today), served)
        await ctrl_c(served)

    asyncio.run(scenario())
    assert len(calls) == 3 and runs_for(db, today) == 1
    assert logged(caplog, f"cycle {today} failed: database unreachable "
                          "(server closed the connection unexpectedly); trying again in") == 2


def test_a_refused_cycle_is_not_run_again(make_home, db, db_url, caplog, monkeypatch):
    import workflows.cycle

    settings = make_home(db_url)
    calls: list[int] = []

    def refused(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        raise workflows.cycle.CycleRefused("another cycle is running on this database")

    monkeypatch.setattr(workflows.cycle, "run_cycle", refused)

    async def scenario() -> None:
        await jobs.KEEPER.keep(settings.today())
        assert not jobs.KEEPER.busy()

    asyncio.run(scenario())
    assert calls == [1] and logged(caplog, "refused: another cycle is running") == 1


def test_a_day_still_failing_when_the_business_day_changes_is_given_up(make_home, caplog,
                                                                       monkeypatch, tmp_path):
    make_home(f"sqlite:///{tmp_path / 'unused.db'}")
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    clock = iter([monday, tuesday])
    monkeypatch.setattr(jobs, "today", lambda: next(clock, tuesday))
    calls: list[date] = []

    def down(day: date) -> None:
        calls.append(day)
        raise lost()

    monkeypatch.setattr(jobs, "daily_cycle", down)

    async def scenario() -> None:
        await asyncio.wait_for(jobs.KEEPER.keep(monday), 5)

    asyncio.run(scenario())
    assert calls == [monday, monday]  # tried again on Monday, given up on Tuesday
    assert logged(caplog, "cycle 2026-11-23 given up: the business day is now 2026-11-24",
                  logging.ERROR) == 1


def test_one_cycle_at_a_time_and_a_new_day_supersedes_a_waiting_retry(make_home, caplog,
                                                                       monkeypatch, tmp_path):
    make_home(f"sqlite:///{tmp_path / 'unused.db'}", retry_initial_seconds=60)
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    monkeypatch.setattr(jobs, "today", lambda: tuesday)
    running: list[date] = []
    done: list[date] = []
    overlap = threading.Event()

    def cycle(day: date) -> None:
        if running:
            overlap.set()
        running.append(day)
        time.sleep(0.05)
        running.remove(day)
        if day == monday:
            raise lost()
        done.append(day)

    monkeypatch.setattr(jobs, "daily_cycle", cycle)

    async def scenario() -> None:
        first = jobs.KEEPER.keep(monday)
        assert jobs.KEEPER.keep(monday) is first  # the day in hand is joined, not run twice
        await asyncio.sleep(0.2)  # Monday failed and waits 60 s to try again
        second = jobs.KEEPER.keep(tuesday)
        await asyncio.wait_for(asyncio.gather(first, second), 5)

    asyncio.run(scenario())
    assert done == [tuesday] and not overlap.is_set()
    assert logged(caplog, "cycle 2026-11-23 given up", logging.ERROR) == 1


def test_a_day_found_incomplete_on_the_periodic_check_is_completed(make_home, db, db_url,
                                                                   monkeypatch):
    settings = make_home(db_url)
    today = settings.today()
    built = capture_scheduler(monkeypatch)

    async def scenario() -> None:
        served = start(settings, db)
        await until(lambda: built and runs_for(db, today), served)  # the catch-up on start
        assert [job.id for job in built[0].get_jobs()].count("watch") == 1
        with Session(db) as s:  # the day found incomplete (its run record gone)
            s.execute(CycleRun.__table__.delete())
            s.commit()
        await until(lambda: runs_for(db, today), served, timeout=5)  # by the check alone
        await ctrl_c(served)

    asyncio.run(scenario())


def test_dispatch_failing_at_start_and_later_does_not_stop_serve(make_home, db, db_url, caplog,
                                                                 monkeypatch, tmp_path):
    from notifiers.dispatcher import Dispatcher

    seed_customers(db, tmp_path)
    settings = make_home(db_url)
    today = settings.today()
    queue_mail(db, "k1", today)
    calls: list[int] = []
    monkeypatch.setattr(Dispatcher, "run_once", _failing_async(Dispatcher.run_once, 3, calls))

    async def scenario() -> None:
        served = start(settings, db)
        await until(lambda: status_of(db, "k1") == "sent", served)
        await until(lambda: logged(caplog, "arflow serving", logging.INFO), served)
        assert logged(caplog, "database unreachable (server closed") >= 1  # start waited
        calls.clear()  # down again: the interval's dispatches fail, then one sends
        queue_mail(db, "k2", today)
        await until(lambda: status_of(db, "k2") == "sent", served)
        await ctrl_c(served)

    asyncio.run(scenario())
    assert logged(caplog, "dispatch failed: database unreachable (server closed") >= 1


def _failing_async(real: Callable[..., Any], times: int, calls: list[int]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise lost()
        return await real(*args, **kwargs)

    return call


# --------------------------------------------- real outages on PostgreSQL, through a proxy


def test_serve_waits_for_a_database_down_at_start(make_home, proxy, pg_url, pg, caplog):
    settings = make_home(proxy.url(pg_url))
    engine = make_engine(settings.database_url)
    today = settings.today()
    proxy.cut()

    async def scenario() -> None:
        served = start(settings, engine)
        await until(lambda: logged(caplog, "database unreachable") >= 3, served)
        assert runs_for(pg, today) == 0
        proxy.restore()
        await until(lambda: runs_for(pg, today), served)  # the catch-up, once it could
        await ctrl_c(served)

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    assert logged(caplog, "; trying again in 0.") >= 3


def test_ctrl_c_while_waiting_for_the_database_stops_at_once(make_home, proxy, pg_url, pg,
                                                            caplog):
    settings = make_home(proxy.url(pg_url),
                         retry_initial_seconds=60, retry_max_seconds=60)
    engine = make_engine(settings.database_url)
    proxy.cut()

    async def scenario() -> float:
        served = start(settings, engine)
        await until(lambda: logged(caplog, "database unreachable"), served)
        began = time.monotonic()
        await ctrl_c(served, within=5)  # not after the 60 s wait
        return time.monotonic() - began

    try:
        assert asyncio.run(scenario()) < 2
    finally:
        engine.dispose()
    assert logged(caplog, "stopped while waiting for the database", logging.INFO) == 1


def test_the_database_lost_as_the_scheduled_cycle_starts(make_home, proxy, pg_url, pg, caplog,
                                                         monkeypatch, tmp_path):
    """Cut at the cycle's first statement, back 1.5 s later: the day completes within
    seconds, the lock (lost with its connection) is taken again, mail goes out again."""
    import workflows.cycle

    seed_customers(pg, tmp_path)
    settings = make_home(proxy.url(pg_url))
    engine = make_engine(settings.database_url)
    today = settings.today()
    with Session(pg) as s:  # today already ran: nothing to catch up, the schedule runs it
        s.add(CycleRun(as_of=today, policy_hash="x"))
        s.commit()
    built = capture_scheduler(monkeypatch)
    back: list[float] = []
    real = workflows.cycle.run_cycle

    def cut_then_run(*args: Any, **kwargs: Any) -> Any:
        if not back:
            proxy.cut()
            back.append(0.0)
            threading.Timer(1.5, lambda: (proxy.restore(), back.append(time.monotonic()))).start()
        return real(*args, **kwargs)

    monkeypatch.setattr(workflows.cycle, "run_cycle", cut_then_run)

    async def scenario() -> None:
        served = start(settings, engine)
        await until(lambda: leader_locks(pg) == 1 and built, served)
        built[0].get_job("daily-cycle").modify(next_run_time=datetime.now(settings.tz()))
        await until(lambda: runs_for(pg, today) == 2, served)
        assert time.monotonic() - back[-1] < 5
        await until(lambda: leader_locks(pg) == 1, served, timeout=5)  # leads again
        queue_mail(pg, "after", today)
        await until(lambda: status_of(pg, "after") == "sent", served)
        await ctrl_c(served)

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    assert logged(caplog, f"cycle {today} failed: database unreachable") >= 1
    assert logged(caplog, "took the scheduler lock") == 1
    assert logged(caplog, "dispatch failed: database unreachable") >= 1
    assert leader_locks(pg) == 0  # given back on stop


def test_a_follower_takes_the_lock_when_the_leader_is_gone(make_home, pg_url, pg, caplog):
    settings = make_home(pg_url)
    engine = make_engine(pg_url)
    other = service.try_leadership(pg)  # another arflow leads
    assert other is not None

    async def scenario() -> None:
        served = start(settings, engine)
        await until(lambda: logged(caplog, "only dispatches mail"), served)
        await asyncio.sleep(0.7)  # a check or two: still a follower
        assert logged(caplog, "took the scheduler lock") == 0
        await asyncio.to_thread(service.release_leadership, other)  # the leader stops
        await until(lambda: logged(caplog, "took the scheduler lock"), served, timeout=5)
        await until(lambda: runs_for(pg, settings.today()), served)  # and runs the day
        await ctrl_c(served)

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()



def test_the_serve_command_waits_for_a_database_down_at_start(make_home, proxy, pg_url, caplog):
    from typer.testing import CliRunner

    from arflow.cli import context
    from arflow.cli.main import app

    make_home(proxy.url(pg_url))
    proxy.cut()
    context.settings.cache_clear()
    context.database.cache_clear()
    context.runtime.cache_clear()

    def ctrl_c_once_waiting() -> None:
        deadline = time.monotonic() + 10
        while not logged(caplog, "database unreachable") and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c_once_waiting, daemon=True).start()
    try:
        ran = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", "0"])
    finally:
        if context.database.cache_info().currsize:
            context.database(migrate=False).dispose()
        context.settings.cache_clear()
        context.database.cache_clear()
        context.runtime.cache_clear()
    assert ran.exit_code == 0, ran.output
    assert logged(caplog, "stopped while waiting for the database", logging.INFO) == 1
