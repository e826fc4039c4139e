"""Mail set-up from settings: what the cycle renders with, and what the dispatcher sends by."""

from __future__ import annotations

import os
from datetime import date, datetime

from sqlalchemy import Engine

from arflow.settings import Settings, SettingsError
from notifiers.base import Notifier
from notifiers.dispatcher import Dispatcher
from notifiers.filesink import FileSink
from notifiers.journal import SendJournal
from notifiers.settings import SmtpSettings
from notifiers.smtp import SmtpNotifier
from notifiers.templates import Templates
from workflows.calendar import BusinessCalendar
from workflows.reminders import MailSetup

SENDER_KEYS = ("company", "email", "phone", "bank_name", "bank_account", "account_name")


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    try:
        return SmtpSettings.from_env(settings.section("smtp"))
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc


def sender_address(settings: Settings) -> str:
    smtp = smtp_settings(settings)
    return (os.environ.get("ARFLOW_MAIL_FROM") or (smtp.sender if smtp else None)
            or settings.section("mail").get("from") or "arflow@localhost")


def calendar(settings: Settings) -> BusinessCalendar:
    try:
        return BusinessCalendar.from_settings(settings.section("calendar"))
    except ValueError as exc:
        raise SettingsError(f"settings.yaml calendar: {exc}") from exc


def mail_setup(settings: Settings) -> MailSetup:
    mail = settings.section("mail")
    people = {str(k): str(v) for k, v in settings.section("people").items() if v}
    return MailSetup(
        templates=Templates(settings.templates_dir),
        calendar=calendar(settings),
        sender={key: str(mail.get(key) or "") for key in SENDER_KEYS},
        people=people,
        domain=str(mail.get("domain") or "arflow.local"),
    )


def notifier(settings: Settings) -> Notifier:
    """SMTP when a host is configured, else the file sink under var/outbox/ (the default)."""
    smtp = smtp_settings(settings)
    if smtp is None:
        return FileSink(settings.outbox_dir)
    return SmtpNotifier(smtp)


def dispatcher(settings: Settings, engine: Engine) -> Dispatcher:
    """The dispatcher as every shell runs it: the configured notifier, the business clock,
    and the send journal beside the data (so a database outage costs no duplicate)."""
    return Dispatcher(
        engine=engine,
        notifier=notifier(settings),
        sender=sender_address(settings),
        clock=lambda: now(settings),
        today=lambda moment: business_day(settings, moment),
        journal=SendJournal(settings.send_journal),
    )


def now(settings: Settings) -> datetime:
    return datetime.now(settings.tz())


def business_day(settings: Settings, moment: datetime) -> date:
    return moment.astimezone(settings.tz()).date()
