"""Settings: embedded defaults, then config/settings.yaml, then ARFLOW_* environment variables.

``load_settings()`` reads them once and checks every section there, so a bad setting
anywhere is one line naming it (``settings.yaml schedule.cycle_at: not a time HH:MM:
'25:00'``, or the variable's name when it came from the environment), raised as
SettingsError at load; `arflow` turns that into exit 2.

Each section has a typed attribute, parsed from ``Settings.data`` on first use (at load
for ``load_settings()``, which uses them all; later for a ``Settings`` made in code, so a
bad section fails where it is used, with the same line):

    settings.schedule   Schedule: cycle_at, dispatch_every_seconds, credit_review,
                        retry_initial_seconds, retry_max_seconds, check_every_seconds
    settings.reports    ReportSettings: ageing_buckets, collector_targets,
                        summary (to, language, day, at)
    settings.mail       MailSettings: from, domain, the sender details on statements
    settings.people     dict[str, str]: who a reminder's ``cc: [collector]`` reaches
    settings.calendar   BusinessCalendar: country, extra_holidays, extra_working_days
    settings.smtp       SmtpSettings | None: ``smtp`` with ARFLOW_SMTP_* on top (None: file sink)
    settings.mail_from  str: the From of outgoing mail (ARFLOW_MAIL_FROM first)
    settings.book_currency  str: the ISO code totals are converted to (``book_currency``)
    settings.bank       BankSettings: auto_apply_confidence, charges_tolerance
    settings.logging    LogSettings: level, format (ARFLOW_LOG_LEVEL, ARFLOW_LOG_FORMAT first)
    settings.web        WebSettings: body limits, sign-in throttling, password checks

``Settings.section(name)`` still gives a section's raw mapping. Sections that accepted
keys they do not know still do; ``smtp`` and ``calendar`` reject them, as before.
"""

from __future__ import annotations

import email.utils
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from arflow import defaults
from ledger.db import default_url

if TYPE_CHECKING:
    from ledger.reports import Bucket
    from notifiers.settings import SmtpSettings
    from workflows.calendar import BusinessCalendar


class SettingsError(ValueError):
    """settings.yaml or an ARFLOW_* variable is wrong."""


CreditReview = Literal["daily", "weekly", "monthly"]
CREDIT_REVIEWS: tuple[CreditReview, ...] = ("daily", "weekly", "monthly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SENDER_KEYS = ("company", "email", "phone", "bank_name", "bank_account", "account_name",
               "address")
TARGET_KEYS = ("collected", "promise_kept_rate", "tasks_in_time_rate")


# ---------------------------------------------------------------- the typed sections


@dataclass(frozen=True)
class Schedule:
    """``schedule``: when the service runs what (times are local, in ``timezone``)."""

    cycle_at: time = time(7, 0)
    dispatch_every_seconds: float = 60.0
    credit_review: CreditReview = "weekly"  # at 06:00: daily, weekly (Mondays), monthly (1st)
    retry_initial_seconds: float = 15.0
    retry_max_seconds: float = 300.0
    check_every_seconds: float = 120.0


@dataclass(frozen=True)
class SummarySettings:
    """``reports.summary``: the weekly management summary email."""

    to: tuple[str, ...] = ()  # empty: not configured (sending it is then an error)
    language: str = "zh-CN"
    day: int = 0  # weekday, 0 = Monday
    at: time = time(8, 0)


@dataclass(frozen=True)
class ReportSettings:
    """``reports``: the analytics (`arflow report`, the dashboard, the weekly summary)."""

    ageing_buckets: tuple[Bucket, ...]
    collector_targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: SummarySettings = SummarySettings()

    @property
    def bucket_names(self) -> list[str]:
        """The ageing buckets' names: a policy's provision rates must name them."""
        return [bucket.name for bucket in self.ageing_buckets]


