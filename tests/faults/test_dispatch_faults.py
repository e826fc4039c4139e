"""The dispatcher under faults: temporary refusals per recipient, a hung server, a run
that must not re-claim its own deferrals, and a database lost between send and record.

Each runs against a real aiosmtpd server on 127.0.0.1, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from notifiers.dispatcher import Backoff
from notifiers.journal import SendJournal
from tests.faults.mailbox import (
    START,
    SilentServer,
    copies,
    dispatcher,
    queue_messages,
    rows,
    run,
)

CUSTOMER, COLLECTOR = "ap@huadong.example.cn", "li.na@example.com"


def test_a_greylisted_customer_is_retried_alone_and_the_cc_gets_one_copy(db, tmp_path, smtp):
    queue_messages(db, tmp_path, 1, cc=(COLLECTOR,))
    smtp.handler.rcpt_replies[CUSTOMER] = "451 4.7.1 greylisted, try again later"
    clock = [START]
    first = run(dispatcher(db, smtp.port, clock))
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    (row,) = rows(db)
    assert row.status == "pending" and row.attempts == 1
    assert row.deliveries == {COLLECTOR: "accepted"}
    assert "451" in row.last_error and "greylisted" in row.last_error

    del smtp.handler.rcpt_replies[CUSTOMER]
    clock[0] += timedelta(minutes=6)
    second = run(dispatcher(db, smtp.port, clock))
    assert second.sent == 1
    (row,) = rows(db)
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""
    assert row.deliveries == {COLLECTOR: "accepted", CUSTOMER: "accepted"}
    assert [r.rcpt_tos for r in smtp.received] == [[COLLECTOR], [CUSTOMER]]
    assert set(copies(smtp.received).values()) == {1}
    # both deliveries carry the same message: headers still name the customer and the cc
    assert {str(r.message["To"]) for r in smtp.received} == {CUSTOMER}
    assert {str(r.message["Cc"]) for r in smtp.received} == {COLLECTOR}


def test_a_greylisted_cc_is_retried_alone_while_the_customer_has_it(db, tmp_path, smtp):
    queue_messages(db, tmp_path, 1, cc=(COLLECTOR,))
    smtp.handler.rcpt_replies[COLLECTOR] = "452 4.2.2 mailbox full"
    clock = [START]
    assert run(dispatcher(db, smtp.port, clock)).retried == 1
    del smtp.handler.rcpt_replies[COLLECTOR]
    clock[0] += timedelta(minutes=6)
    assert run(dispatcher(db, smtp.port, clock)).sent == 1
    assert [r.rcpt_tos for r in smtp.received] == [[CUSTOMER], [COLLECTOR]]


def test_only_a_5xx_is_permanent_for_a_recipient(db, tmp_path, smtp):
    queue_messages(db, tmp_path, 1, cc=(COLLECTOR,))
    smtp.handler.rcpt_replies[COLLECTOR] = "550 5.1.1 no such user"
    summary = run(dispatcher(db, smtp.port, [START]))
    assert summary.sent == 1
    (row,) = rows(db)
    assert row.deliveries == {CUSTOMER: "accepted", COLLECTOR: "550 5.1.1 no such user"}
    assert "no such user" in row.last_error  # the note on a message the customer got


def test_a_recipient_that_keeps_deferring_fails_after_the_last_attempt(db, tmp_path, smtp):
    queue_messages(db, tmp_path, 1)
    smtp.handler.rcpt_replies[CUSTOMER] = "451 4.3.0 try later"
    clock = [START]
    for _ in range(8):
        run(dispatcher(db, smtp.port, clock))
        clock[0] += timedelta(hours=2)
    (row,) = rows(db)
    assert (row.status, row.attempts) == ("failed", 8)
    assert row.last_error.startswith("gave up after 8 attempts")
    assert smtp.received == []


def test_a_run_never_reclaims_a_row_it_deferred_itself(db, tmp_path, smtp):
    queue_messages(db, tmp_path, 12)
    smtp.handler.rcpt_replies[CUSTOMER] = "451 4.3.0 try later"
    no_wait = Backoff(base=timedelta(0), jitter=0.0)  # due again at once
    summary = run(dispatcher(db, smtp.port, [START], backoff=no_wait))
    assert (summary.claimed, summary.retried) == (12, 12)
    assert {row.attempts for row in rows(db)} == {1}


def test_a_hung_server_costs_one_attempt_and_ends_the_run_quickly(db, tmp_path):
    queue_messages(db, tmp_path, 40)
    silent = SilentServer()
    try:
        started = time.monotonic()
        summary = run(dispatcher(db, silent.port, [START], concurrency=8, greeting_timeout=0.5))
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert elapsed < 5, elapsed  # one greeting timeout, not 40 / 8 of them
    assert "greet" in summary.server_error or "ready" in summary.server_error
    attempts = [row.attempts for row in rows(db)]
    assert max(attempts) == 1 and 1 <= sum(attempts) <= 8  # only those in flight
    assert summary.retried == sum(attempts)
    assert summary.released == 40 - sum(attempts)
    assert {row.status for row in rows(db)} == {"pending"}


def test_an_unreachable_server_defers_what_was_in_flight_and_nothing_else(db, tmp_path):
    from tests.smtpserver import free_port

    queue_messages(db, tmp_path, 30)
    summary = run(dispatcher(db, free_port(), [START], concurrency=4))
    assert summary.server_error
    assert summary.retried <= 4 and summary.retried + summary.released == 30
    assert sum(row.attempts for row in rows(db)) == summary.retried


def test_a_database_lost_after_the_send_causes_no_duplicate(db, tmp_path, smtp, monkeypatch):
    """The server accepted; recording it failed (database down). The journal has it: the
    next run takes it in before claiming, and nothing goes out twice."""
    import ledger.outbox_store as store

    queue_messages(db, tmp_path, 6)
    journal = tmp_path / "journal.jsonl"
    real = store.settle

    def database_down(*args, **kwargs):
        raise OperationalError("UPDATE outbox", {}, Exception("server closed the connection"))

    monkeypatch.setattr(store, "settle", database_down)
    clock = [START]
    down = run(dispatcher(db, smtp.port, clock, journal=journal, concurrency=2))
    assert "server closed the connection" in down.database_error
    in_flight = len(smtp.received)
    assert 1 <= in_flight <= 2  # the sends in flight when the writes failed
    assert len(SendJournal(journal).outcomes()) == in_flight

    monkeypatch.setattr(store, "settle", real)
    clock[0] += timedelta(minutes=6)  # past the lease: the rows are claimable again
    up = run(dispatcher(db, smtp.port, clock, journal=journal, concurrency=2))
    assert (up.reconciled, up.sent) == (in_flight, 6 - in_flight)
    assert {row.status for row in rows(db)} == {"sent"}
    assert {row.attempts for row in rows(db)} == {1}
    assert len(smtp.received) == 6 and set(copies(smtp.received).values()) == {1}
    assert SendJournal(journal).outcomes() == []
