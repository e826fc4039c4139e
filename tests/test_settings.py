"""arflow/settings.py: every section typed and checked once, at load; a bad setting is one
line naming it (the key in settings.yaml, or the environment variable)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from arflow.settings import (
    MailSettings,
    Schedule,
    Settings,
    SettingsError,
    SummarySettings,
    load_settings,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARFLOW_HOME", "ARFLOW_CONFIG", "ARFLOW_DATABASE_URL", "ARFLOW_POLICY_DIR",
                 "ARFLOW_TIMEZONE", "ARFLOW_SEND_JOURNAL", "ARFLOW_MAIL_FROM", "ARFLOW_SMTP_HOST",
                 "ARFLOW_SMTP_PORT", "ARFLOW_SMTP_TLS", "ARFLOW_SMTP_USER", "ARFLOW_SMTP_PASSWORD",
                 "ARFLOW_SMTP_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def home_with(tmp_path: Path, **sections: Any) -> Path:
    """A home whose settings.yaml is the shipped one with ``sections`` merged over it."""
    shutil.copytree(ROOT / "config", tmp_path / "config", dirs_exist_ok=True)
    path = tmp_path / "config" / "settings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name] = {**data[name], **value}
        else:
            data[name] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_the_shipped_settings_load_typed() -> None:
    settings = load_settings(ROOT)
    assert settings.schedule == Schedule(cycle_at=time(7, 0), dispatch_every_seconds=60,
                                         credit_review="weekly")
    assert settings.reports.summary == SummarySettings(
        to=("cfo@example.com", "ar-lead@example.com"), language="zh-CN", day=0, at=time(8, 0))
    assert [b.name for b in settings.reports.ageing_buckets][:2] == ["current", "1-30"]
    assert settings.reports.collector_targets["default"]["collected"] == 500000
    assert settings.mail.sender == "ar@example.com" and settings.mail.domain == "example.com"
    assert settings.mail.details["bank_account"] == "1001 2345 6789 0123 456"
    assert settings.people["li.na"] == "li.na@example.com"
    assert settings.calendar.country == "CN"
    assert settings.smtp is None  # no host: the file sink
    # the shipped display name beside the address, and the Reply-To
    assert settings.mail_from == '"示例贸易 应收账款部" <ar@example.com>'
    assert settings.mail.reply_to == "ar@example.com"


def test_a_display_name_in_the_from_itself_wins(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARFLOW_MAIL_FROM", "AR <ar@env.test>")
    assert load_settings(home_with(tmp_path)).mail_from == "AR <ar@env.test>"
    monkeypatch.delenv("ARFLOW_MAIL_FROM")
    plain = home_with(tmp_path, mail={"from_name": None, "reply_to": None})
    assert load_settings(plain).mail_from == "ar@example.com"


def test_defaults_without_a_settings_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.schedule == Schedule()
    assert settings.reports.summary.to == ()  # not configured: an error only when sent
    assert settings.mail == MailSettings() and settings.people == {}
    assert settings.mail_from == "arflow@localhost"
    assert settings.send_journal == tmp_path / "var" / "send-journal.jsonl"


@pytest.mark.parametrize(
    ("sections", "line"),
    [
        ({"schedule": {"cycle_at": "25:00"}},
         "settings.yaml schedule.cycle_at: not a time HH:MM: '25:00'"),
        ({"schedule": {"credit_review": "hourly"}},
         "settings.yaml schedule.credit_review: 'hourly' is not one of daily, weekly, monthly"),
        ({"schedule": {"retry_max_seconds": "soon"}},
         "settings.yaml schedule.retry_max_seconds: not a positive number of seconds: 'soon'"),
        ({"schedule": {"dispatch_every_seconds": 0}},
         "settings.yaml schedule.dispatch_every_seconds: not a positive number of seconds: 0"),
        ({"schedule": {"check_every_seconds": True}},
         "settings.yaml schedule.check_every_seconds: not a positive number of seconds: True"),
        ({"schedule": ["07:00"]}, "settings.yaml: 'schedule' must be a mapping"),
        ({"reports": {"summary": {"day": "someday"}}},
         "settings.yaml reports.summary.day: 'som' is not one of mon, tue, wed, thu, fri, sat, "
         "sun"),
        ({"reports": {"summary": {"at": "8 am"}}},
         "settings.yaml reports.summary.at: not a time HH:MM: '8 am'"),
        ({"reports": {"summary": {"to": ["cfo"]}}},
         "settings.yaml reports.summary.to: a list of email addresses"),
        ({"reports": {"summary": {"to": "cfo@example.com", "language": "fr"}}},
         "settings.yaml reports.summary.language: 'fr' is not one of zh-CN, en"),
        ({"reports": {"ageing_buckets": {"a": [None, 0], "b": [2, None]}}},
         "settings.yaml reports.ageing_buckets: buckets a and b overlap or leave a gap"),
        ({"reports": {"collector_targets": {"li.na": {"collected": "lots"}}}},
         "settings.yaml reports.collector_targets.li.na.collected: not a number: 'lots'"),
        ({"reports": {"collector_targets": [1]}},
         "settings.yaml reports.collector_targets: must be a mapping"),
        ({"mail": {"company": ["A", "B"]}},
         "settings.yaml mail.company: expected text, got ['A', 'B']"),
        ({"mail": {"reply_to": "AR team"}},
         "settings.yaml mail.reply_to: expected one email address, got 'AR team'"),
        ({"people": {"li.na": ["a@example.com"]}},
         "settings.yaml people.li.na: expected an email address, got ['a@example.com']"),
        ({"calendar": {"country": 86}},
         "settings.yaml calendar.country: expected a country code, got 86"),
        ({"calendar": {"holidays": []}},
         "settings.yaml calendar: unknown setting(s) holidays (expected country, "
         "extra_holidays, extra_working_days)"),
        ({"smtp": {"host": "mail.test", "port": "smtp"}},
         "settings.yaml smtp.port: expected a whole number, got 'smtp'"),
        ({"smtp": {"sender": "x@y"}}, "settings.yaml smtp.sender: unknown setting"),
        ({"database": "sqlite://"}, "settings.yaml: 'database' must be a mapping"),
    ],
)
def test_a_bad_setting_anywhere_is_one_line_at_load(tmp_path: Path, sections: dict[str, Any],
                                                     line: str) -> None:
    home = home_with(tmp_path, **sections)
    with pytest.raises(SettingsError) as caught:
        load_settings(home)
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


def test_a_bad_variable_is_named_by_the_variable(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home = home_with(tmp_path)
    monkeypatch.setenv("ARFLOW_SMTP_HOST", "mail.test")
    monkeypatch.setenv("ARFLOW_SMTP_TLS", "sometimes")
    with pytest.raises(SettingsError, match="^ARFLOW_SMTP_TLS: expected none, starttls or tls"):
        load_settings(home)
    monkeypatch.setenv("ARFLOW_SMTP_TLS", "starttls")
    monkeypatch.setenv("ARFLOW_MAIL_FROM", "AR <ar@env.test>")
    monkeypatch.setenv("ARFLOW_SEND_JOURNAL", str(tmp_path / "journal.jsonl"))
    settings = load_settings(home)
    assert settings.smtp is not None and settings.smtp.tls == "starttls"
    assert settings.mail_from == "AR <ar@env.test>"
    assert settings.send_journal == tmp_path / "journal.jsonl"


def test_keys_a_section_does_not_know_are_still_accepted_where_they_were(tmp_path: Path) -> None:
    home = home_with(tmp_path, schedule={"note": "x"}, mail={"fax": "+86 21 1"},
                     reports={"other": 1, "summary": {"to": "cfo@example.com", "cc": "x"}})
    settings = load_settings(home)
    assert settings.section("schedule")["note"] == "x"  # the raw section is still there
    assert settings.reports.summary.to == ("cfo@example.com",)


def test_settings_made_in_code_are_checked_where_a_section_is_used(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", policy_dir=tmp_path,
                        timezone="Asia/Shanghai", data={"schedule": {"cycle_at": "7"}})
    assert settings.mail_from == "arflow@localhost"  # other sections work
    with pytest.raises(SettingsError, match="schedule.cycle_at: not a time HH:MM: '7'"):
        settings.schedule  # noqa: B018 (the parse is the test)
    with pytest.raises(SettingsError, match="schedule.cycle_at"):
        settings.check()
    fixed = dataclasses.replace(settings, data={"schedule": {"cycle_at": "06:30"}})
    assert fixed.schedule.cycle_at == time(6, 30)  # parsed again from the new data


def test_the_cli_exits_2_with_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from arflow.cli import context
    from arflow.cli.main import app

    home = home_with(tmp_path, schedule={"cycle_at": "25:00"})
    monkeypatch.setenv("ARFLOW_HOME", str(home))
    context.settings.cache_clear()
    context.database.cache_clear()
    try:
        ran = CliRunner().invoke(app, ["outbox"])
    finally:
        context.settings.cache_clear()
        context.database.cache_clear()
    assert ran.exit_code == 2
    assert "settings.yaml schedule.cycle_at: not a time HH:MM: '25:00'" in ran.stderr
