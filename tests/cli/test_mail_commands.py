"""The reminder commands as a collector or a cron job uses them."""

from __future__ import annotations

import email
from email.policy import default as default_policy

from tests.cli.test_commands import _load
from tests.smtpserver import MailServer


def test_policy_check_catches_a_missing_template(arflow, tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "collection.yaml").write_text(
        "reminders:\n  - id: nudge\n    when: days_overdue >= 1\n    template: nudge\n"
    )
    ran = arflow("policy", "check", str(folder))
    assert ran.exit_code == 2
    assert "collection.yaml:2: reminder 'nudge':" in ran.stderr and "missing" in ran.stderr
    (tmp_path / "config" / "templates" / "en" / "pre_due.j2").write_text(
        "{% block subject %}{{ nope }}{% endblock %}{% block text %}{% endblock %}"
        "{% block html %}{% endblock %}"
    )
    ran = arflow("policy", "check")
    assert ran.exit_code == 2 and "pre_due.j2" in ran.stderr and "nope" in ran.stderr


def test_outbox_json_and_dispatch_to_files(arflow, tmp_path):
    _load(arflow, tmp_path)
    summary = arflow("cycle", "--as-of", "2026-04-10", "--json").json()
    assert summary["reminders_queued"] == 1  # C001: INV-1 and INV-2 in one email
    (row,) = arflow("outbox", "--json").json()
    for key in (
        "id",
        "key",
        "customer_code",
        "for_date",
        "template",
        "language",
        "to",
        "status",
        "items",
        "attempts",
        "last_error",
    ):
        assert key in row
    assert row["customer_code"] == "C001" and row["for_date"] == "2026-04-10"
    assert row["status"] == "pending" and row["language"] == "zh-CN"
    # C001's first message from arflow: the first step, though later ones are due (catch-up)
    assert row["template"] == "pre_due"
    assert sorted((i["invoice"], i["step"], i["template"]) for i in row["items"]) == [
        ("INV-1", "courtesy", "pre_due"),
        ("INV-2", "courtesy", "pre_due"),
    ]
    assert row["other_items"] == []
    ran = arflow("dispatch", "--json")
    assert ran.exit_code == 0 and ran.json()["sent"] == 1
    held = arflow("cycle", "--as-of", "2026-04-13", "--dry-run")  # the next step waits
    assert held.exit_code == 0 and "reminder held" in held.stdout
    assert "catch-up gap: 1 of 5 business days" in held.stdout
    ran = arflow("cycle", "--as-of", "2026-04-13", "--dry-run", "--json")
    assert [c["step"] for c in ran.json()["changes"] if c["change"] == "reminder held"] == [
        "first-notice"]
    arflow("cycle", "--as-of", "2026-04-17", "--json")  # 5 business days later
    later = arflow("outbox", "--json").json()[-1]
    assert later["for_date"] == "2026-04-17" and later["template"] == "overdue_first"
    assert later["items"] and all(i["template"] == "overdue_first" for i in later["items"])
    assert {i["step"] for i in later["items"]} == {"first-notice"}
    (eml,) = (tmp_path / "var" / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert message["To"] == "ap@huadong.example.cn" and "付款提醒" in message["Subject"]
    shown = arflow("outbox", "show", str(row["id"]))
    assert "INV-1" in shown.stdout and "Subject:" in shown.stdout
    raw = email.message_from_string(arflow("outbox", "show", str(row["id"]), "--eml").stdout,
                                    policy=default_policy)
    assert raw["Message-ID"] == message["Message-ID"] and raw["Subject"] == message["Subject"]
    assert raw["Date"].datetime.utcoffset().total_seconds() == 0  # stored and shown as UTC
    assert arflow("outbox", "--status", "sent", "--json").json()[0]["attempts"] == 1
    assert arflow("outbox", "--status", "nope").exit_code == 2
    assert arflow("outbox", "show", "999").exit_code == 2


def test_dispatch_over_smtp_from_environment(arflow, tmp_path, monkeypatch):
    server = MailServer()
    server.start()
    try:
        monkeypatch.setenv("ARFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ARFLOW_SMTP_PORT", str(server.port))
        monkeypatch.setenv("ARFLOW_SMTP_TLS", "none")
        monkeypatch.setenv("ARFLOW_MAIL_FROM", "collections@example.com")
        _load(arflow, tmp_path)
        arflow("cycle", "--as-of", "2026-04-10")
        assert arflow("dispatch", "--json").json()["sent"] == 1
        (received,) = server.received
        assert received.mail_from == "collections@example.com"
        monkeypatch.setenv("ARFLOW_SMTP_TLS", "sometimes")
        ran = arflow("dispatch")
        assert ran.exit_code == 2 and "ARFLOW_SMTP_TLS" in ran.stderr
    finally:
        server.stop()


def test_collector_actions_hold_and_release_reminders(arflow, tmp_path):
    _load(arflow, tmp_path)
    assert arflow("dispute", "INV-1", "--reason", "wrong price").exit_code == 0
    assert arflow("promise", "INV-2", "--date", "2099-01-01", "--amount", "100").exit_code == 0
    assert arflow("pause", "C002", "--reason", "talks", "--until", "2099-02-01").exit_code == 0
    assert arflow("cycle", "--as-of", "2026-04-10", "--json").json()["reminders_queued"] == 0
    assert arflow("resolve", "INV-1", "--note", "credit note issued").exit_code == 0
    assert arflow("resume", "C002").exit_code == 0
    assert arflow("cycle", "--as-of", "2026-04-11", "--json").json()["reminders_queued"] == 0
    assert arflow("cycle", "--as-of", "2026-04-13", "--json").json()["reminders_queued"] == 1
    # refusals: one line, exit 2
    for args in (
        ("dispute", "NOPE", "--reason", "x"),
        ("resolve", "INV-2"),
        ("resume", "C002"),
        ("promise", "INV-1", "--date", "2020-01-01"),
        ("pause", "C001", "--reason", "x", "--until", "2000-01-01"),
        ("promise", "INV-2", "--date", "2099-01-01", "--amount", "abc"),
        ("promise", "INV-2", "--date", "2099-01-01", "--amount", "1.234"),
        ("promise", "INV-2", "--date", "2099-01-01", "--amount", "NaN"),
    ):
        ran = arflow(*args)
        assert ran.exit_code == 2, args
        assert ran.stderr.count("\n") == 1, ran.stderr
    story = arflow("show", "INV-1", "--json").json()
    actions = [a["action"] for a in story["audit"]]
    assert "dispute" in actions and "resolve" in actions
