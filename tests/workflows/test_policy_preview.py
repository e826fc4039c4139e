"""Policy drafts on both databases: the preview of what a draft changes today (stage
moves, warnings, order decisions, reminders) and publishing (files, version, audit)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from engine import PolicyError, load_policy, load_policy_texts
from ledger import policy_store
from ledger.db import session_scope
from ledger.models import (
    Activity,
    Outbox,
    PolicyDraft,
    PolicyVersion,
    Receivable,
    StageChange,
)
from tests.factories import load, mail_setup, seed_customers, write
from workflows import orders
from workflows.policy_preview import preview
from workflows.policy_publish import DraftClosed, DraftStale, create_draft, discard, publish

ROOT = Path(__file__).resolve().parents[2]
MAIL = mail_setup()
ACTIVE = load_policy(ROOT / "rules")
AS_OF = date(2026, 3, 10)  # a Tuesday
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "INV-A,C001,2026-02-01,2026-03-05,5000.00,CNY\n"  # 5 days overdue
    "INV-B,C001,2026-01-10,2026-02-20,8000.00,CNY\n"  # 18 days overdue
    "INV-C,C002,2026-02-20,2026-04-20,3000.00,CNY\n"  # not due
)


def _draft(name: str, old: str, new: str) -> dict[str, str]:
    text = ACTIVE.files[name]
    assert old in text
    return {**ACTIVE.files, name: text.replace(old, new)}


def _seed(engine: Engine, tmp_path: Path) -> None:
    seed_customers(engine, tmp_path)
    load(engine, "receivables", write(tmp_path / "r.csv", RECEIVABLES))


def _rows(result, kind: str) -> dict[str, tuple[int, int, list[str], list[str]]]:
    return {d.rule: (d.active, d.draft, d.added, d.removed) for d in result.kinds[kind]}


def _nothing_written(engine: Engine) -> None:
    with Session(engine) as s:
        assert s.execute(select(StageChange)).first() is None
        assert s.execute(select(Activity)).first() is None
        stages = set(s.execute(select(Receivable.stage)).scalars())
    assert stages == {"current"}


def test_a_stage_rule_with_other_days_moves_other_receivables(db, tmp_path):
    _seed(db, tmp_path)
    draft = load_policy_texts(_draft(
        "collection.yaml",
        "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)",
        "days_overdue >= 15"))
    result = preview(db, ACTIVE, draft, AS_OF)
    stages = _rows(result, "stage")
    assert stages["stage:overdue"] == (2, 1, [], ["INV-B"])
    assert stages["stage:escalated"] == (0, 1, ["INV-B"], [])
    tasks = _rows(result, "task")  # escalated opens a call task for the collector
    assert tasks["stage:escalated"] == (0, 1, ["INV-B"], [])
    assert result.changes and not result.reminders_previewed
    assert result.as_dict()["kinds"]["stage"][0]["difference"] in (-1, 1)
    _nothing_written(db)


def test_a_warnings_change_opens_other_warnings(db, tmp_path):
    _seed(db, tmp_path)
    draft = load_policy_texts(_draft(
        "warnings.yaml", "days_overdue > 60 and balance > 50000",
        "days_overdue > 10 and balance > 1000"))
    result = preview(db, ACTIVE, draft, AS_OF)
    opened = _rows(result, "warning_opened")
    assert opened["warning:big-and-late"] == (0, 1, ["INV-B"], [])
    assert _rows(result, "stage") == _rows(preview(db, ACTIVE, ACTIVE, AS_OF), "stage")
    _nothing_written(db)


def test_an_order_check_change_gives_other_order_decisions(db, tmp_path):
    _seed(db, tmp_path)
    with session_scope(db) as s:
        orders.add(s, ACTIVE, "C002", Decimal("250000.00"), "SO-1", AS_OF, "test")  # held
        orders.add(s, ACTIVE, "C001", Decimal("1000.00"), "SO-2", AS_OF, "test")  # approved
    draft = load_policy_texts(_draft(
        "credit.yaml", "when: exposure_after > customer.credit_limit\n    decide: hold",
        "when: exposure_after > customer.credit_limit\n    decide: reject"))
    result = preview(db, ACTIVE, draft, AS_OF)
    decided = _rows(result, "order")
    assert decided["order:over-limit"] == (1, 1, [], [])
    assert decided["decision:hold"] == (1, 0, [], ["SO-1"])
    assert decided["decision:reject"] == (0, 1, ["SO-1"], [])
    assert decided["decision:approve"] == (1, 1, [], [])


def test_reminders_are_compared_when_mail_is_set_up(db, tmp_path):
    _seed(db, tmp_path)
    with Session(db) as s:  # C001 was written at the first notice before: no catch-up
        s.add(Outbox(key="C001|first-notice|2026-02-02", customer_id=1,
                     for_date=date(2026, 2, 2), template="overdue_first", language="zh-CN",
                     status="sent", step="first-notice", items=[]))
        s.commit()
    draft = load_policy_texts(_draft("collection.yaml", "days_overdue >= 21",
                                     "days_overdue >= 15"))
    result = preview(db, ACTIVE, draft, AS_OF, mail=MAIL)
    reminders = _rows(result, "reminder")
    assert result.reminders_previewed
    assert reminders["reminder:final-notice"] == (0, 1, ["C001"], [])
    assert reminders["reminder:first-notice"][0] == 1  # C001's email under the active policy


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policy"
    shutil.copytree(ROOT / "rules", folder)
    return folder


def test_publish_writes_the_files_records_the_version_and_audits(db, policy_dir):
    upload = {"warnings.yaml": ACTIVE.files["warnings.yaml"].replace("> 0.2", "> 0.3").encode()}
    with session_scope(db) as s:
        draft_id = create_draft(s, ACTIVE, upload, "zhou.min")
    with session_scope(db) as s:
        done = publish(s, draft_id, ACTIVE, policy_dir, AS_OF, "web:zhou.min", "zhou.min")
    assert done.changed == ["warnings.yaml"] and done.old_hash == ACTIVE.hash
    assert load_policy(policy_dir).hash == done.policy.hash != ACTIVE.hash
    assert "> 0.3" in (policy_dir / "warnings.yaml").read_text()
    assert not list(policy_dir.glob(".*.tmp"))
    with Session(db) as s:
        version = s.get_one(PolicyVersion, done.policy.hash)
        assert (version.published_by, version.first_used_on) == ("zhou.min", AS_OF)
        assert version.published_at is not None
        assert s.get_one(PolicyDraft, draft_id).status == "published"
        audit = s.execute(
            select(Activity).where(Activity.action == "policy_published")).scalar_one()
    assert (audit.actor, audit.entity) == ("web:zhou.min", "policy")
    assert audit.details == {"old_hash": ACTIVE.hash, "new_hash": done.policy.hash,
                             "files_changed": ["warnings.yaml"], "draft": draft_id}
    with session_scope(db) as s, pytest.raises(DraftClosed):
        publish(s, draft_id, done.policy, policy_dir, AS_OF, "web:zhou.min", "zhou.min")


def test_a_bad_upload_is_refused_with_file_and_line(db):
    bad = b"stages:\n  overdue:\n    when: days_overdue >= 1\n    colour: red\n"
    with session_scope(db) as s, pytest.raises(PolicyError) as error:
        create_draft(s, ACTIVE, {"collection.yaml": bad}, "zhou.min")
    assert any(p.file == "collection.yaml" and p.line == 4 for p in error.value.problems)
    with session_scope(db) as s, pytest.raises(PolicyError) as error:
        create_draft(s, ACTIVE, {"credit.yaml": b"credit: \xff\n"}, "zhou.min")
    assert str(error.value.problems[0]).startswith("credit.yaml:1: not UTF-8")
    with Session(db) as s:
        assert s.execute(select(PolicyDraft)).first() is None


def test_a_bad_draft_is_not_published_and_the_old_files_stay(db, policy_dir):
    before = {p.name: p.read_bytes() for p in policy_dir.glob("*.yaml")}
    with session_scope(db) as s:  # stored bad (e.g. by an older engine): checked again
        draft_id = policy_store.add_draft(
            s, {**ACTIVE.files, "collection.yaml": "stages:\n  overdue:\n    when: nope >= 1\n"},
            "zhou.min")
    with session_scope(db) as s, pytest.raises(PolicyError):
        publish(s, draft_id, ACTIVE, policy_dir, AS_OF, "web:zhou.min", "zhou.min")
    assert {p.name: p.read_bytes() for p in policy_dir.glob("*.yaml")} == before
    with Session(db) as s:
        assert s.execute(select(PolicyVersion)).first() is None
        assert s.get_one(PolicyDraft, draft_id).status == "draft"
    with session_scope(db) as s:
        discard(s, draft_id, AS_OF, "web:zhou.min")
    with Session(db) as s:
        assert s.get_one(PolicyDraft, draft_id).status == "discarded"


def test_a_draft_made_before_another_publish_is_refused(db, policy_dir):
    """Publishing it would silently undo the other publish's change to warnings.yaml."""
    first = {"warnings.yaml": ACTIVE.files["warnings.yaml"].replace("> 0.2", "> 0.3").encode()}
    second = {"credit.yaml": ACTIVE.files["credit.yaml"].encode() + b"\n# reviewed\n"}
    with session_scope(db) as s:
        first_id = create_draft(s, ACTIVE, first, "zhou.min")
        second_id = create_draft(s, ACTIVE, second, "li.qiang")
    with session_scope(db) as s:
        done = publish(s, first_id, ACTIVE, policy_dir, AS_OF, "web:zhou.min", "zhou.min")
    with session_scope(db) as s, pytest.raises(DraftStale, match="upload your files again"):
        publish(s, second_id, done.policy, policy_dir, AS_OF, "web:li.qiang", "li.qiang")
    assert "> 0.3" in (policy_dir / "warnings.yaml").read_text()
    assert load_policy(policy_dir).hash == done.policy.hash


