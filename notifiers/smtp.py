"""Email over SMTP with aiosmtplib, reusing a small pool of connections.

Connecting (TCP, TLS, EHLO, AUTH) costs several round trips, so connections are kept
and reused: at most ``settings.concurrency`` exist at once, a send borrows one, and one
that errors in any way is closed rather than returned (its state is unknown). An idle
connection the server may have dropped is probed with NOOP before reuse, so a stale
socket is never mistaken for a failed send.

How failures are classified (measured with aiosmtplib 5.1, see DESIGN.md):

- ServerUnavailable (a TransientFailure): no connection within ``connect_timeout``
  (refused, unreachable), no greeting within ``greeting_timeout`` (a server that accepts
  and never speaks), a 4xx/5xx greeting, a failed STARTTLS handshake;
- TransientFailure: SMTPServerDisconnected, SMTPTimeoutError (a command unanswered within
  ``command_timeout``), OSError (reset), and any 4xx reply, including 4xx for every
  recipient (greylisting) and a temporary AUTH failure (454);
- PermanentFailure: every recipient refused with 5xx, a 5xx refusal of the sender or the
  data, SMTPAuthenticationError (535), a message aiosmtplib cannot put on the wire.

When only some recipients are refused aiosmtplib does not raise; the refusals come back
in ``SendReport.refused``, each with its own reply, so the dispatcher can try a 4xx
recipient again without sending a second copy to those who accepted. When every
recipient is refused, the failure carries each one's reply too.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import socket
import ssl

from aiosmtplib import (
    SMTP,
    SMTPAuthenticationError,
    SMTPConnectError,
    SMTPException,
    SMTPNotSupported,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)

from notifiers.base import (
    ConfigurationFailure,
    Notifier,
    OutgoingMessage,
    PermanentFailure,
    SendReport,
    ServerUnavailable,
    TransientFailure,
    wire_bytes,
)
from notifiers.settings import PLAIN_AUTH_REFUSED, SmtpSettings

__all__ = ["SmtpNotifier", "classify"]

Failure = TransientFailure | PermanentFailure


class SmtpNotifier(Notifier):
    """Sends through one SMTP server; safe for ``settings.concurrency`` concurrent sends.

    Its connections belong to the event loop that opened them: use one notifier per loop
    (``async with SmtpNotifier(...)`` around a dispatcher run).
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        probe_after: float = 5.0,
    ) -> None:
        self.settings = settings
        self.concurrency = settings.concurrency
        self._tls_context = tls_context
        self._local_hostname = local_hostname
        self._probe_after = probe_after  # seconds idle before a reused connection gets NOOP
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._idle: list[tuple[SMTP, float]] = []  # (client, loop time it was returned)
        self._closed = False

    async def send(self, msg: OutgoingMessage) -> SendReport:
        if self._closed:
            raise RuntimeError("SmtpNotifier is closed")
        sender = _bare_sender(msg.sender)
        if not sender:
            raise PermanentFailure(f"invalid sender address {msg.sender!r}")
        if not msg.recipients:
            raise PermanentFailure(f"no recipient address in {msg.to!r}")
        try:
            data = wire_bytes(msg)
        except ValueError as exc:
            raise PermanentFailure(f"invalid message: {exc}") from exc
        recipients = list(msg.recipients)
        options = [] if all(a.isascii() for a in (sender, *recipients)) else ["SMTPUTF8"]
        async with self._slots:
            client = await self._checkout()
            try:
                errors, reply = await client.sendmail(
                    sender, recipients, data, mail_options=options
                )
            except Exception as exc:
                client.close()
                failure = classify(exc)
                if failure is None:
                    raise
                raise failure from exc
            except BaseException:  # cancelled mid-conversation: the connection is unusable
                client.close()
                raise
            self._checkin(client)
        refused = {address: _reply(r.code, r.message) for address, r in errors.items()}
        return SendReport(refused=refused, reply=reply)

    async def aclose(self) -> None:
        """Say QUIT on idle connections; ones still sending are closed when they return."""
        self._closed = True
        idle, self._idle = self._idle, []
        for client, _ in idle:
            try:
                await client.quit(timeout=min(5.0, self.settings.command_seconds))
            except (SMTPException, OSError):
                pass
            finally:
                client.close()

    async def _checkout(self) -> SMTP:
        """An idle connection that still answers, or a new one."""
        now = asyncio.get_running_loop().time()
        while self._idle:
            client, since = self._idle.pop()
            if not client.is_connected:
                client.close()
                continue
            if now - since > self._probe_after:
                try:
                    await client.noop()
                except (SMTPException, OSError):
                    client.close()
                    continue
            return client
        return await self._connect()

    def _checkin(self, client: SMTP) -> None:
        if self._closed or not client.is_connected:
            client.close()
        else:
            self._idle.append((client, asyncio.get_running_loop().time()))

    async def _connect(self) -> SMTP:
        """A new, greeted (and, as configured, encrypted and logged-in) connection.

        The TCP connection is opened here, within ``connect_timeout``, and handed to
        aiosmtplib, which then waits at most ``greeting_timeout`` for the 220 (and the
        TLS handshake); every later command waits at most ``command_timeout``.
        """
        s = self.settings
        if s.plain_auth_refused:  # settings made without from_env: the same refusal
            raise ConfigurationFailure(f"{s.host}:{s.port}: {PLAIN_AUTH_REFUSED}")
        sock = await self._open_socket()
        client = SMTP(
            hostname=s.host,
            sock=sock,
            port=None,
            username=s.user,
            password=s.password,
            timeout=s.command_seconds,
            use_tls=s.tls == "tls",
            start_tls=s.tls == "starttls",  # False, not None: no opportunistic upgrade
            tls_context=self._tls_context,
            local_hostname=self._local_hostname,
        )
        try:
            await client.connect(timeout=s.greeting_seconds)
        except Exception as exc:
            client.close()
            sock.close()
            failure = classify(exc)
            if failure is None:
                raise
            if isinstance(failure, TransientFailure) and not client.is_connected:
                failure = ServerUnavailable(f"{s.host}:{s.port}: {failure.reply}")
            raise failure from exc
        return client

    async def _open_socket(self) -> socket.socket:
        """A connected TCP socket to the server, or ServerUnavailable after connect_timeout."""
        s = self.settings
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(s.host, s.port, type=socket.SOCK_STREAM), s.connect_seconds
            )
        except (TimeoutError, OSError) as exc:
            raise ServerUnavailable(f"{s.host}:{s.port}: cannot resolve: {exc}") from exc
        problem = ""
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            try:
                await asyncio.wait_for(loop.sock_connect(sock, address), s.connect_seconds)
                return sock
            except TimeoutError:
                problem = f"no connection within {s.connect_seconds:g} s"
            except OSError as exc:
                problem = exc.strerror or str(exc)
            sock.close()
        raise ServerUnavailable(f"{s.host}:{s.port}: {problem or 'no address'}")


