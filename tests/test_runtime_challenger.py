"""The last good policy, when the files no longer load, comes back with the challenger
its last cycle ran with (both databases)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from arflow.runtime import load_policy_in_force
from engine import load_policy
from tests.factories import seed_customers
from tests.policies import champion_and_challenger
from tests.test_runtime import settings_for
from workflows.cycle import run_cycle


def test_the_last_good_policy_keeps_its_challenger(db: Engine, db_url: str, tmp_path: Path
                                                   ) -> None:
    folder = champion_and_challenger(tmp_path, "{folder: rules-challenger, segment: export}")
    good = load_policy(folder)
    seed_customers(db, tmp_path)
    run_cycle(db, good, date(2026, 3, 2))
    (tmp_path / "rules-challenger" / "collection.yaml").write_text("stages: [\n",
                                                                   encoding="utf-8")
    kept = load_policy_in_force(settings_for(tmp_path, db_url, folder), db)
    assert kept == good and kept.challenger.segments == ("export",)
    assert kept.challenger_policy == good.challenger_policy  # from the database, by hash