@dataclass(frozen=True)
class MailSettings:
    """``mail``: the From (``from``), the Message-ID domain, the statement's sender details."""

    sender: str | None = None  # ``mail.from``
    from_name: str | None = None  # ``mail.from_name``: the display name beside the From
    reply_to: str | None = None  # ``mail.reply_to``: where customers' answers go
    domain: str = "arflow.local"
    details: dict[str, str] = field(default_factory=lambda: dict.fromkeys(SENDER_KEYS, ""))
    # ``mail.bank_accounts``: currency -> where to pay it (else CNY from the single-account keys)
    bank_accounts: dict[str, BankAccount] = field(default_factory=dict)


@dataclass(frozen=True)
class BankAccount:
    """One currency's receiving account (``mail.bank_accounts.<CUR>``): the account name in
    each language, the bank, the number and, for a foreign currency, the SWIFT/BIC."""

    currency: str
    name: dict[str, str]  # language (zh-CN, en) -> the account holder's name
    bank: str
    account: str
    swift: str | None = None

    def for_language(self, language: str) -> dict[str, str | None]:
        """The account as templates and statements print it, the name in ``language``."""
        name = self.name.get(language) or next(iter(self.name.values()), "")
        return {"currency": self.currency, "name": name, "bank": self.bank,
                "account": self.account, "swift": self.swift}


@dataclass(frozen=True)
class BankSettings:
    """``bank``: cash application of bank statement lines (`arflow bank import`)."""

    # a proposal at least this sure (0..1) is applied at import; the rest wait for a person
    auto_apply_confidence: Decimal = Decimal("0.90")
    # a payment short of the invoices by at most this much (in the line's currency) settles
    # them, the difference recorded as bank charges
    charges_tolerance: Decimal = Decimal("50.00")


LogLevel = Literal["debug", "info", "warning", "error"]
LOG_LEVELS: tuple[LogLevel, ...] = ("debug", "info", "warning", "error")
LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")


@dataclass(frozen=True)
class LogSettings:
    """``logging``: quiet by default (warnings and errors); ``format: json`` writes one JSON
    object a line, for a log collector."""

    level: LogLevel = "warning"
    format: LogFormat = "text"