def test_orders_in_another_currency_are_previewed_in_the_book_currency(db, tmp_path):
    """An open USD order is checked again at the day's rate, as its own check saw it: at
    7.00 its 80,000 USD is 560,000 CNY, over C001's 500,000 limit, so a draft rejecting orders
    over the limit would reject it (read 1:1, it would pass unnoticed)."""
    from workflows.rates import import_rates

    _seed(db, tmp_path)
    with session_scope(db) as s:
        import_rates(s, [("rates.csv:2", {"date": "2026-03-01", "currency": "USD",
                                          "rate": "7.00"})], "CNY", "rates.csv", AS_OF, "t")
        held = orders.add(s, ACTIVE, "C001", Decimal("80000.00"), "SO-U", AS_OF, "test",
                          currency="USD", book="CNY")
        assert held.status == "held"
    draft = load_policy_texts(_draft(
        "credit.yaml", "when: exposure_after > customer.credit_limit\n    decide: hold",
        "when: exposure_after > customer.credit_limit\n    decide: reject"))
    decided = _rows(preview(db, ACTIVE, draft, AS_OF, book="CNY"), "order")
    assert decided["decision:hold"] == (1, 0, [], ["SO-U"])
    assert decided["decision:reject"] == (0, 1, ["SO-U"], [])
