"""Reminders end to end: cycle -> outbox -> dispatcher -> a real SMTP server on 127.0.0.1.

Exactly the expected messages on the expected days (National Day week included), to the
right people in the right language; and delivery that survives a server outage, a 550
and a dispatcher killed between claim and send.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from engine import load_policy
from ledger import outbox_store
from ledger.db import session_scope
from ledger.models import Outbox, Reminder, Task
from notifiers.dispatcher import Backoff, Dispatcher
from notifiers.settings import SmtpSettings
from notifiers.smtp import SmtpNotifier
from tests.factories import load, mail_setup, write
from workflows import outbox
from workflows.actions import open_dispute, pause_reminders
from workflows.cycle import run_cycle
from workflows.promises import record_promise

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "rules")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAIL = mail_setup()
CUSTOMERS = (
    "code,name,email,language,segment,country,credit_limit,payment_terms_days,collector\n"
    "C001,上海华东机电有限公司,ap@huadong.example.cn,zh-CN,manufacturing,CN,500000,45,li.na\n"
    "C002,Acme Trading Ltd,billing@acme.example.com,en,export,US,200000,45,wang.wei\n"
    "C003,无邮箱公司,,zh-CN,retail,CN,10000,30,li.na\n"
)
RECEIVABLES = (
    "number,customer_code,issue_date,due_date,amount,currency\n"
    "R-1,C001,2026-08-01,2026-09-15,5000.00,CNY\n"
    "R-2,C001,2026-08-10,2026-09-15,1200.00,CNY\n"
    "R-3,C002,2026-08-20,2026-10-03,800.00,USD\n"
    "R-4,C002,2026-08-20,2026-09-30,1.00,USD\n"
)


def _setup(engine: Engine, tmp_path: Path, receivables: str = RECEIVABLES) -> None:
    load(engine, "customers", write(tmp_path / "c.csv", CUSTOMERS))
    load(engine, "receivables", write(tmp_path / "r.csv", receivables))


def _dispatcher(engine: Engine, port: int, clock: list[datetime]) -> Dispatcher:
    notifier = SmtpNotifier(
        SmtpSettings(host="127.0.0.1", port=port, timeout=5, sender="ar@example.com", concurrency=4)
    )
    return Dispatcher(
        engine=engine,
        notifier=notifier,
        sender="应收账款 <ar@example.com>",
        clock=lambda: clock[0],
        today=lambda moment: moment.date(),
        backoff=Backoff(base=timedelta(minutes=5), jitter=0.0),
    )


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def _dispatch(engine: Engine, port: int, clock: list[datetime]):
    """One dispatcher run (one event loop, a fresh SMTP connection pool), as cron would."""

    async def run():
        dispatcher = _dispatcher(engine, port, clock)
        async with dispatcher.notifier:
            return await dispatcher.run_once()

    return asyncio.run(run())


def test_a_120_day_replay_sends_exactly_the_expected_mail(db, tmp_path, smtp):
    _setup(db, tmp_path)
    clock = [_at(date(2026, 9, 1))]
    sent: list[tuple[str, tuple[str, ...], str]] = []
    day = date(2026, 9, 1)
    for _ in range(120):
        run_cycle(db, POLICY, day, mail=MAIL)
        clock[0] = _at(day)
        before = len(smtp.received)
        _dispatch(db, smtp.port, clock)
        sent.extend(
            sorted(
                (day.isoformat(), tuple(sorted(m.rcpt_tos)), m.subject)
                for m in smtp.received[before:]
            )
        )  # sent in parallel: any order
        day += timedelta(days=1)
    days = [(d, to) for d, to, _ in sent]
    assert days == [
        ("2026-09-10", ("ap@huadong.example.cn",)),  # courtesy, R-1+R-2
        ("2026-09-16", ("ap@huadong.example.cn",)),  # first notice
        ("2026-09-28", ("billing@acme.example.com",)),  # courtesy R-3
        # final notice for C001 fell on 10-06 and first notice for C002 on 10-04, both in
        # the National Day week: they go out on the first business day after it
        ("2026-10-08", ("ap@huadong.example.cn", "li.na@example.com")),
        ("2026-10-08", ("billing@acme.example.com",)),
        ("2026-10-26", ("billing@acme.example.com", "wang.wei@example.com")),  # 10-24 is Sat
    ]
    subjects = [s for _, _, s in sent]
    assert subjects[0].startswith("【付款提醒】") and subjects[1].startswith("【逾期付款通知】")
    assert subjects[3].startswith("【最后催款通知】")
    assert subjects[2].startswith("Payment reminder") and subjects[4].startswith("Overdue notice")
    assert subjects[5].startswith("FINAL NOTICE")
    # R-4's balance (1.00 USD) is below the policy's tolerance; C003 has no email: a task
    with Session(db) as s:
        steps = s.execute(
            select(Reminder.step, Reminder.superseded).where(Reminder.receivable_id == 4)
        ).all()
        tasks = s.execute(
            select(Task.kind, Task.customer_id).where(Task.kind == "fix_contact_details")
        ).all()
        statuses = s.execute(select(Outbox.status)).scalars().all()
    assert steps == [] and tasks == []
    assert statuses == ["sent"] * 6


def test_chinese_statement_arrives_intact_and_lists_both_invoices(db, tmp_path, smtp):
    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 9, 10), mail=MAIL)
    clock = [_at(date(2026, 9, 10))]
    _dispatch(db, smtp.port, clock)
    (message,) = smtp.received
    body = message.text()
    assert "上海华东机电有限公司" in body and "R-1" in body and "R-2" in body
    assert "6,200.00" in body  # the CNY total
    with Session(db) as s:
        row = s.execute(select(Outbox)).scalar_one()
    assert message.message["Message-ID"] == row.message_id
    assert row.key == "C001|courtesy|2026-09-10"


def test_several_steps_due_at_once_send_only_the_last(db, tmp_path, smtp):
    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 9, 10), mail=MAIL)  # C001's courtesy: written before
    run_cycle(db, POLICY, date(2026, 9, 16), mail=MAIL)  # and its first notice
    late = "R-6,C001,2026-07-01,2026-08-20,900.00,CNY\n"  # imported 53 days late
    load(db, "receivables", write(tmp_path / "late.csv", RECEIVABLES.split("\n")[0] + "\n" + late))
    run_cycle(db, POLICY, date(2026, 10, 12), mail=MAIL)
    with Session(db) as s:
        steps = s.execute(
            select(Reminder.step, Reminder.superseded)
            .join(Outbox, Outbox.id == Reminder.outbox_id)
            .where(Outbox.for_date == date(2026, 10, 12), Outbox.customer_id == 1)
            .order_by(Reminder.receivable_id, Reminder.id)
        ).all()
        outbox = s.execute(
            select(Outbox).where(Outbox.customer_id == 1, Outbox.for_date == date(2026, 10, 12))
        ).scalar_one()
    assert [tuple(x) for x in steps] == [
        ("final-notice", False),
        ("final-notice", False),
        ("final-notice", False),  # only its last step goes out,
        ("courtesy", True),  # the earlier ones are superseded
        ("first-notice", True),
    ]
    assert outbox.template == "overdue_final" and outbox.cc == ["li.na@example.com"]
    # later days: no earlier step ever goes out
    run_cycle(db, POLICY, date(2026, 10, 13), mail=MAIL)
    with Session(db) as s:
        assert s.execute(select(Outbox.key).where(Outbox.customer_id == 1)).scalars().all() == [
            "C001|courtesy|2026-09-10", "C001|first-notice|2026-09-16",
            "C001|final-notice|2026-10-12"]


def test_disputed_promised_and_paused_get_nothing_until_the_promise_breaks(db, tmp_path):
    _setup(db, tmp_path)
    day = date(2026, 9, 16)
    with session_scope(db) as s:
        open_dispute(s, number="R-1", reason="wrong quantity", on_date=day, actor="t")
        record_promise(s, number="R-2", promised_date=date(2026, 9, 21), on_date=day, actor="t")
        pause_reminders(
            s, code="C002", reason="negotiating", on_date=day, actor="t", until=date(2026, 10, 12)
        )
    run_days = [date(2026, 9, 16) + timedelta(days=i) for i in range(7)]
    for d in run_days:
        run_cycle(db, POLICY, d, mail=MAIL)
    with Session(db) as s:
        queued = s.execute(select(Outbox.key).order_by(Outbox.id)).scalars().all()
    # the promise for 09-21 was broken on 09-22 (a Tuesday): R-2's first notice goes out
    # a first message: the first step, though the first notice is due too (catch-up)
    assert queued == ["C001|courtesy|2026-09-22"]
    run_cycle(db, POLICY, date(2026, 10, 12), mail=MAIL)  # C002's pause ends that day
    with Session(db) as s:
        keys = s.execute(select(Outbox.key).order_by(Outbox.id)).scalars().all()
    assert "C002|courtesy|2026-10-12" in keys


def test_no_mail_on_weekends(db, tmp_path):
    _setup(db, tmp_path)
    for d in (date(2026, 9, 19), date(2026, 9, 27)):  # a Saturday and an ordinary Sunday
        summary = run_cycle(db, POLICY, d, mail=MAIL)
        assert summary.reminders_queued == 0


def test_a_customer_without_email_gets_a_fix_contact_task_once(db, tmp_path):
    _setup(db, tmp_path, RECEIVABLES + "R-5,C003,2026-08-01,2026-09-01,500.00,CNY\n")
    run_cycle(db, POLICY, date(2026, 9, 2), mail=MAIL)
    run_cycle(db, POLICY, date(2026, 9, 3), mail=MAIL)
    with Session(db) as s:
        tasks = s.execute(
            select(Task.kind, Task.assignee).where(Task.kind == "fix_contact_details")
        ).all()
    assert [tuple(t) for t in tasks] == [("fix_contact_details", "li.na")]


def test_review_step_waits_for_approval(db, tmp_path, smtp):
    folder = tmp_path / "policy"
    folder.mkdir()
    text = (
        (ROOT / "rules" / "collection.yaml")
        .read_text()
        .replace("    cc: [collector]", "    cc: [collector]\n    review: true")
    )
    (folder / "collection.yaml").write_text(text)
    policy = load_policy(folder)
    _setup(db, tmp_path)
    for day in (date(2026, 9, 10), date(2026, 9, 16)):  # C001 written to before
        run_cycle(db, policy, day, mail=MAIL)
    with session_scope(db) as s:
        s.execute(update(Outbox).values(status="sent"))
    run_cycle(db, policy, date(2026, 10, 12), mail=MAIL)
    clock = [_at(date(2026, 10, 12))]
    _dispatch(db, smtp.port, clock)
    assert [r.rcpt_tos for r in smtp.received] == [["billing@acme.example.com"]]
    with session_scope(db) as s:
        waiting = s.execute(select(Outbox).where(Outbox.status == "review")).scalar_one()
        outbox.decide(s, waiting.id, approve=True, actor="li.na", on=date(2026, 10, 12))
    _dispatch(db, smtp.port, clock)
    assert len(smtp.received) == 2


def _one_days_mail(db: Engine, tmp_path: Path) -> None:
    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 10, 12), mail=MAIL)  # two messages (C001, C002)


def test_server_down_for_two_dispatches_then_every_message_arrives_once(db, tmp_path, smtp):
    _one_days_mail(db, tmp_path)
    smtp.stop()
    clock = [_at(date(2026, 10, 12))]
    first = _dispatch(db, smtp.port, clock)
    clock[0] += timedelta(minutes=6)
    second = _dispatch(db, smtp.port, clock)
    assert (first.retried, second.retried, first.sent + second.sent) == (2, 2, 0)
    smtp.start()
    clock[0] += timedelta(minutes=5)  # before the second backoff (10 min) ends: nothing
    assert _dispatch(db, smtp.port, clock).claimed == 0
    clock[0] += timedelta(minutes=6)
    assert _dispatch(db, smtp.port, clock).sent == 2
    clock[0] += timedelta(hours=2)
    assert _dispatch(db, smtp.port, clock).claimed == 0
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [
        "ap@huadong.example.cn",
        "billing@acme.example.com",
    ]
    with Session(db) as s:
        attempts = s.execute(select(Outbox.attempts).order_by(Outbox.id)).scalars().all()
    assert attempts == [3, 3]


def test_a_550_fails_the_row_and_opens_a_task(db, tmp_path, smtp):
    _one_days_mail(db, tmp_path)
    smtp.handler.rcpt_replies["billing@acme.example.com"] = "550 5.1.1 mailbox unavailable"
    clock = [_at(date(2026, 10, 12))]
    summary = _dispatch(db, smtp.port, clock)
    assert (summary.sent, summary.failed) == (1, 1)
    with Session(db) as s:
        failed = s.execute(select(Outbox).where(Outbox.status == "failed")).scalar_one()
        task = s.execute(select(Task).where(Task.kind == "fix_contact_details")).scalar_one()
    assert "550" in failed.last_error and "mailbox unavailable" in failed.last_error
    assert task.customer_id == failed.customer_id and task.assignee == "wang.wei"


def test_a_dispatcher_killed_between_claim_and_send_still_delivers_once(db, tmp_path, smtp):
    _one_days_mail(db, tmp_path)
    start = _at(date(2026, 10, 12))
    with session_scope(db) as s:  # a dispatcher claims, then dies before sending
        claimed = outbox_store.claim(
            s,
            now=start,
            today=start.date(),
            token="dead",
            lease_until=start + timedelta(minutes=5),
            limit=10,
        )
    assert len(claimed) == 2
    clock = [start + timedelta(minutes=1)]
    assert _dispatch(db, smtp.port, clock).claimed == 0  # the lease still holds
    clock[0] = start + timedelta(minutes=6)
    assert _dispatch(db, smtp.port, clock).sent == 2
    clock[0] = start + timedelta(minutes=30)
    assert _dispatch(db, smtp.port, clock).claimed == 0
    assert len(smtp.received) == 2


def test_a_row_reclaimed_after_its_lease_is_not_sent_by_the_first_claimer(db, tmp_path):
    _one_days_mail(db, tmp_path)
    start = _at(date(2026, 10, 12))
    with session_scope(db) as s:
        first = outbox_store.claim(
            s,
            now=start,
            today=start.date(),
            token="slow",
            lease_until=start + timedelta(minutes=5),
            limit=10,
        )
    later = start + timedelta(minutes=6)
    with session_scope(db) as s:
        second = outbox_store.claim(
            s,
            now=later,
            today=later.date(),
            token="fresh",
            lease_until=later + timedelta(minutes=5),
            limit=10,
        )
        assert [r.id for r in second] == [r.id for r in first]
        # the slow dispatcher renews before each send: the row is no longer its own
        ids = [r.id for r in first]
        assert outbox_store.renew(s, ids, "slow", later + timedelta(minutes=5)) == set()
        assert outbox_store.renew(s, ids, "fresh", later + timedelta(minutes=5)) == set(ids)


def test_refused_customer_address_fails_even_if_the_cc_was_accepted(db, tmp_path, smtp):
    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 10, 12), mail=MAIL)  # C001's final notice cc li.na
    smtp.handler.rcpt_replies["ap@huadong.example.cn"] = "550 5.1.1 no such user"
    summary = _dispatch(db, smtp.port, [_at(date(2026, 10, 12))])
    assert (summary.sent, summary.failed) == (1, 1)  # C002 sent; C001 failed
    with Session(db) as s:
        failed = s.execute(select(Outbox).where(Outbox.status == "failed")).scalar_one()
    assert failed.customer_id == 1 and "no such user" in failed.last_error
    with session_scope(db) as s:  # fixed: queue it again
        outbox.requeue(s, failed.id, actor="li.na", on=date(2026, 10, 13))
    del smtp.handler.rcpt_replies["ap@huadong.example.cn"]
    assert _dispatch(db, smtp.port, [_at(date(2026, 10, 13))]).sent == 1


def test_running_a_day_again_after_new_data_sends_no_second_email(db, tmp_path):
    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 9, 10), mail=MAIL)  # C001's courtesy
    run_cycle(db, POLICY, date(2026, 9, 16), mail=MAIL)  # C001's first notice
    load(
        db,
        "receivables",
        write(
            tmp_path / "more.csv",
            "number,customer_code,issue_date,due_date,amount,currency\n"
            "R-6,C001,2026-07-01,2026-08-20,900.00,CNY\n",
        ),
    )
    summary = run_cycle(db, POLICY, date(2026, 9, 16), mail=MAIL)  # no crash, no 2nd email
    assert summary.reminders_queued == 0 and summary.stage_moves > 0
    summary = run_cycle(db, POLICY, date(2026, 9, 17), mail=MAIL)
    assert summary.reminders_queued == 1  # R-6's final notice, the next business day
    with Session(db) as s:
        keys = s.execute(select(Outbox.key).order_by(Outbox.id)).scalars().all()
    assert keys == [
        "C001|courtesy|2026-09-10", "C001|first-notice|2026-09-16", "C001|final-notice|2026-09-17"
    ]


def test_pause_dispute_or_payment_withdraw_mail_not_yet_sent(db, tmp_path, smtp):
    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 10, 12), mail=MAIL)  # C001 and C002
    with session_scope(db) as s:
        pause_reminders(s, code="C002", reason="talks", on_date=date(2026, 10, 12), actor="t")
        open_dispute(s, number="R-1", reason="damaged", on_date=date(2026, 10, 12), actor="t")
    assert _dispatch(db, smtp.port, [_at(date(2026, 10, 12))]).claimed == 0
    with Session(db) as s:
        statuses = s.execute(select(Outbox.status)).scalars().all()
        steps = s.execute(select(Reminder.receivable_id)).scalars().all()
    assert statuses == ["cancelled", "cancelled"] and steps == []
    run_cycle(db, POLICY, date(2026, 10, 13), mail=MAIL)  # R-2 alone, re-planned
    _dispatch(db, smtp.port, [_at(date(2026, 10, 13))])
    (message,) = smtp.received
    assert "R-2" in message.text() and "R-1" not in message.text()


def test_a_refused_sender_keeps_the_mail_queued_and_fails_nothing(db, tmp_path, smtp):
    _one_days_mail(db, tmp_path)
    smtp.handler.mail_reply = "550 5.7.1 sender not allowed"
    summary = _dispatch(db, smtp.port, [_at(date(2026, 10, 12))])
    assert summary.configuration_error == "550 5.7.1 sender not allowed"
    assert (summary.sent, summary.failed) == (0, 0)
    with Session(db) as s:
        rows = s.execute(select(Outbox.status, Outbox.attempts)).all()
        tasks = s.execute(select(Task).where(Task.kind == "fix_contact_details")).all()
    assert [tuple(r) for r in rows] == [("pending", 0), ("pending", 0)] and tasks == []
    smtp.handler.mail_reply = None  # settings fixed
    assert _dispatch(db, smtp.port, [_at(date(2026, 10, 12))]).sent == 2


def test_a_queued_reminder_is_audited_with_rule_and_policy_version(db, tmp_path):
    from ledger.models import Activity

    _setup(db, tmp_path)
    run_cycle(db, POLICY, date(2026, 9, 10), mail=MAIL)
    with Session(db) as s:
        audit = s.execute(select(Activity).where(Activity.action == "reminder_queued")).scalar_one()
    assert audit.rule_id == "reminder:courtesy"
    assert audit.policy_hash == POLICY.hash and len(audit.details["items"]) == 2