@dataclass(frozen=True)
class WebSettings:
    """``web``: limits that keep one caller from taking the server from everyone else."""

    # a request body larger than this is refused (413) before any of it is parsed
    max_body_mb: Decimal = Decimal("32")
    # sign-in: this many failed attempts on one account, or from one address, within the
    # window, and further attempts are refused (429) until the window has passed
    signin_failures_per_account: int = 5
    signin_failures_per_address: int = 20
    signin_window_minutes: int = 15
    # password checks (Argon2, 64 MiB each) running at once; the rest wait their turn
    password_checks: int = 2

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    policy_dir: Path
    timezone: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    journal: Path | None = field(default=None, compare=False)  # ARFLOW_SEND_JOURNAL

    def section(self, name: str) -> dict[str, Any]:
        """One section of settings.yaml (``smtp``, ``mail``, ``calendar``, ``schedule`` …)."""
        value = self.data.get(name) or {}
        if not isinstance(value, dict):
            raise SettingsError(f"settings.yaml: '{name}' must be a mapping")
        return value

    # typed sections: parsed once, on first use (all of them at load_settings)

    @cached_property
    def schedule(self) -> Schedule:
        return _schedule(self.section("schedule"))

    @cached_property
    def reports(self) -> ReportSettings:
        return _reports(self.section("reports"))

    @cached_property
    def mail(self) -> MailSettings:
        return _mail(self.section("mail"))

    @cached_property
    def people(self) -> dict[str, str]:
        return _people(self.section("people"))

    @cached_property
    def calendar(self) -> BusinessCalendar:
        from workflows.calendar import BusinessCalendar

        try:
            return BusinessCalendar.from_settings(self.section("calendar"))
        except ValueError as exc:
            raise SettingsError(_named(str(exc), "calendar")) from exc

    @cached_property
    def smtp(self) -> SmtpSettings | None:
        """The ``smtp`` section with ARFLOW_SMTP_* on top; None: no host, the file sink."""
        from notifiers.settings import SmtpSettings

        try:
            return SmtpSettings.from_env(self.section("smtp"))
        except ValueError as exc:
            raise SettingsError(_named(str(exc), "smtp")) from exc

    @cached_property
    def mail_from(self) -> str:
        """The From of outgoing mail: ARFLOW_MAIL_FROM, else the SMTP sender (when a server
        is configured), else ``mail.from``, else arflow@localhost."""
        smtp = self.smtp
        address = (os.environ.get("ARFLOW_MAIL_FROM") or (smtp.sender if smtp else None)
                   or self.mail.sender or "arflow@localhost")
        name, bare = email.utils.parseaddr(address)
        if self.mail.from_name and not name:  # the company's name beside the address
            quoted = self.mail.from_name.replace("\\", "\\\\").replace('"', '\\"')
            return f'"{quoted}" <{bare}>'  # readable here; RFC 2047-encoded on the wire
        return address

    @cached_property
    def book_currency(self) -> str:
        """``book_currency`` (ARFLOW_BOOK_CURRENCY first): the currency exposure, limits,
        order checks and totals are stated in, other currencies converted at the day's rate."""
        from engine.currency import UnknownCurrency, normalize_currency

        value = _env("ARFLOW_BOOK_CURRENCY") or _text(self.data.get("book_currency"),
                                                      "book_currency") or "CNY"
        try:
            return normalize_currency(value)
        except UnknownCurrency as exc:
            raise _bad("book_currency", str(exc)) from None

    @cached_property
    def bank(self) -> BankSettings:
        return _bank(self.section("bank"))

    @cached_property
    def logging(self) -> LogSettings:
        return _logging(self.section("logging"))

    @cached_property
    def web(self) -> WebSettings:
        return _web(self.section("web"))

    def check(self) -> Settings:
        """Parse every section now: SettingsError naming the first bad setting."""
        self.section("database")
        for name in ("schedule", "reports", "mail", "people", "calendar", "smtp", "mail_from",
                     "book_currency", "bank", "logging", "web"):
            getattr(self, name)
        return self

    @property
    def templates_dir(self) -> Path:
        """config/templates in the project folder, else the ones the package carries."""
        local = self.home / "config" / "templates"
        return local if local.is_dir() else defaults.folder(defaults.TEMPLATES)

    @property
    def outbox_dir(self) -> Path:
        return self.home / "var" / "outbox"

    @property
    def send_journal(self) -> Path:
        """The dispatcher's local record of accepted sends (``ARFLOW_SEND_JOURNAL``)."""
        if self.journal is not None:
            return self.journal
        override = os.environ.get("ARFLOW_SEND_JOURNAL", "").strip()
        return Path(override) if override else self.home / "var" / "send-journal.jsonl"

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def now(self) -> datetime:
        """The wall clock in the configured timezone (the shell's one clock read)."""
        return datetime.now(self.tz())

    def today(self) -> date:
        """The business date in the configured timezone (the shell's one clock read)."""
        return self.now().date()

    def business_day(self, moment: datetime) -> date:
        """The business date ``moment`` falls on."""
        return moment.astimezone(self.tz()).date()


# ---------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping")
    return data


def _env(name: str) -> str | None:
    """An ARFLOW_* variable; empty counts as unset."""
    return os.environ.get(name, "").strip() or None


def load_settings(home: Path | None = None) -> Settings:
    """Settings from ``home`` (ARFLOW_HOME, else the working directory), every section
    checked: SettingsError naming the bad setting."""
    home = Path(home or os.environ.get("ARFLOW_HOME") or Path.cwd())
    config_path = Path(os.environ.get("ARFLOW_CONFIG") or home / "config" / "settings.yaml")
    data = _read_yaml(config_path)
    database = data.get("database") or {}
    if not isinstance(database, dict):
        raise SettingsError("settings.yaml: 'database' must be a mapping")
    url = _env("ARFLOW_DATABASE_URL") or _text(database.get("url"), "database.url") \
        or default_url(home)
    policy_dir = Path(_env("ARFLOW_POLICY_DIR")
                      or _text(data.get("policy_dir"), "policy_dir") or "rules")
    if not policy_dir.is_absolute():
        policy_dir = home / policy_dir
    timezone = _env("ARFLOW_TIMEZONE") or _text(data.get("timezone"), "timezone") \
        or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"unknown timezone {timezone!r}") from exc
    journal = _env("ARFLOW_SEND_JOURNAL")
    settings = Settings(home=home, database_url=url, policy_dir=policy_dir, timezone=timezone,
                        data=data, journal=Path(journal) if journal else None)
    return settings.check()


