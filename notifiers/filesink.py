"""The embedded default: each message becomes ``<folder>/<safe key>.eml`` (var/outbox/).

No server is needed, so arflow works on a fresh machine, and the files open in any mail
client. The file name comes from the outbox key, so a resend after a crash overwrites
the same file instead of adding a duplicate; writing a temp file and renaming it means a
reader never sees half a message.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

from notifiers.base import (
    Notifier,
    OutgoingMessage,
    PermanentFailure,
    SendReport,
    TransientFailure,
    wire_bytes,
)

__all__ = ["FileSink", "safe_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_NAME = 120


def safe_name(key: str) -> str:
    """A portable file stem for ``key``: itself if already safe, else cleaned plus a hash.

    The hash keeps two keys that clean to the same text (``a:b``, ``a/b``) apart.
    """
    cleaned = _UNSAFE.sub("_", key)
    if cleaned == key and key and not key.startswith(".") and len(key) <= _MAX_NAME:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{cleaned.lstrip('.')[: _MAX_NAME - 13]}-{digest}"


class FileSink(Notifier):
    """Writes messages as .eml files; every recipient counts as accepted."""

    concurrency = 4

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, key: str) -> Path:
        """Where the message with this outbox key is (or will be) written."""
        return self.folder / f"{safe_name(key)}.eml"

    async def send(self, msg: OutgoingMessage) -> SendReport:
        if not msg.recipients:  # as SMTP would: the dispatcher learns the same either way
            raise PermanentFailure(f"no recipient address in {msg.to!r}")
        data = wire_bytes(msg)
        try:
            await asyncio.to_thread(self._write, self.path_for(msg.key), data)
        except OSError as exc:  # disk full, permissions: may well be fixed by a retry
            raise TransientFailure(f"cannot write {self.path_for(msg.key)}: {exc}") from exc
        return SendReport()

    async def aclose(self) -> None:
        """Nothing to release: every file is complete when send() returns."""

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
