"""The contract every notifier keeps, and the one email format they all send.

A notifier delivers one rendered message (``OutgoingMessage``) and says how it went:

- it returns a ``SendReport`` when the message was accepted for at least one recipient
  (``refused`` lists the recipients the server turned away while taking the others);
- it raises ``TransientFailure`` when trying again later may work (connection refused or
  dropped, a timeout, any 4xx reply);
- it raises ``PermanentFailure`` when trying again cannot work (a 5xx refusal of the
  sender, the data or every recipient; failed authentication; a malformed message).

A notifier never retries by itself: the dispatcher owns retries, backoff and giving up,
because only it knows how often a message has been tried. ``send`` may be called
concurrently from up to ``concurrency`` tasks; beyond that calls simply wait their turn.

Every message carries a Message-ID derived from its outbox key, so a resend after a crash
(sent, but the outbox row not yet marked) is recognisably the same message to the
recipient's mail system and to our own file sink.
"""

from __future__ import annotations

import abc
import email.policy
import email.utils
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from types import TracebackType
from typing import Self

__all__ = [
    "Notifier",
    "OutgoingMessage",
    "PermanentFailure",
    "SendReport",
    "TransientFailure",
    "build_email",
    "message_id_for",
]


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered email, ready for any notifier; ``key`` is the outbox row's unique key."""

    key: str
    message_id: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    html: str

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the message hashable and immutable.
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "cc", tuple(self.cc))

    @property
    def recipients(self) -> tuple[str, ...]:
        """Bare envelope addresses of To and Cc, each once, in order."""
        seen: dict[str, None] = {}
        for _, address in email.utils.getaddresses([*self.to, *self.cc]):
            if address:
                seen.setdefault(address, None)
        return tuple(seen)


def message_id_for(key: str, domain: str) -> str:
    """A Message-ID that depends only on the outbox key, so a resend carries the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def build_email(msg: OutgoingMessage, *, date: datetime | None = None) -> EmailMessage:
    """The MIME message: multipart/alternative (text, then html), UTF-8 throughout.

    The default policy encodes non-ASCII headers (RFC 2047) and bodies for us. ``date``
    defaults to now: the Date header says when this attempt was made.
    """
    mail = EmailMessage(policy=email.policy.default)
    mail["From"] = msg.sender
    mail["To"] = ", ".join(msg.to)
    if msg.cc:
        mail["Cc"] = ", ".join(msg.cc)
    mail["Subject"] = msg.subject
    mail["Message-ID"] = msg.message_id
    mail["Date"] = email.utils.format_datetime(date or datetime.now(UTC))
    mail.set_content(msg.text, charset="utf-8")
    mail.add_alternative(msg.html, subtype="html", charset="utf-8")
    return mail


class _Failure(Exception):
    """A send that did not happen; ``reply`` is the server's code and text (or our reason)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class TransientFailure(_Failure):
    """Try again later: the connection failed, timed out, or the server answered 4xx."""


class PermanentFailure(_Failure):
    """Do not try again: the server refused with 5xx, or the message itself is unusable."""


@dataclass
class SendReport:
    """A send that was accepted; ``refused`` maps each turned-away recipient to its reply."""

    refused: dict[str, str] = field(default_factory=dict)
    reply: str = ""


class Notifier(abc.ABC):
    """Delivers outbox messages; see the module docstring for the contract."""

    #: How many ``send`` calls may usefully run at once (the dispatcher sizes its workers).
    concurrency: int = 1

    @abc.abstractmethod
    async def send(self, msg: OutgoingMessage) -> SendReport:
        """Deliver once; raise TransientFailure or PermanentFailure, never retry."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release connections and files; the notifier is unusable afterwards."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
