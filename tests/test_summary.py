"""The weekly management summary: figures, charts inline, and exactly one email a week."""

from __future__ import annotations

import email
import shutil
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow import jobs
from arflow.service import build_scheduler
from arflow.settings import Settings, SettingsError
from arflow.summary import build_summary, summary_key, summary_message
from ledger.db import session_scope
from ledger.models import Activity
from notifiers.base import message_id_for
from notifiers.filesink import FileSink
from notifiers.templates import Templates
from tests.smtpserver import MailServer, free_port
from tests.web.test_dashboard import seed_book

ROOT = Path(__file__).resolve().parent.parent
MONDAY = date(2026, 11, 23)  # ISO week 2026-W48
TO = ["cfo@example.test", "ar-lead@example.test"]
CIDS = ("ageing@example.test", "dso@example.test", "forecast@example.test")


def make_settings(home: Path, db_url: str, port: int | None = None,
                  summary: dict[str, Any] | None = None) -> Settings:
    shutil.copytree(ROOT / "config" / "templates", home / "config" / "templates",
                    dirs_exist_ok=True)
    data: dict[str, Any] = {
        "mail": {"from": "ar@example.test", "domain": "example.test"},
        "reports": {"summary": summary or {"to": TO, "language": "zh-CN", "day": "mon",
                                           "at": "08:00"}},
    }
    if port is not None:
        data["smtp"] = {"host": "127.0.0.1", "port": port, "timeout": 5}
    return Settings(home=home, database_url=db_url, policy_dir=ROOT / "rules",
                    timezone="Asia/Shanghai", data=data)


@pytest.fixture
def server() -> Any:
    mail_server = MailServer()
    mail_server.start()
    yield mail_server
    mail_server.stop()


@pytest.fixture
def run_job(db: Engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``run_job(settings, day)``: the scheduler's job over the test database."""

    def run(settings: Settings, day: date) -> None:
        monkeypatch.setattr(jobs, "_settings", lambda: settings)
        monkeypatch.setattr(jobs, "_engine", lambda: db)
        jobs.weekly_summary(day)

    return run


def images(message: EmailMessage) -> dict[str, EmailMessage]:
    return {str(part["Content-ID"]).strip("<>"): part for part in message.walk()
            if part.get_content_type() == "image/png"}


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_the_summary_in_both_languages(db: Engine, tmp_path: Path) -> None:
    seed_book(db, tmp_path)
    templates = Templates(ROOT / "config" / "templates")
    with session_scope(db) as session:
        summary = build_summary(session, MONDAY, {})
    assert summary.key == "summary:2026-W48" == summary_key(date(2026, 11, 29))
    assert summary_key(date(2026, 11, 30)) == "summary:2026-W49"
    assert summary.context()["open"] == summary.ageing.total("CNY")
    zh = summary_message(summary, templates, "zh-CN", to=TO, sender="ar@example.test",
                         domain="example.test")
    en = summary_message(summary, templates, "en", to=TO, sender="ar@example.test",
                         domain="example.test")
    assert zh.subject.startswith("【应收账款周报】2026-W48：未收余额 CNY 1,800.00")
    assert en.subject.startswith("Receivables weekly summary 2026-W48: CNY 1,800.00 open")
    for message in (zh, en):
        assert {image.cid for image in message.images} == set(CIDS)
        for cid in CIDS:
            assert f'src="cid:{cid}"' in message.html
        assert all(image.data.startswith(b"\x89PNG") for image in message.images)
        assert "C001" in message.text and "1,000.00" in message.text  # top overdue
    assert "逾期金额最高的客户" in zh.text and "Top overdue customers" in en.text
    assert zh.message_id == en.message_id == message_id_for("summary:2026-W48", "example.test")


def test_it_arrives_once_a_week_with_its_charts(db: Engine, db_url: str, tmp_path: Path,
                                                server: MailServer, run_job) -> None:  # type: ignore[no-untyped-def]
    seed_book(db, tmp_path)
    settings = make_settings(tmp_path, db_url, server.port)
    run_job(settings, MONDAY)
    run_job(settings, MONDAY)  # the next hourly run finds it sent
    run_job(settings, date(2026, 11, 25))  # later that week, e.g. after a restart
    assert len(server.received) == 1
    [got] = server.received
    assert sorted(got.rcpt_tos) == sorted(TO)
    assert got.subject.startswith("【应收账款周报】2026-W48：未收余额 CNY 1,800.00")
    assert got.message["Message-ID"] == message_id_for("summary:2026-W48", "example.test")
    assert got.message.get_content_type() == "multipart/alternative"
    related = [p for p in got.message.walk() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1
    found = images(got.message)
    assert set(found) == set(CIDS)
    for cid, part in found.items():
        assert part.get_content().startswith(b"\x89PNG")
        assert part.get_content_disposition() == "inline"
        assert f"cid:{cid}" in html_of(got.message)
    assert "应收余额" in got.text()
    with Session(db) as session:
        audit = session.execute(select(Activity).where(Activity.action == "summary_sent")
                                ).scalars().all()
    assert [(a.subject, a.actor) for a in audit] == [("summary:2026-W48", "scheduler")]
    run_job(settings, date(2026, 11, 30))  # the next week has its own summary
    assert len(server.received) == 2
    assert server.received[1].subject.startswith("【应收账款周报】2026-W49")


def test_a_failed_send_is_tried_again(db: Engine, db_url: str, tmp_path: Path,
                                      server: MailServer, run_job) -> None:  # type: ignore[no-untyped-def]
    seed_book(db, tmp_path)
    run_job(make_settings(tmp_path, db_url, free_port()), MONDAY)  # nobody listens
    assert not list((tmp_path / "var" / "summary").glob("*"))  # no claim left behind
    run_job(make_settings(tmp_path, db_url, server.port), MONDAY)
    assert len(server.received) == 1


def test_without_smtp_it_goes_to_the_file_sink(db: Engine, db_url: str, tmp_path: Path,
                                               run_job) -> None:  # type: ignore[no-untyped-def]
    seed_book(db, tmp_path)
    settings = make_settings(tmp_path, db_url, summary={"to": "cfo@example.test",
                                                        "language": "en"})
    run_job(settings, MONDAY)
    run_job(settings, MONDAY)
    [path] = (tmp_path / "var" / "outbox").glob("*.eml")
    assert path == FileSink(settings.outbox_dir).path_for("summary:2026-W48")
    message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    assert str(message["Subject"]).startswith("Receivables weekly summary 2026-W48")
    assert set(images(message)) == set(CIDS)


def test_schedule_from_settings(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url, summary={"to": TO, "day": "wed", "at": "09:30"})
    assert jobs.summary_schedule(settings) == {"day_of_week": "wed-sun", "hour": "9-23",
                                               "minute": 30}
    tz = ZoneInfo("Asia/Shanghai")
    assert not jobs.summary_due(settings, datetime(2026, 11, 25, 9, 0, tzinfo=tz))
    assert jobs.summary_due(settings, datetime(2026, 11, 25, 9, 30, tzinfo=tz))
    assert jobs.summary_due(settings, datetime(2026, 11, 29, 1, 0, tzinfo=tz))  # Sunday
    assert not jobs.summary_due(settings, datetime(2026, 11, 24, 23, 0, tzinfo=tz))
    job = next(j for j in build_scheduler(settings, leader=True).get_jobs()
               if j.id == "weekly-summary")
    assert job.func is jobs.weekly_summary and job.misfire_grace_time is None
    assert str(job.trigger.timezone) == "Asia/Shanghai"
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 11, 23, 12, 0, tzinfo=tz))
    assert fire == datetime(2026, 11, 25, 9, 30, tzinfo=tz)
    for bad in ({"day": "someday"}, {"at": "25:00"}):
        with pytest.raises(SettingsError, match="reports.summary"):
            jobs.summary_schedule(make_settings(tmp_path, db_url, summary={"to": TO, **bad}))


