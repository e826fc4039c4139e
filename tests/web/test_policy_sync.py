"""Two arflow processes on one database: a publish in one is in force in the other, and a
draft made before it is refused in either."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app, policy_sync
from engine import load_policy
from ledger.db import session_scope
from workflows.policy_publish import DraftStale, create_draft, publish

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = load_policy(ROOT / "rules")
TODAY = date(2026, 11, 23)


def _app(db: Engine, db_url: str, home: Path):  # type: ignore[no-untyped-def]
    settings = Settings(home=home, database_url=db_url, policy_dir=ROOT / "rules",
                        timezone="Asia/Shanghai")
    return create_app(settings, db, policy=ACTIVE)


def test_a_publish_elsewhere_is_followed_and_a_stale_draft_refused(
        db: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy_sync, "EVERY", 0.0)
    here, there = _app(db, db_url, tmp_path), _app(db, db_url, tmp_path)
    policy_sync.follow_published(there)  # its first look: nothing published yet
    stricter = ACTIVE.files["warnings.yaml"].replace("> 0.2", "> 0.3").encode()
    other = ACTIVE.files["credit.yaml"].encode() + b"\n# reviewed\n"
    with session_scope(db) as s:
        first = create_draft(s, ACTIVE, {"warnings.yaml": stricter}, "zhou.min")
        stale = create_draft(s, ACTIVE, {"credit.yaml": other}, "li.qiang")
    with session_scope(db) as s:
        done = publish(s, first, here.state.policy, tmp_path / "rules-here", TODAY,
                       "web:zhou.min", "zhou.min")
    here.state.policy = done.policy
    assert there.state.policy.hash == ACTIVE.hash
    policy_sync.follow_published(there)
    assert there.state.policy.hash == done.policy.hash  # in force there too
    with session_scope(db) as s, pytest.raises(DraftStale):
        publish(s, stale, ACTIVE, tmp_path / "rules-there", TODAY, "web:li.qiang", "li.qiang")
