"""SMTP authentication is never sent in plain text over a network: a user with ``tls: none``
is refused at settings load (one line naming the setting) unless the host is this machine
or ``allow_plain_auth`` says so, and the notifier refuses to log in just the same."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.smtp import AuthResult

from arflow.settings import SettingsError, load_settings
from notifiers.base import ConfigurationFailure
from notifiers.settings import SmtpSettings
from tests.notifiers.test_smtp import message, send
from tests.smtpserver import MailServer
from tests.test_settings import home_with

LOGIN = {"user": "arflow", "password": "s3cret", "tls": "none"}
REFUSED = ("a password is never sent in plain text: set tls: starttls or tls, or "
           "smtp.allow_plain_auth: true for a trusted network")


def test_a_password_without_tls_to_another_host_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError) as caught:
        SmtpSettings.from_env({"host": "mail.example.com", **LOGIN}, env={})
    assert str(caught.value) == f"smtp.tls: {REFUSED}"
    with pytest.raises(ValueError) as caught:
        SmtpSettings.from_env({"host": "mail.example.com", "tls": "starttls"},
                              env={"ARFLOW_SMTP_TLS": "none", "ARFLOW_SMTP_USER": "arflow",
                                   "ARFLOW_SMTP_PASSWORD": "s3cret"})
    assert str(caught.value) == f"ARFLOW_SMTP_TLS: {REFUSED}"
    with pytest.raises(ValueError, match="^smtp.allow_plain_auth: expected true or false"):
        SmtpSettings.from_env({"host": "mail.example.com", "allow_plain_auth": "maybe"}, env={})


def test_loopback_tls_or_an_explicit_allowance_may_log_in() -> None:
    for host in ("127.0.0.1", "127.8.0.2", "::1", "[::1]", "localhost", "LOCALHOST."):
        assert SmtpSettings.from_env({"host": host, **LOGIN}, env={}) is not None, host
    for tls in ("starttls", "tls"):
        assert SmtpSettings.from_env({"host": "mail.example.com", **LOGIN, "tls": tls}, env={})
    allowed = SmtpSettings.from_env({"host": "mail.example.com", **LOGIN,
                                     "allow_plain_auth": True}, env={})
    assert allowed is not None and allowed.allow_plain_auth
    by_env = SmtpSettings.from_env({"host": "10.0.0.5", **LOGIN},
                                   env={"ARFLOW_SMTP_ALLOW_PLAIN_AUTH": "true"})
    assert by_env is not None and by_env.allow_plain_auth
    # no user: nothing secret to send, nothing to refuse
    assert SmtpSettings.from_env({"host": "mail.example.com", "tls": "none"}, env={})


def test_settings_load_refuses_it_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = home_with(tmp_path, smtp={"host": "mail.example.com", **LOGIN})
    with pytest.raises(SettingsError) as caught:
        load_settings(home)
    assert str(caught.value) == f"settings.yaml smtp.tls: {REFUSED}"


def test_the_notifier_never_logs_in_without_tls_unless_allowed() -> None:
    logins: list[str] = []

    def accept(server: object, session: object, envelope: object, mechanism: str,
               data: object) -> AuthResult:
        logins.append(mechanism)
        return AuthResult(success=True)

    server = MailServer(authenticator=accept, auth_require_tls=False)
    server.start()
    try:
        from notifiers.smtp import SmtpNotifier

        async def go(settings: SmtpSettings) -> None:
            async with SmtpNotifier(settings, local_hostname="arflow.test") as smtp:
                await smtp.send(message())

        # settings built in code (not through from_env) for a host on the network
        remote = SmtpSettings(host="mail.example.com", port=server.port, timeout=5.0, **LOGIN)
        with pytest.raises(ConfigurationFailure, match="never sent in plain text"):
            asyncio.run(go(remote))
        assert logins == [] and server.received == []
        # this machine: the login goes through, and the mail
        send(server.port, message(), **LOGIN)
        assert logins and len(server.received) == 1
    finally:
        server.stop()