def test_bad_recipients_are_a_settings_error(db: Engine, db_url: str, tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture, run_job) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, db_url, summary={"to": ["not an address"]})
    run_job(settings, MONDAY)  # logged, never raised into the scheduler
    assert "reports.summary.to" in caplog.text
    assert not (tmp_path / "var" / "outbox").exists()


def test_an_image_the_html_does_not_show_is_refused() -> None:
    from notifiers.related import InlineImage, RichMessage

    image = InlineImage("ageing@example.test", b"\x89PNG", "ageing.png")
    fields = {"key": "k", "message_id": "<k@example.test>", "sender": "ar@example.test",
              "to": TO, "cc": (), "subject": "s", "text": "t"}
    with pytest.raises(ValueError, match="not referenced by the HTML: ageing@example.test"):
        RichMessage(**fields, html="<p>no picture</p>", images=(image,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bad Content-ID"):
        InlineImage("<ageing>", b"", "ageing.png")
    ok = RichMessage(**fields, html='<img src="cid:ageing@example.test">', images=[image])  # type: ignore[arg-type]
    assert ok.images == (image,)


def test_the_summary_by_hand(db: Engine, db_url: str, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from arflow.cli import context
    from arflow.cli.summary_cmd import summary_command

    seed_book(db, tmp_path)
    shutil.copytree(ROOT / "config", tmp_path / "config", dirs_exist_ok=True)
    monkeypatch.setenv("ARFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("ARFLOW_DATABASE_URL", db_url)
    app = typer.Typer()
    app.command("summary")(summary_command)
    app.command("other")(lambda: None)  # two commands: "summary" is a subcommand

    def run(*args: str) -> Any:
        context.settings.cache_clear()
        context.database.cache_clear()
        return CliRunner().invoke(app, ["summary", *args])

    preview = run("--as-of", "2026-11-23")
    assert preview.exit_code == 0, preview.output
    assert "Subject: 【应收账款周报】2026-W48" in preview.stdout and "应收余额" in preview.stdout
    assert not (tmp_path / "var" / "outbox").exists()  # a preview sends nothing
    first = run("--as-of", "2026-11-23", "--send")
    again = run("--as-of", "2026-11-24", "--send")
    forced = run("--as-of", "2026-11-24", "--send", "--force")
    assert "summary:2026-W48 sent to cfo@example.com, ar-lead@example.com" in first.stdout
    assert "has gone out already" in again.stdout
    assert "sent to" in forced.stdout
    assert len(list((tmp_path / "var" / "outbox").glob("*.eml"))) == 1  # same key, same file
    assert run("--as-of", "someday").exit_code == 2
    context.database.cache_clear()