# ---------------------------------------------------------------- the small parsers


def _bad(key: str, what: str) -> SettingsError:
    return SettingsError(f"settings.yaml {key}: {what}")


def _named(message: str, section: str) -> str:
    """A section parser's message (``smtp.port: …``) as a settings line; one that names an
    environment variable stays as it is."""
    if message.startswith(f"{section}:"):
        message = message.removeprefix(f"{section}:").lstrip()
        return f"settings.yaml {section}: {message}"
    if message.startswith(f"{section}."):
        return f"settings.yaml {message}"
    return message


def _text(value: Any, key: str) -> str | None:
    """A scalar setting as text (YAML may read a phone number as a number); None if unset."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | date):
        raise _bad(key, f"expected text, got {value!r}")
    return str(value)


def _table(value: Any, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(key, f"expected a mapping, got {value!r}")
    return value


def clock_time(text: str, key: str) -> tuple[int, int]:
    """(hour, minute) of an ``HH:MM`` setting; SettingsError naming ``key`` if it is not."""
    try:
        hour, minute = (int(part) for part in text.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise _bad(key, f"not a time HH:MM: {text!r}") from None
    return hour, minute


def _clock(value: Any, default: str, key: str) -> time:
    return time(*clock_time(str(value or default), key))


def _seconds(section: Mapping[str, Any], name: str, default: float) -> float:
    """A positive number of seconds in ``schedule``."""
    value = section.get(name)
    try:
        if isinstance(value, bool):
            raise ValueError
        seconds = float(default if value is None else value)
        if not (seconds > 0 and math.isfinite(seconds)):
            raise ValueError
    except (TypeError, ValueError):
        raise _bad(f"schedule.{name}", f"not a positive number of seconds: {value!r}") from None
    return seconds


def _schedule(section: Mapping[str, Any]) -> Schedule:
    cadence = str(section.get("credit_review") or "weekly")
    if cadence not in CREDIT_REVIEWS:
        raise _bad("schedule.credit_review",
                   f"{cadence!r} is not one of " + ", ".join(CREDIT_REVIEWS))
    return Schedule(
        cycle_at=_clock(section.get("cycle_at"), "07:00", "schedule.cycle_at"),
        dispatch_every_seconds=_seconds(section, "dispatch_every_seconds", 60),
        credit_review=cast(CreditReview, cadence),
        retry_initial_seconds=_seconds(section, "retry_initial_seconds", 15),
        retry_max_seconds=_seconds(section, "retry_max_seconds", 300),
        check_every_seconds=_seconds(section, "check_every_seconds", 120),
    )


def _summary(value: Any) -> SummarySettings:
    from notifiers.templates import LANGUAGES

    section = _table(value, "reports.summary")
    to = section.get("to") or []
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        raise _bad("reports.summary.to", "a list of email addresses")
    language = str(section.get("language") or "zh-CN")
    if language not in LANGUAGES:
        raise _bad("reports.summary.language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    day = str(section.get("day") or "mon").strip().lower()[:3]
    if day not in WEEKDAYS:
        raise _bad("reports.summary.day", f"{day!r} is not one of " + ", ".join(WEEKDAYS))
    return SummarySettings(to=tuple(to), language=language, day=WEEKDAYS.index(day),
                           at=_clock(section.get("at"), "08:00", "reports.summary.at"))


def _targets(value: Any) -> dict[str, dict[str, Any]]:
    """``reports.collector_targets``: collector (or ``default``) -> its monthly targets."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad("reports.collector_targets", "must be a mapping")
    targets: dict[str, dict[str, Any]] = {}
    for name, target in value.items():
        key = f"reports.collector_targets.{name}"
        target = _table(target, key)
        for field_name in TARGET_KEYS:
            number = target.get(field_name)
            if number is not None and (isinstance(number, bool)
                                       or not isinstance(number, int | float)):
                raise _bad(f"{key}.{field_name}", f"not a number: {number!r}")
        targets[str(name)] = target
    return targets


