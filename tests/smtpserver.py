"""A real aiosmtpd server on 127.0.0.1 for the tests: scripted replies, counted
connections, and a fixed port so a test can take it down and bring it up again."""

from __future__ import annotations

import asyncio
import email
import socket
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


def free_port() -> int:
    """A port nothing listens on (closed again at once: connecting to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class ScriptedHandler:
    """Accepts everything except what ``rcpt_replies`` / ``data_reply`` say to refuse."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "550 ..."
    data_reply: str | None = None
    mail_reply: str | None = None  # e.g. "550 5.7.1 sender not allowed"
    received: list[Received] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 queued as 42"


class MailServer(Controller):
    """aiosmtpd in its own thread; ``opened``/``max_open`` count client connections."""

    def __init__(self, handler: ScriptedHandler | None = None, **smtp_kwargs: Any) -> None:
        super().__init__(
            handler or ScriptedHandler(), hostname="127.0.0.1", port=free_port(), **smtp_kwargs
        )
        self.opened = 0
        self.open_now = 0
        self.max_open = 0

    def factory(self) -> SMTP:
        counter = self

        class CountingSMTP(SMTP):
            def connection_made(self, transport: Any) -> None:
                counter.opened += 1
                counter.open_now += 1
                counter.max_open = max(counter.max_open, counter.open_now)
                super().connection_made(transport)

            def connection_lost(self, error: Exception | None) -> None:
                counter.open_now -= 1
                super().connection_lost(error)

        return CountingSMTP(self.handler, **self.SMTP_kwargs)

    def start(self) -> None:
        """Start (again, after ``stop``) on the same port."""
        if self.loop.is_closed():  # stop() closed the old loop: a restart needs a new one
            self.loop = asyncio.new_event_loop()
        super().start()
        # start() made one connection of its own to check the server is up: forget it
        deadline = time.monotonic() + 2
        while self.open_now and time.monotonic() < deadline:
            time.sleep(0.005)
        self.opened = self.max_open = 0

    @property
    def received(self) -> list[Received]:
        return self.handler.received
