"""arflow/runtime.py: the settings, the database made and migrated once, the policy in force
(the last good one) and the business clock, on both databases."""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from arflow import jobs
from arflow.runtime import Runtime, load_policy_in_force, open_database
from arflow.settings import Settings, SettingsError
from engine import load_policy
from ledger.migrate import is_current
from ledger.models import CycleRun, PolicyVersion

ROOT = Path(__file__).resolve().parents[1]


def settings_for(home: Path, url: str, policy_dir: Path | None = None) -> Settings:
    return Settings(home=home, database_url=url, policy_dir=policy_dir or ROOT / "rules",
                    timezone="Asia/Shanghai")


def test_open_database_migrates_and_a_runtime_makes_and_migrates_once(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'one.db'}")
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
    runtime = Runtime.from_settings(settings_for(tmp_path, f"sqlite:///{tmp_path / 'two.db'}"))
    raw = runtime.database(migrate=False)
    assert not is_current(raw)  # made, not yet migrated
    seen: list[Engine] = []
    threads = [threading.Thread(target=lambda: seen.append(runtime.engine)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(engine is raw for engine in seen) and is_current(raw)
    runtime.close()


def test_an_unreachable_database_raises_and_is_tried_again(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    import arflow.runtime

    real, calls = arflow.runtime.migrate_database, []

    def down_once(engine: Engine) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("select 1", {}, Exception("connection refused"))
        real(engine)

    monkeypatch.setattr(arflow.runtime, "migrate_database", down_once)
    runtime = Runtime.from_settings(settings_for(tmp_path, f"sqlite:///{tmp_path / 'x.db'}"))
    with pytest.raises(OperationalError):
        runtime.database()
    engine = runtime.engine  # the database is back: the same engine, migrated now
    assert engine is runtime.database(migrate=False) and is_current(engine)
    assert runtime.engine is engine
    assert len(calls) == 2  # migrated once
    runtime.close()


def test_the_policy_in_force_is_the_files_else_the_last_good_one(db: Engine, db_url: str,
                                                                  tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture
                                                                  ) -> None:
    good = load_policy(ROOT / "rules")
    broken = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", broken)
    (broken / "collection.yaml").write_text("stages: [\n", encoding="utf-8")
    runtime = Runtime.from_settings(settings_for(tmp_path, db_url, broken), db, migrated=True)
    assert runtime.policy() is None  # broken files and no cycle ever ran
    assert "policy not loaded" in caplog.text and "keeping the last good one" in caplog.text
    with Session(db) as session:  # a cycle ran with the good policy
        session.add(PolicyVersion(hash=good.hash, files=good.files,
                                  first_used_on=date(2026, 11, 23)))
        session.add(CycleRun(as_of=date(2026, 11, 23), policy_hash=good.hash))
        session.commit()
    assert runtime.policy() == good
    assert load_policy_in_force(settings_for(tmp_path, db_url), db) == good  # the files


def test_the_clock_is_the_business_timezone(tmp_path: Path) -> None:
    runtime = Runtime.from_settings(settings_for(tmp_path, "sqlite://"))
    assert runtime.now().tzinfo == ZoneInfo("Asia/Shanghai")
    assert runtime.today() == datetime.now(ZoneInfo("Asia/Shanghai")).date()
    late = datetime(2026, 11, 23, 20, 0, tzinfo=ZoneInfo("UTC"))
    assert runtime.business_day(late) == date(2026, 11, 24)


def test_runtime_load_checks_every_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text("schedule: {cycle_at: '25:00'}\n",
                                                       encoding="utf-8")
    monkeypatch.delenv("ARFLOW_CONFIG", raising=False)
    with pytest.raises(SettingsError, match="schedule.cycle_at"):
        Runtime.load(tmp_path)


def test_the_jobs_run_with_the_runtime_handed_over(db: Engine, db_url: str, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="arflow")
    settings = settings_for(tmp_path, db_url)
    jobs.use(Runtime.from_settings(settings, db))
    try:
        assert jobs._settings() is settings and jobs._engine() is db
        jobs.daily_cycle(date(2026, 11, 23))  # an empty book: a cycle that changes nothing
    finally:
        jobs.use(None)
    assert "cycle 2026-11-23" in caplog.text
    with Session(db) as session:
        assert len(session.exec(select(CycleRun)).all()) == 1
