"""The contract every notifier keeps, and the one email format they all send.

A notifier delivers one rendered message (``OutgoingMessage``) and says how it went:

- it returns a ``SendReport`` when the message was accepted for at least one recipient
  (``refused`` lists the recipients the server turned away while taking the others, each
  with its reply: a 4xx reply is temporary, that recipient alone is tried again later);
- it raises ``TransientFailure`` when trying again later may work (connection refused or
  dropped, a timeout, any 4xx reply); ``ServerUnavailable`` when the server could not
  even be reached or did not greet, so every other message would wait the same way;
- it raises ``PermanentFailure`` when trying again cannot work (a 5xx refusal of the
  sender, the data or every recipient; failed authentication; a malformed message).

A failure that refused every recipient carries each one's reply in ``refused``.
``OutgoingMessage.envelope``, when set, limits delivery to those addresses (a retry for
the recipients that have not accepted yet), while the headers still show To and Cc.

A notifier never retries by itself: the dispatcher owns retries, backoff and giving up,
because only it knows how often a message has been tried. ``send`` may be called
concurrently from up to ``concurrency`` tasks; beyond that calls simply wait their turn.

Every message carries a Message-ID derived from its outbox key, so a resend after a crash
(sent, but the outbox row not yet marked) is recognisably the same message to the
recipient's mail system and to our own file sink.
"""

from __future__ import annotations

import abc
import base64
import email.header
import email.policy
import email.utils
import functools
import hashlib
import uuid
from collections.abc import Iterable
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
    "ServerUnavailable",
    "ConfigurationFailure",
    "is_temporary",
    "build_email",
    "wire_bytes",
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
    envelope: tuple[str, ...] = ()  # deliver only to these (bare addresses); () = all
    reply_to: tuple[str, ...] = ()  # where the customer's answer goes (the AR team's box)

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the message hashable and immutable.
        object.__setattr__(self, "reply_to", tuple(self.reply_to))
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "cc", tuple(self.cc))
        object.__setattr__(self, "envelope", tuple(self.envelope))

    @property
    def recipients(self) -> tuple[str, ...]:
        """Bare envelope addresses to deliver to: ``envelope`` if set, else To and Cc,
        each once, in order."""
        return self.envelope or self.addressees

    def wire(self, *, date: datetime | None = None) -> bytes:
        """The message as sent (see ``wire_bytes``); a richer message overrides it."""
        return alternative_bytes(self, date)

    @property
    def addressees(self) -> tuple[str, ...]:
        """Bare addresses of To and Cc, each once, in order (whatever the envelope)."""
        return _bare_addresses((*self.to, *self.cc))


def bare_addresses(values: Iterable[str]) -> tuple[str, ...]:
    """The bare addresses in header values ("Name <a@b>, c@d" -> a@b, c@d), each once."""
    return _bare_addresses(tuple(values))


def is_temporary(reply: str) -> bool:
    """Whether a server reply ("451 4.7.1 greylisted") says to try again later: 4xx."""
    return reply[:1] == "4"


def message_id_for(key: str, domain: str) -> str:
    """A Message-ID that depends only on the outbox key, so a resend carries the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def wire_bytes(msg: OutgoingMessage, *, date: datetime | None = None) -> bytes:
    """The message as sent: multipart/alternative (text, then html), UTF-8, base64 bodies.

    Built by hand rather than with the email package's default policy, which spends ~4 ms a
    message re-folding headers (measured: it capped the dispatcher below 100 messages/s).
    Non-ASCII headers are RFC 2047 encoded-words; CR/LF in a header value are replaced, so
    no header can be injected. ``date`` defaults to now (the Date of this attempt).
    A message with inline images (notifiers/related.py) builds its own (``wire``).
    """
    return msg.wire(date=date)


def alternative_bytes(msg: OutgoingMessage, date: datetime | None) -> bytes:
    """Text and HTML as multipart/alternative: the body of every plain outgoing message."""
    boundary = new_boundary()
    lines = envelope(msg, date, f'multipart/alternative; boundary="{boundary}"')
    for subtype, body in (("plain", msg.text), ("html", msg.html)):
        lines += [f"--{boundary}",
                  *base64_part(f'text/{subtype}; charset="utf-8"', body.encode("utf-8"))]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


def new_boundary() -> str:
    return f"=_{uuid.uuid4().hex}"  # base64 bodies can never contain "=_"


def envelope(msg: OutgoingMessage, date: datetime | None, content_type: str) -> list[str]:
    """The top headers every message carries, and the blank line that ends them."""
    sender = _address_list([msg.sender])
    if not sender:
        raise ValueError(f"invalid sender address {msg.sender!r}")
    return [
        f"From: {sender}",
        f"To: {_address_list(msg.to)}",
        *([f"Cc: {_address_list(msg.cc)}"] if msg.cc else []),
        *([f"Reply-To: {_address_list(msg.reply_to)}"] if msg.reply_to else []),
        f"Subject: {_header_text(msg.subject)}",
        f"Message-ID: {_one_line(msg.message_id)}",
        f"Date: {email.utils.format_datetime(date or datetime.now(UTC))}",
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        "",
    ]


def base64_part(content_type: str, data: bytes, extra: list[str] | None = None) -> list[str]:
    """One MIME part's headers and its base64 body (lines without CRLF)."""
    encoded = base64.encodebytes(data).decode("ascii")
    return [f"Content-Type: {content_type}", "Content-Transfer-Encoding: base64",
            *(extra or []), "", *encoded.splitlines()]


def build_email(msg: OutgoingMessage, *, date: datetime | None = None) -> EmailMessage:
    """The same message, parsed: for tests and for showing it."""
    parsed = email.message_from_bytes(wire_bytes(msg, date=date), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _header_text(value: str) -> str:
    text = _one_line(value)
    if text.isascii():
        return text
    return email.header.Header(text, "utf-8").encode(linesep="\r\n")


def _address_list(values: Iterable[str]) -> str:
    return ", ".join(filter(None, (_formatted(v) for v in values)))


# Address parsing in the email package is slow (~0.1 ms each) and the same few thousand
# addresses come back every day: parse each distinct header value once.
@functools.lru_cache(maxsize=65536)
def _formatted(value: str) -> str:
    pairs = email.utils.getaddresses([_one_line(value)])
    return ", ".join(
        email.utils.formataddr((name, address), charset="utf-8")
        for name, address in pairs
        if address
    )


@functools.lru_cache(maxsize=65536)
def _bare_addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _, address in email.utils.getaddresses(list(values)):
        if address:
            seen.setdefault(address, None)
    return tuple(seen)


class _Failure(Exception):
    """A send that did not happen; ``reply`` is the server's code and text (or our reason);
    ``refused`` each recipient's reply when the server refused them all."""

    def __init__(self, reply: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(reply)
        self.reply = reply
        self.refused = dict(refused or {})


class TransientFailure(_Failure):
    """Try again later: the connection failed, timed out, or the server answered 4xx."""


class ServerUnavailable(TransientFailure):
    """The server could not be reached, or it did not greet in time: every other message
    would wait the same way, so the dispatcher defers this one and ends its run."""


class PermanentFailure(_Failure):
    """Do not try again: the server refused with 5xx, or the message itself is unusable."""


class ConfigurationFailure(PermanentFailure):
    """Not this message's fault: the server refused our sender or our credentials. Every
    other message would fail the same way, so the dispatcher stops and keeps them queued."""


@dataclass
class SendReport:
    """A send that was accepted; ``refused`` maps each turned-away recipient to its reply
    (4xx: that recipient may be tried again; 5xx: never)."""

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
