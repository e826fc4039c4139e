"""SMTP settings: the ``smtp:`` section of settings.yaml, overridden by the environment.

Environment variables win so an operator can point a deployed arflow at another server
(or keep the password out of the file) without editing YAML:

    ARFLOW_SMTP_HOST, ARFLOW_SMTP_PORT, ARFLOW_SMTP_USER, ARFLOW_SMTP_PASSWORD,
    ARFLOW_SMTP_TLS (none | starttls | tls), ARFLOW_MAIL_FROM,
    ARFLOW_SMTP_TIMEOUT, ARFLOW_SMTP_CONNECT_TIMEOUT, ARFLOW_SMTP_GREETING_TIMEOUT,
    ARFLOW_SMTP_COMMAND_TIMEOUT (seconds), ARFLOW_SMTP_ALLOW_PLAIN_AUTH (true | false)

Every wait on the server is bounded: ``connect_timeout`` for the TCP (and TLS) connection,
``greeting_timeout`` for the server's first 220 (a server that accepts and never greets),
``command_timeout`` for each command's reply; each defaults to ``timeout`` (30 s).

A password is never sent in plain text: a user with ``tls: none`` is refused here (at
settings load, one line naming ``smtp.tls``) unless the host is this machine (127.0.0.0/8,
::1, localhost: the password never crosses a network) or ``allow_plain_auth: true`` says
the network is trusted; the notifier checks again before it logs in (notifiers/smtp.py).

No host anywhere means "no SMTP": ``from_env`` returns None and the caller uses the file
sink (var/outbox/), so arflow works on a fresh machine. An empty variable counts as unset.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

__all__ = ["SmtpSettings", "TlsMode"]

TlsMode = Literal["none", "starttls", "tls"]
TLS_MODES: tuple[TlsMode, ...] = ("none", "starttls", "tls")

# settings.yaml key -> environment variable that overrides it
_ENV = {
    "host": "ARFLOW_SMTP_HOST",
    "port": "ARFLOW_SMTP_PORT",
    "user": "ARFLOW_SMTP_USER",
    "password": "ARFLOW_SMTP_PASSWORD",
    "tls": "ARFLOW_SMTP_TLS",
    "from": "ARFLOW_MAIL_FROM",
    "timeout": "ARFLOW_SMTP_TIMEOUT",
    "connect_timeout": "ARFLOW_SMTP_CONNECT_TIMEOUT",
    "greeting_timeout": "ARFLOW_SMTP_GREETING_TIMEOUT",
    "command_timeout": "ARFLOW_SMTP_COMMAND_TIMEOUT",
    "allow_plain_auth": "ARFLOW_SMTP_ALLOW_PLAIN_AUTH",
}
_KEYS = (*_ENV, "concurrency")
_TIMEOUTS = ("timeout", "connect_timeout", "greeting_timeout", "command_timeout")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; ``sender`` is the default From address."""

    host: str
    port: int = 25
    tls: TlsMode = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    sender: str = "arflow@localhost"
    concurrency: int = 8
    connect_timeout: float | None = None  # None: ``timeout``
    greeting_timeout: float | None = None
    command_timeout: float | None = None
    allow_plain_auth: bool = False  # a password over an unencrypted connection, knowingly

    @property
    def plain_auth_allowed(self) -> bool:
        """Whether logging in without TLS is acceptable: this machine, or said so."""
        return self.allow_plain_auth or is_loopback(self.host)

    @property
    def plain_auth_refused(self) -> bool:
        """A login that would send the password in plain text over a network."""
        return bool(self.user) and self.tls == "none" and not self.plain_auth_allowed

    @property
    def connect_seconds(self) -> float:
        return self.connect_timeout or self.timeout

    @property
    def greeting_seconds(self) -> float:
        return self.greeting_timeout or self.timeout

    @property
    def command_seconds(self) -> float:
        return self.command_timeout or self.timeout

    @classmethod
    def from_env(
        cls, base: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> SmtpSettings | None:
        """Settings from ``base`` (the yaml section) with ARFLOW_* variables on top.

        Returns None when no host is configured; raises ValueError naming the bad setting.
        """
        base = dict(base or {})
        env = os.environ if env is None else env
        unknown = sorted(set(base) - set(_KEYS))
        if unknown:
            raise ValueError(f"smtp.{unknown[0]}: unknown setting (expected {', '.join(_KEYS)})")

        values: dict[str, tuple[Any, str]] = {}  # key -> (value, name to blame)
        for key in _KEYS:
            if base.get(key) is not None:
                values[key] = (base[key], f"smtp.{key}")
        for key, var in _ENV.items():
            if env.get(var, "").strip():
                values[key] = (env[var].strip(), var)

        host = _text(values.get("host"))
        if not host:
            return None
        kwargs: dict[str, Any] = {"host": host}
        if "port" in values:
            kwargs["port"] = _number(values["port"], int, 1, 65535)
        if "tls" in values:
            kwargs["tls"] = _tls(values["tls"])
        if "user" in values:
            kwargs["user"] = _text(values["user"])
        if "password" in values:
            kwargs["password"] = _text(values["password"])
        for key in _TIMEOUTS:
            if key in values:
                kwargs[key] = _number(values[key], float, 0.1, 3600)
        if "from" in values:
            kwargs["sender"] = _text(values["from"])
        if "concurrency" in values:
            kwargs["concurrency"] = _number(values["concurrency"], int, 1, 100)
        if "allow_plain_auth" in values:
            kwargs["allow_plain_auth"] = _flag(values["allow_plain_auth"])
        if kwargs.get("user") and not kwargs.get("password"):
            raise ValueError("ARFLOW_SMTP_PASSWORD / smtp.password: required when a user is set")
        settings = cls(**kwargs)
        if settings.plain_auth_refused:
            name = values["tls"][1] if "tls" in values else "smtp.tls"
            raise ValueError(f"{name}: {PLAIN_AUTH_REFUSED}")
        return settings


PLAIN_AUTH_REFUSED = ("a password is never sent in plain text: set tls: starttls or tls, or "
                      "smtp.allow_plain_auth: true for a trusted network")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: a connection that never leaves this machine."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _flag(item: tuple[Any, str]) -> bool:
    """true/false (YAML's booleans, or the words in an environment variable)."""
    value, name = item
    if isinstance(value, bool):
        return value
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if isinstance(value, str) and value.strip().lower() in words:
        return words[value.strip().lower()]
    raise ValueError(f"{name}: expected true or false, got {value!r}")


def _text(item: tuple[Any, str] | None) -> str | None:
    if item is None:
        return None
    value, name = item
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"{name}: expected text, got {value!r}")
    return str(value).strip() or None


def _number(item: tuple[Any, str], kind: type[int] | type[float], low: float, high: float) -> Any:
    value, name = item
    what = "a whole number" if kind is int else "a number"
    if isinstance(value, bool) or (kind is int and isinstance(value, float)):
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected {what}, got {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{name}: {number} is out of range ({low:g}..{high:g})")
    return number


def _tls(item: tuple[Any, str]) -> TlsMode:
    value, name = item
    mode = value.strip().lower() if isinstance(value, str) else value
    if mode not in TLS_MODES:
        raise ValueError(f"{name}: expected none, starttls or tls, got {value!r}")
    return cast(TlsMode, mode)
