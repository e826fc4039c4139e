"""The service's scheduling decisions and a clean stop, without waiting for real time."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from arflow import jobs
from arflow.service import build_scheduler, try_leadership
from arflow.settings import load_settings
from ledger.models import CycleRun, Outbox
from notifiers.base import Notifier, OutgoingMessage, SendReport
from notifiers.dispatcher import Dispatcher
from tests.factories import seed_customers

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


def test_missed_cycle_runs_once_for_today_only(db, tmp_path):
    settings = load_settings(ROOT)  # cycle_at 07:00 Asia/Shanghai
    morning = datetime(2026, 11, 23, 6, 30, tzinfo=TZ)
    assert jobs.missed_cycle(db, settings, morning) is None  # not due yet
    later = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
    assert jobs.missed_cycle(db, settings, later) == date(2026, 11, 23)  # never ran
    with Session(db) as s:
        s.add(CycleRun(as_of=date(2026, 11, 16), policy_hash="x"))  # down for a week
        s.commit()
    assert jobs.missed_cycle(db, settings, later) == date(2026, 11, 23)  # today, not 7 days
    with Session(db) as s:
        s.add(CycleRun(as_of=date(2026, 11, 23), policy_hash="x"))
        s.commit()
    assert jobs.missed_cycle(db, settings, later) is None


def test_scheduler_jobs_follow_designs_rules(db):
    settings = load_settings(ROOT)
    scheduler = build_scheduler(settings, leader=True)
    jobs_by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs_by_id) == {"daily-cycle", "dispatch", "credit-review", "weekly-summary"}
    for job in jobs_by_id.values():
        assert job.misfire_grace_time is None and job.coalesce
    assert str(jobs_by_id["daily-cycle"].trigger.timezone) == "Asia/Shanghai"
    follower = build_scheduler(settings, leader=False)
    assert [job.id for job in follower.get_jobs()] == ["dispatch"]
    held = try_leadership(db)
    assert held is not None
    if hasattr(held, "close"):  # PostgreSQL: the lock lives on this connection
        held.close()


class _StopAfterFirst(Notifier):
    concurrency = 1

    def __init__(self, stop: asyncio.Event) -> None:
        self.stop = stop
        self.sent: list[str] = []

    async def send(self, msg: OutgoingMessage) -> SendReport:
        self.sent.append(msg.key)
        self.stop.set()  # Ctrl-C arrives while this message is in hand
        return SendReport()

    async def aclose(self) -> None:
        return None


def test_a_stop_finishes_the_message_in_hand_and_releases_the_rest(db, tmp_path):
    seed_customers(db, tmp_path)
    with Session(db) as s:
        for i in range(3):
            s.add(
                Outbox(
                    key=f"k{i}",
                    customer_id=1,
                    for_date=date(2026, 11, 23),
                    template="pre_due",
                    language="zh-CN",
                    to_addr="a@example.com",
                    subject="s",
                    body_text="t",
                    body_html="<p>t</p>",
                    message_id=f"<{i}@x>",
                )
            )
        s.commit()
    now = datetime(2026, 11, 23, 9, tzinfo=TZ)

    async def run():
        stop = asyncio.Event()
        notifier = _StopAfterFirst(stop)
        dispatcher = Dispatcher(
            engine=db,
            notifier=notifier,
            sender="ar@example.com",
            clock=lambda: now,
            today=lambda m: m.date(),
        )
        return notifier, await dispatcher.run_once(stop)

    notifier, summary = asyncio.run(run())
    assert notifier.sent == ["k0"] and (summary.sent, summary.released) == (1, 2)
    with Session(db) as s:
        rows = s.execute(select(Outbox.status, Outbox.claimed_by).order_by(Outbox.id)).all()
    statuses, claimed = [r[0] for r in rows], [r[1] for r in rows]
    assert statuses == ["sent", "pending", "pending"] and claimed[1:] == ["", ""]


def test_credit_review_runs_on_the_configured_cadence(db):
    import dataclasses

    import pytest

    from arflow.settings import SettingsError

    settings = load_settings(ROOT)  # no schedule.credit_review: weekly, Monday 06:00
    job = build_scheduler(settings, leader=True).get_job("credit-review")
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=TZ)
    assert job.trigger.get_next_fire_time(None, datetime(2026, 11, 18, tzinfo=TZ)) == monday
    assert job.func is jobs.credit_review

    def with_cadence(cadence: str):  # type: ignore[no-untyped-def]
        data = {
            **settings.data,
            "schedule": {**settings.section("schedule"), "credit_review": cadence},
        }
        return dataclasses.replace(settings, data=data)

    monthly = build_scheduler(with_cadence("monthly"), leader=True).get_job("credit-review")
    assert monthly.trigger.get_next_fire_time(None, monday) == datetime(2026, 12, 1, 6, tzinfo=TZ)
    daily = build_scheduler(with_cadence("daily"), leader=True).get_job("credit-review")
    later = datetime(2026, 11, 23, 6, 1, tzinfo=TZ)
    assert daily.trigger.get_next_fire_time(None, later) == datetime(2026, 11, 24, 6, tzinfo=TZ)
    with pytest.raises(SettingsError, match="credit_review"):
        jobs.credit_review_schedule(with_cadence("hourly"))


def test_the_credit_review_job_reviews_and_applies(db, tmp_path, monkeypatch):
    from ledger.models import Customer

    seed_customers(db, tmp_path)
    settings = load_settings(ROOT)
    monkeypatch.setattr(jobs, "_settings", lambda: settings)
    monkeypatch.setattr(jobs, "_engine", lambda: db)
    jobs.credit_review(date(2026, 11, 23))
    jobs.credit_review(date(2026, 11, 23))  # idempotent
    with Session(db) as s:
        rated = s.execute(select(Customer.code, Customer.rating, Customer.rated_on)).all()
    assert sorted(tuple(r) for r in rated) == [
        ("C001", "E", date(2026, 11, 23)),
        ("C002", "E", date(2026, 11, 23)),
    ]


def test_a_broken_policy_keeps_the_last_good_one_in_force(db, tmp_path, monkeypatch):
    import shutil

    from engine import load_policy
    from workflows.cycle import run_cycle

    seed_customers(db, tmp_path)
    good = load_policy(ROOT / "rules")
    run_cycle(db, good, date(2026, 11, 20))  # records the policy version it ran with
    home = tmp_path / "home"
    shutil.copytree(ROOT / "config", home / "config")
    (home / "rules").mkdir()
    (home / "rules" / "collection.yaml").write_text("stages:\n  overdue:\n    when: nope >= 1\n")
    settings = load_settings(home)
    monkeypatch.setattr(jobs, "_settings", lambda: settings)
    monkeypatch.setattr(jobs, "_engine", lambda: db)
    jobs.daily_cycle(date(2026, 11, 23))
    with Session(db) as s:
        hashes = s.execute(select(CycleRun.policy_hash).order_by(CycleRun.id)).scalars().all()
    assert hashes == [good.hash, good.hash]