def _reports(section: Mapping[str, Any]) -> ReportSettings:
    from ledger.reports import BucketError, buckets_from_settings

    try:
        buckets = buckets_from_settings({"ageing_buckets": section.get("ageing_buckets")})
    except BucketError as exc:
        raise _bad("reports.ageing_buckets", str(exc)) from None
    return ReportSettings(ageing_buckets=tuple(buckets),
                          collector_targets=_targets(section.get("collector_targets")),
                          summary=_summary(section.get("summary")))


def _mail(section: Mapping[str, Any]) -> MailSettings:
    values = {key: _text(section.get(key), f"mail.{key}") for key in (
        *SENDER_KEYS, "from", "domain", "from_name", "reply_to")}
    reply_to = values["reply_to"] or None
    if reply_to and not _is_address(reply_to):
        raise _bad("mail.reply_to", f"expected one email address, got {reply_to!r}")
    return MailSettings(sender=values["from"] or None, domain=values["domain"] or "arflow.local",
                        from_name=values["from_name"] or None, reply_to=reply_to,
                        details={key: values[key] or "" for key in SENDER_KEYS},
                        bank_accounts=_bank_accounts(section.get("bank_accounts"), values))


HOME_CURRENCY = "CNY"  # the one currency that needs no SWIFT/BIC
_SWIFT = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def _bank_accounts(value: Any, single: Mapping[str, str | None]) -> dict[str, BankAccount]:
    """``mail.bank_accounts`` per currency; without it, the single-account keys
    (bank_name, bank_account, account_name) as the CNY account, when set."""
    if value is None:
        if not single.get("bank_account"):
            return {}
        name = single.get("account_name") or ""
        return {HOME_CURRENCY: BankAccount(HOME_CURRENCY, {"zh-CN": name, "en": name},
                                           single.get("bank_name") or "",
                                           single["bank_account"] or "")}
    accounts: dict[str, BankAccount] = {}
    for currency, entry in _table(value, "mail.bank_accounts").items():
        key = f"mail.bank_accounts.{currency}"
        if not re.fullmatch(r"[A-Z]{3}", str(currency)):
            raise _bad(key, "a currency is three capital letters (CNY, USD ...)")
        entry = _table(entry, key)
        unknown = set(entry) - {"name", "bank", "account", "swift"}
        if unknown:
            raise _bad(key, f"unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                            "(expected name, bank, account, swift)")
        raw_name = entry.get("name")
        names = ({str(k): _text(v, f"{key}.name.{k}") or "" for k, v in raw_name.items()}
                 if isinstance(raw_name, dict) else {"zh-CN": _text(raw_name, f"{key}.name")
                                                     or ""})
        strange = set(names) - {"zh-CN", "en"}
        if strange:
            raise _bad(f"{key}.name", f"languages are zh-CN and en, not {sorted(strange)} "
                                      "(quote a name that holds a comma)")
        if not any(names.values()):
            raise _bad(f"{key}.name", "the account holder's name is required "
                                      "({zh-CN: ..., en: ...})")
        bank = _text(entry.get("bank"), f"{key}.bank")
        account = _text(entry.get("account"), f"{key}.account")
        if not bank or not account:
            raise _bad(key, "bank and account are required")
        swift = (_text(entry.get("swift"), f"{key}.swift") or "").replace(" ", "").upper()
        if swift and not _SWIFT.match(swift):
            raise _bad(f"{key}.swift", f"not a SWIFT/BIC (8 or 11 letters and digits): {swift!r}")
        if not swift and currency != HOME_CURRENCY:
            raise _bad(f"{key}.swift", f"a {currency} account needs its SWIFT/BIC code")
        accounts[str(currency)] = BankAccount(str(currency), names, bank, account, swift or None)
    return accounts


def _is_address(value: str) -> bool:
    """One bare address (``name@domain``), nothing around it."""
    name, address = email.utils.parseaddr(value)
    return not name and address == value and "@" in value.strip("@")


def _people(section: Mapping[str, Any]) -> dict[str, str]:
    """``people``: a collector's name -> their address (an empty address: left out)."""
    people: dict[str, str] = {}
    for name, address in section.items():
        if address:
            if not isinstance(address, str):
                raise _bad(f"people.{name}", f"expected an email address, got {address!r}")
            people[str(name)] = address
    return people


def _bank(section: Mapping[str, Any]) -> BankSettings:
    unknown = sorted(set(section) - {"auto_apply_confidence", "charges_tolerance"})
    if unknown:
        raise _bad(f"bank.{unknown[0]}", "unknown setting (auto_apply_confidence, "
                   "charges_tolerance)")
    base = BankSettings()
    confidence = _decimal(section.get("auto_apply_confidence"),
                          base.auto_apply_confidence, "bank.auto_apply_confidence")
    if not Decimal("0") <= confidence <= Decimal("1"):
        raise _bad("bank.auto_apply_confidence", f"must be between 0 and 1, got {confidence}")
    tolerance = _decimal(section.get("charges_tolerance"), base.charges_tolerance,
                         "bank.charges_tolerance")
    if tolerance < 0 or tolerance != tolerance.quantize(Decimal("0.01")):
        raise _bad("bank.charges_tolerance", f"an amount of at least 0, at most two "
                   f"decimals: {tolerance}")
    return BankSettings(auto_apply_confidence=confidence, charges_tolerance=tolerance)


def _decimal(value: Any, default: Decimal, key: str) -> Decimal:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad(key, f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value).replace(",", ""))
    except ArithmeticError:
        raise _bad(key, f"not a number: {value!r}") from None
    if not number.is_finite():
        raise _bad(key, f"not a number: {value!r}")
    return number


