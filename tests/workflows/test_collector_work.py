"""The collector's state changes in workflows/ (actions.py and tasks.py), without the web."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from engine.policy import TaskSpec
from ledger.models import Activity, Receivable, StageChange, Task
from tests.web.portfolio import DAY, build, people
from workflows.actions import add_note, hand_over_to_legal, log_call, open_dispute
from workflows.lifecycle import IllegalMove
from workflows.tasks import TaskRefused, complete_task, reassign_task


@pytest.fixture
def ledger(db: Engine, tmp_path: Path) -> Engine:
    build(db, tmp_path)
    people(db, ("li.na", "collector"), ("boss", "admin"))
    return db


def test_refusals_write_nothing(ledger: Engine) -> None:
    with Session(ledger) as s:
        with pytest.raises(ValueError, match="outcome must be one of"):
            log_call(s, "R-1", "busy", "", DAY, "test")
        with pytest.raises(ValueError, match="empty"):
            add_note(s, "R-1", "   ", DAY, "test")
        with pytest.raises(LookupError):
            log_call(s, "R-404", "reached", "", DAY, "test")
        open_dispute(s, "R-2", "price", DAY, "test")
        with pytest.raises(IllegalMove, match="disputed"):
            hand_over_to_legal(s, "R-2", "", DAY, "test")
        s.commit()
        actions = list(s.execute(select(Activity.action).where(Activity.actor == "test"))
                       .scalars())
    assert actions == ["dispute"]


def test_hand_over_from_escalated_is_one_recorded_step(ledger: Engine) -> None:
    spec = TaskSpec(kind="legal_handover", assign="collector", due_in_days=3)
    with Session(ledger) as s:
        opened = hand_over_to_legal(s, "R-1", "no contact", DAY, "test", [spec])
        s.commit()
        r1 = s.execute(select(Receivable).where(Receivable.number == "R-1")).scalar_one()
        steps = list(s.execute(select(StageChange.to_stage).where(
            StageChange.receivable_id == r1.id, StageChange.actor == "test")).scalars())
    assert (r1.stage, r1.stage_since, steps) == ("legal", DAY, ["legal"])
    assert [(t["kind"], t["assignee"]) for t in opened] == [("legal_handover", "li.na")]


def test_task_changes_refuse_closed_tasks_and_non_collectors(ledger: Engine) -> None:
    with Session(ledger) as s:
        task_id = s.execute(select(Task.id).where(Task.assignee == "li.na")).scalars().first()
        assert task_id is not None
        with pytest.raises(TaskRefused) as not_a_collector:
            reassign_task(s, task_id, "boss", DAY, "test")
        assert not_a_collector.value.code == "unknown_assignee"
        with pytest.raises(TaskRefused) as same:
            reassign_task(s, task_id, "li.na", DAY, "test")
        assert same.value.code == "invalid_input"
        with pytest.raises(PermissionError):
            reassign_task(s, task_id, "li.na", DAY, "test", only_from="wang.wei")
        complete_task(s, task_id, "paid by wire", DAY, "test")
        s.commit()
        with pytest.raises(TaskRefused) as closed:
            complete_task(s, task_id, "", DAY, "test")
        assert closed.value.code == "task_closed"
        with pytest.raises(LookupError):
            complete_task(s, 99999, "", DAY, "test")
        task = s.get(Task, task_id)
    assert task is not None and (task.status, task.closed_on, task.note) == (
        "done", DAY, "paid by wire")
