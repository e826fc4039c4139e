"""`arflow dispatch` killed (SIGKILL) between send and record, and at random moments:
at most the messages in flight go out twice, never more; nothing is lost; every outbox
row ends sent once. On SQLite and PostgreSQL, against a real aiosmtpd server."""

from __future__ import annotations

from notifiers.journal import SendJournal
from tests.faults.dispatch_kills import (
    deliveries,
    environment,
    expire_leases,
    random_kills,
    run_dispatch,
)
from tests.faults.mailbox import queue_messages, rows

CONCURRENCY = 4


def _all_sent_once(db, smtp, count: int) -> None:
    outbox = rows(db)
    assert len(outbox) == count
    assert {row.status for row in outbox} == {"sent"}
    assert {str(row.message_id) for row in outbox} == set(deliveries(smtp.received))


def test_killed_after_the_journal_nothing_is_sent_twice(db_url, db, tmp_path, smtp):
    """One connection, so the message killed on is the only one in flight: the journal
    holds it and nothing at all goes out twice."""
    queue_messages(db, tmp_path, 20)
    env = environment(db_url, tmp_path / "home", smtp.port, concurrency=1)
    assert run_dispatch(env, point="after-journal", nth=5) == -9
    journal = SendJournal(tmp_path / "home" / "var" / "send-journal.jsonl")
    assert len(journal.outcomes()) >= 5  # recorded locally, not yet in the outbox
    expire_leases(db)
    assert run_dispatch(env) == 0
    _all_sent_once(db, smtp, 20)
    assert max(deliveries(smtp.received).values()) == 1  # no duplicate at all
    assert journal.outcomes() == []


def test_killed_between_the_servers_250_and_the_journal_only_in_flight_repeat(
    db_url, db, tmp_path, smtp
):
    queue_messages(db, tmp_path, 20)
    env = environment(db_url, tmp_path / "home", smtp.port, CONCURRENCY)
    assert run_dispatch(env, point="after-send", nth=5) == -9
    expire_leases(db)
    assert run_dispatch(env) == 0
    _all_sent_once(db, smtp, 20)
    extra = sum(n - 1 for n in deliveries(smtp.received).values())
    assert 1 <= extra <= CONCURRENCY  # the one killed on, and at most the others in flight


def test_random_kills_repeat_at_most_the_messages_in_flight(db_url, db, tmp_path, smtp):
    # enough that a run lasts past the kill window (a clean run of 400 now ends in ~1.4 s,
    # before most of its kills would land)
    queue_messages(db, tmp_path, 2000)
    env = environment(db_url, tmp_path / "home", smtp.port, CONCURRENCY)
    report = random_kills(db, env, smtp.received, kills=4, seed=7, window=(1.0, 1.8))
    assert report.kills >= 3
    assert all(n <= CONCURRENCY for n in report.per_kill_duplicates), report
    _all_sent_once(db, smtp, 2000)
