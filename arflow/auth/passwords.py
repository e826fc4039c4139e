"""Password hashing with argon2-cffi (Argon2id, the library's maintained defaults).

``hash_password`` is the ``hasher`` the shells hand to workflows/people.py. A password
is checked on the web through ``PasswordChecks``: Argon2 takes 64 MiB and most of a CPU
for a moment, so only a few run at once, in their own threads, never in the thread pool
every other request is served from."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workflows.errors import Invalid

_HASHER = PasswordHasher()
MIN_LENGTH = 8


class WeakPassword(Invalid):
    """A password too short to be set (a ValueError, as every ``Invalid`` is)."""

    code = "weak_password"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="password")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed or empty hash never matches."""
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# verified against when the user does not exist, so a wrong name costs as long as a wrong
# password (no user enumeration by timing)
DUMMY_HASH = _HASHER.hash("not-a-real-password")


class ChecksBusy(Exception):
    """Every password-check worker is busy and the short queue behind them is full."""


class PasswordChecks:
    """At most ``workers`` password checks at once (``settings.web.password_checks``), in
    a dedicated ``ThreadPoolExecutor``; up to ``queue`` more wait their turn and any
    beyond that are refused at once (``ChecksBusy``) rather than piling up. Awaiting a
    check holds no thread of the shared pool, so a flood of sign-ins leaves every other
    request its threads (and the server its memory: ``workers`` x 64 MiB)."""

    def __init__(self, workers: int, queue: int | None = None) -> None:
        self.workers = workers
        self.queue = 8 * workers if queue is None else queue
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="password-check")
        self._admitted = 0  # running or waiting
        self._lock = threading.Lock()

    async def verify(self, stored_hash: str, password: str) -> bool:
        """``verify_password`` in a worker of its own; ``ChecksBusy`` when full."""
        with self._lock:
            if self._admitted >= self.workers + self.queue:
                raise ChecksBusy("the server is busy checking passwords: try again")
            self._admitted += 1
        # released when the check ends, not when its caller stops waiting (a client that
        # hangs up does not stop a check already queued)
        job = self._executor.submit(_verify, stored_hash, password)
        job.add_done_callback(self._release)
        return await asyncio.wrap_future(job)

    def _release(self, _job: object) -> None:
        with self._lock:
            self._admitted -= 1


def _verify(stored_hash: str, password: str) -> bool:
    return verify_password(stored_hash, password)  # looked up at call time (tests count it)
