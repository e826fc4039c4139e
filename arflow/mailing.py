"""Mail set-up from settings: what the cycle renders with, and what the dispatcher sends by.

The settings are typed and checked at load (arflow/settings.py); this module only builds
the notifier, the dispatcher and the cycle's MailSetup from them."""

from __future__ import annotations

from datetime import date, datetime

from arflow import statements
from arflow.settings import Settings
from ledger.db import Engine
from notifiers.base import Notifier
from notifiers.dispatcher import Dispatcher
from notifiers.filesink import FileSink
from notifiers.journal import SendJournal
from notifiers.settings import SmtpSettings
from notifiers.smtp import SmtpNotifier
from notifiers.templates import Templates
from workflows.calendar import BusinessCalendar
from workflows.reminders import MailSetup


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    """The SMTP server (``settings.smtp``: the yaml section with ARFLOW_SMTP_* on top), or
    None for the file sink; a bad setting is a SettingsError naming it."""
    return settings.smtp


def sender_address(settings: Settings) -> str:
    return settings.mail_from


def calendar(settings: Settings) -> BusinessCalendar:
    return settings.calendar


def mail_setup(settings: Settings) -> MailSetup:
    mail = settings.mail
    return MailSetup(
        templates=Templates(settings.templates_dir),
        calendar=settings.calendar,
        sender=statements.sender(settings),
        people=dict(settings.people),
        domain=mail.domain,
    )


def notifier(settings: Settings) -> Notifier:
    """SMTP when a host is configured, else the file sink under var/outbox/ (the default)."""
    smtp = settings.smtp
    if smtp is None:
        return FileSink(settings.outbox_dir)
    return SmtpNotifier(smtp)


def dispatcher(settings: Settings, engine: Engine) -> Dispatcher:
    """The dispatcher as every shell runs it: the configured notifier, the business clock,
    and the send journal beside the data (so a database outage costs no duplicate)."""
    return Dispatcher(
        engine=engine,
        notifier=notifier(settings),
        sender=settings.mail_from,
        clock=settings.now,
        today=settings.business_day,
        journal=SendJournal(settings.send_journal),
        reply_to=settings.mail.reply_to,
        statements=statements.PolicyStatements(settings, engine),
    )


def now(settings: Settings) -> datetime:
    return settings.now()


def business_day(settings: Settings, moment: datetime) -> date:
    return settings.business_day(moment)