def classify(exc: BaseException) -> Failure | None:
    """The failure an aiosmtplib/socket error means, or None for an unexpected error (a bug)."""
    if isinstance(exc, SMTPRecipientsRefused):
        refused = {r.recipient: _reply(r.code, r.message) for r in exc.recipients}
        text = "; ".join(dict.fromkeys(refused.values()))
        if any(400 <= r.code < 500 for r in exc.recipients):
            return TransientFailure(text, refused)
        return PermanentFailure(text, refused)
    if isinstance(exc, SMTPConnectError | SMTPServerDisconnected | SMTPTimeoutError | OSError):
        if isinstance(exc, SMTPResponseException):  # e.g. a 554 greeting
            return TransientFailure(_reply(exc.code, exc.message))
        return TransientFailure(str(exc) or type(exc).__name__)
    if isinstance(exc, SMTPResponseException):  # sender, data, helo, auth refusals
        reply = _reply(exc.code, exc.message)
        if 500 <= exc.code < 600 and isinstance(exc, SMTPSenderRefused | SMTPAuthenticationError):
            return ConfigurationFailure(reply)  # our From or our login: fix the settings
        if 500 <= exc.code < 600:
            return PermanentFailure(reply)
        return TransientFailure(reply)  # 4xx, or a reply code that makes no sense
    if isinstance(exc, SMTPNotSupported | ValueError):  # e.g. a non-ASCII address
        return PermanentFailure(str(exc))
    if isinstance(exc, SMTPException):  # e.g. STARTTLS or AUTH not offered: fix the config
        return TransientFailure(str(exc))
    return None


def _reply(code: int | None, message: str) -> str:
    """The server's reply as one line: "550 5.1.1 mailbox unavailable"."""
    text = " ".join(message.split())
    return f"{code} {text}" if code is not None and code > 0 else text


@functools.lru_cache(maxsize=256)
def _bare_sender(value: str) -> str:
    """The envelope sender of a From value (the same for every message: parse it once)."""
    return email.utils.parseaddr(value)[1]
