"""Email with pictures inside: HTML that shows PNG charts by ``cid:`` reference.

Mail clients do not render inline SVG or data: URIs reliably; an image part with a
Content-ID that the HTML names as ``<img src="cid:...">`` they all show. The layout is
the one RFC 2387 intends, and the one that keeps a text-only reader clean:

    multipart/alternative
      text/plain
      multipart/related
        text/html            (refers to cid:ageing@arflow …)
        image/png            (Content-ID: <ageing@arflow>, Content-Disposition: inline)

A ``RichMessage`` is an ``OutgoingMessage`` with images, so every notifier (SMTP, file
sink) sends it unchanged: ``notifiers.base.wire_bytes`` hands it to ``rich_wire_bytes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from notifiers.base import OutgoingMessage, base64_part, envelope, new_boundary

__all__ = ["InlineImage", "RichMessage", "rich_wire_bytes"]

_CID = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$")
_TYPES = frozenset({"image/png", "image/jpeg", "image/gif"})


@dataclass(frozen=True)
class InlineImage:
    """One picture the HTML shows as ``<img src="cid:{cid}">``."""

    cid: str  # "ageing@arflow": no angle brackets
    data: bytes
    filename: str
    mime: str = "image/png"

    def __post_init__(self) -> None:
        if not _CID.match(self.cid):
            raise ValueError(f"bad Content-ID {self.cid!r} (expected name@domain)")
        if self.mime not in _TYPES:
            raise ValueError(f"unsupported image type {self.mime!r}")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", self.filename):
            raise ValueError(f"bad image file name {self.filename!r}")


@dataclass(frozen=True)
class RichMessage(OutgoingMessage):
    """An outgoing message whose HTML refers to inline ``images`` by Content-ID."""

    images: tuple[InlineImage, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "images", tuple(self.images))
        missing = [i.cid for i in self.images if f"cid:{i.cid}" not in self.html]
        if missing:
            raise ValueError(f"images not referenced by the HTML: {', '.join(missing)}")

    def wire(self, *, date: datetime | None = None) -> bytes:
        return rich_wire_bytes(self, date=date) if self.images else super().wire(date=date)


def rich_wire_bytes(msg: RichMessage, *, date: datetime | None = None) -> bytes:
    """The message as sent (same header rules as ``notifiers.base.wire_bytes``)."""
    outer, inner = new_boundary(), new_boundary()
    lines = [
        *envelope(msg, date, f'multipart/alternative; boundary="{outer}"'),
        f"--{outer}",
        *base64_part('text/plain; charset="utf-8"', msg.text.encode("utf-8")),
        f"--{outer}",
        f'Content-Type: multipart/related; type="text/html"; boundary="{inner}"',
        "",
        f"--{inner}",
        *base64_part('text/html; charset="utf-8"', msg.html.encode("utf-8")),
    ]
    for image in msg.images:
        lines += [
            f"--{inner}",
            *base64_part(f'{image.mime}; name="{image.filename}"', image.data,
                   [f"Content-ID: <{image.cid}>",
                    f'Content-Disposition: inline; filename="{image.filename}"']),
        ]
    lines += [f"--{inner}--", f"--{outer}--", ""]
    return "\r\n".join(lines).encode("ascii")
