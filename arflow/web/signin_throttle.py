"""Sign-in throttling: failed attempts counted per account and per client address.

After ``signin_failures_per_account`` failures on one account (from any address), or
``signin_failures_per_address`` failures from one address (on any account), within
``signin_window_minutes``, further attempts are refused (429 with Retry-After) *before*
the password is checked, so a guesser costs the server no Argon2 at all.

The counts are the ``limits`` library's moving window in memory storage: **per process**.
N ``arflow serve`` processes behind one address give an attacker N times the budget (a
shared storage would fix that; the budget is small enough that N of it is still slow).

Attempts still being checked count too (``in_flight``): 60 wrong passwords sent at once
for one account run Argon2 at most ``signin_failures_per_account`` times, not 60.
A success clears the account's own count; it leaves the address's count alone, and it
never counts against the address (an office behind one address signs in all day).
Unknown account names are counted exactly as known ones (the same answer: no
enumeration). Account names are keyed by a digest, so a long name costs no memory.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from arflow.settings import WebSettings


class TooManyAttempts(Exception):
    """Refused before the password is checked; ``retry_after``: seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class Attempt:
    """One sign-in being checked: the caller says how it ended. One that never got its
    password checked (the checks were busy) counts for nothing."""

    outcome: str = "unchecked"

    def failed(self) -> None:
        self.outcome = "failed"

    def succeeded(self) -> None:
        self.outcome = "succeeded"


class SigninThrottle:
    """The two budgets of one process (module docstring); one per app, made on first use
    (``for_app``)."""

    def __init__(self, web: WebSettings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._account = RateLimitItemPerMinute(web.signin_failures_per_account,
                                               web.signin_window_minutes)
        self._address = RateLimitItemPerMinute(web.signin_failures_per_address,
                                               web.signin_window_minutes)
        self._window = web.signin_window_minutes * 60
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @staticmethod
    def _account_key(name: str) -> str:
        return hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:32]

    def _room(self, kind: str, item: RateLimitItemPerMinute, key: str) -> float | None:
        """None when one more attempt fits, else the seconds until one does."""
        stats = self._limiter.get_window_stats(item, kind, key)
        if stats.remaining - self._in_flight[(kind, key)] > 0:
            return None
        if stats.remaining > 0:  # full of attempts still being checked: soon
            return 1.0
        return max(1.0, stats.reset_time - time.time())

    @contextmanager
    def attempt(self, name: str, address: str) -> Iterator[Attempt]:
        """Around one password check: raises ``TooManyAttempts`` (nothing checked) when
        either budget is spent; otherwise the body reports ``failed()`` (counted on both
        budgets) or ``succeeded()`` (the account's count cleared) on what it is given."""
        keys = [("account", self._account, self._account_key(name)),
                ("address", self._address, address or "-")]
        with self._lock:
            waits = [w for w in (self._room(k, item, key) for k, item, key in keys)
                     if w is not None]
            if waits:
                raise TooManyAttempts(min(self._window, math.ceil(max(waits))))
            for kind, _, key in keys:
                self._in_flight[(kind, key)] += 1
        outcome = Attempt()
        try:
            yield outcome
        finally:
            with self._lock:
                for kind, item, key in keys:
                    self._in_flight[(kind, key)] -= 1
                    if not self._in_flight[(kind, key)]:
                        del self._in_flight[(kind, key)]
                    if outcome.outcome == "failed":
                        self._limiter.hit(item, kind, key)
                if outcome.outcome == "succeeded":
                    self._limiter.clear(self._account, "account", keys[0][2])


def for_app(app: object) -> SigninThrottle:
    """The app's throttle (``app.state.signin_throttle``), made from its settings."""
    state = app.state  # type: ignore[attr-defined]
    found = getattr(state, "signin_throttle", None)
    if found is None:
        with _MAKING:
            found = getattr(state, "signin_throttle", None)
            if found is None:
                found = state.signin_throttle = SigninThrottle(state.settings.web)
    return found  # type: ignore[no-any-return]


_MAKING = threading.Lock()
