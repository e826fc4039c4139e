"""The lifecycle machine: forward steps recorded one by one, holds, settlement, refusals."""

from __future__ import annotations

import pytest

from workflows.lifecycle import IllegalMove, StageRow, advance, fire, furthest


def test_advance_records_every_stage_passed():
    row = StageRow(1, "current")
    advance(row, "escalated")
    assert row.steps == [("current", "due_soon"), ("due_soon", "overdue"), ("overdue", "escalated")]


@pytest.mark.parametrize(
    ("stage", "event"),
    [
        ("legal", "to_due_soon"),
        ("paid", "to_overdue"),
        ("paid", "settle"),
        ("written_off", "dispute"),
        ("current", "resolve"),
        ("disputed", "dispute"),
    ],
)
def test_illegal_moves_are_refused(stage, event):
    row = StageRow(1, stage)
    with pytest.raises(IllegalMove):
        fire(row, event)
    assert row.stage == stage and row.steps == []


def test_never_backwards():
    row = StageRow(1, "legal")
    with pytest.raises(IllegalMove):
        advance(row, "current")


def test_dispute_holds_the_stage_and_resolving_returns_to_it():
    row = StageRow(1, "escalated")
    fire(row, "dispute")
    assert (row.stage, row.resume_stage) == ("disputed", "escalated")
    fire(row, "resolve")
    assert (row.stage, row.resume_stage) == ("escalated", None)


@pytest.mark.parametrize(
    "stage", ["current", "due_soon", "overdue", "escalated", "legal", "disputed"]
)
def test_paid_from_any_active_stage(stage):
    row = StageRow(1, stage, "overdue" if stage == "disputed" else None)
    fire(row, "settle")
    assert row.stage == "paid" and row.resume_stage is None


def test_furthest_only_looks_ahead():
    assert furthest("overdue", ["due_soon", "overdue", "escalated"]) == "escalated"
    assert furthest("legal", ["overdue", "escalated"]) is None


def test_writing_off_a_disputed_receivable_releases_its_hold():
    row = StageRow(1, "disputed", "overdue")
    fire(row, "write_off")
    assert (row.stage, row.resume_stage) == ("written_off", None)