def _logging(section: Mapping[str, Any]) -> LogSettings:
    unknown = sorted(set(section) - {"level", "format"})
    if unknown:
        raise _bad(f"logging.{unknown[0]}", "unknown setting (level, format)")
    level = (_env("ARFLOW_LOG_LEVEL") or _text(section.get("level"), "logging.level")
             or "warning").lower()
    if level not in LOG_LEVELS:
        raise _bad("logging.level", f"{level!r} is not one of " + ", ".join(LOG_LEVELS))
    form = (_env("ARFLOW_LOG_FORMAT") or _text(section.get("format"), "logging.format")
            or "text").lower()
    if form not in LOG_FORMATS:
        raise _bad("logging.format", f"{form!r} is not one of " + ", ".join(LOG_FORMATS))
    return LogSettings(level=cast(LogLevel, level), format=cast(LogFormat, form))


WEB_COUNTS = ("signin_failures_per_account", "signin_failures_per_address",
              "signin_window_minutes", "password_checks")


def _web(section: Mapping[str, Any]) -> WebSettings:
    unknown = sorted(set(section) - {"max_body_mb", *WEB_COUNTS})
    if unknown:
        raise _bad(f"web.{unknown[0]}", "unknown setting (max_body_mb, " + ", ".join(WEB_COUNTS)
                   + ")")
    base = WebSettings()
    body = _decimal(section.get("max_body_mb"), base.max_body_mb, "web.max_body_mb")
    if not body > 0:
        raise _bad("web.max_body_mb", f"must be more than 0, got {body}")
    counts: dict[str, int] = {}
    for name in WEB_COUNTS:
        value = section.get(name, getattr(base, name))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _bad(f"web.{name}", f"a whole number of at least 1, got {value!r}")
        counts[name] = value
    return WebSettings(max_body_mb=body, **counts)
