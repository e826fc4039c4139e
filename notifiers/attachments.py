"""Email with files attached (a statement of account as PDF): the rendered text and HTML as
usual, the files after them, the layout every mail client shows as attachments:

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
      application/pdf     (Content-Disposition: attachment; filename*=UTF-8''对账单-….pdf)

A file name that is not ASCII is given as RFC 2231 ``filename*`` (and RFC 2047 in the
Content-Type's ``name`` for Outlook). Same header rules as ``notifiers.base.wire_bytes``.
"""

from __future__ import annotations

import email.header
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from notifiers.base import OutgoingMessage, base64_part, envelope, new_boundary

__all__ = ["Attachment", "MessageWithAttachments"]

_TYPES = frozenset({"application/pdf"})


@dataclass(frozen=True)
class Attachment:
    """One attached file."""

    filename: str
    data: bytes
    mime: str = "application/pdf"

    def __post_init__(self) -> None:
        if self.mime not in _TYPES:
            raise ValueError(f"unsupported attachment type {self.mime!r}")
        if not self.filename or re.search(r'[\x00-\x1f"\\/]', self.filename):
            raise ValueError(f"bad attachment file name {self.filename!r}")

    def headers(self) -> tuple[str, list[str]]:
        """(Content-Type, [Content-Disposition]) naming the file: an ASCII name as it is; any
        other as RFC 2231 ``filename*`` (what readers take first) and, for Outlook, an RFC 2047
        ``name`` on the Content-Type."""
        if self.filename.isascii():
            return (f'{self.mime}; name="{self.filename}"',
                    [f'Content-Disposition: attachment; filename="{self.filename}"'])
        encoded = " ".join(email.header.Header(self.filename, "utf-8").encode().split())
        return (f'{self.mime}; name="{encoded}"',
                [f"Content-Disposition: attachment; filename*=UTF-8''{quote(self.filename)}"])


@dataclass(frozen=True)
class MessageWithAttachments(OutgoingMessage):
    """An outgoing message carrying ``attachments`` (none: the plain message)."""

    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "attachments", tuple(self.attachments))

    def wire(self, *, date: datetime | None = None) -> bytes:
        return mixed_bytes(self, date) if self.attachments else super().wire(date=date)


def mixed_bytes(msg: MessageWithAttachments, date: datetime | None) -> bytes:
    outer, inner = new_boundary(), new_boundary()
    lines = [
        *envelope(msg, date, f'multipart/mixed; boundary="{outer}"'),
        f"--{outer}",
        f'Content-Type: multipart/alternative; boundary="{inner}"',
        "",
    ]
    for subtype, body in (("plain", msg.text), ("html", msg.html)):
        lines += [f"--{inner}",
                  *base64_part(f'text/{subtype}; charset="utf-8"', body.encode("utf-8"))]
    lines.append(f"--{inner}--")
    for attachment in msg.attachments:
        content_type, extra = attachment.headers()
        lines += [f"--{outer}", *base64_part(content_type, attachment.data, extra)]
    lines += [f"--{outer}--", ""]
    return "\r\n".join(lines).encode("ascii")
