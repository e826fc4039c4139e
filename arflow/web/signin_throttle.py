"""Sign-in throttling: failed attempts counted per account and per client address.

After ``signin_failures_per_account`` failures on one account (from any address), or
``signin_failures_per_address`` failures from one address (on any account), within
``signin_window_minutes``, further attempts are refused (429 with Retry-After) *before*
the password is checked, so a guesser costs the server no Argon2 at all.

The counts are the ``limits`` library's moving window in memory storage: **per process**.
N ``arflow serve`` processes behind one address give an attacker N times the budget (a
shared storage would fix that; the budget is small enough that N of it is still slow).

An attacker elsewhere must not be able to lock a person out by spending their account's
budget (OWASP's device cookie idea, keyed by address): an address from which the
account signed in successfully within ``KNOWN_FOR`` (30 days) is *known* for it, and its
attempts on that account are not held to the per-account limit (only to the per-address
one). Everyone else still is: five wrong passwords from anywhere lock the account for
every other address, not for the user at their usual place. Known addresses are per
process too (a restart forgets them; the next success there remembers it again).

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

KNOWN_FOR = 30 * 24 * 3600  # seconds an address stays known for an account after a success


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
    """The two budgets of one process (module docstring); one per app
    (``app.state.signin_throttle``, made by create_app)."""

    def __init__(self, web: WebSettings) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._account = RateLimitItemPerMinute(web.signin_failures_per_account,
                                               web.signin_window_minutes)
        self._address = RateLimitItemPerMinute(web.signin_failures_per_address,
                                               web.signin_window_minutes)
        self._window = web.signin_window_minutes * 60
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._known: dict[tuple[str, str], float] = {}  # (account, address): last success
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

    def _is_known(self, account: str, address: str, now: float) -> bool:
        return bool(address) and now - self._known.get((account, address), -KNOWN_FOR) < KNOWN_FOR

    def _remember(self, account: str, address: str, now: float) -> None:
        """A success from ``address``: known for ``account`` (the expired ones dropped)."""
        if not address:
            return
        self._known = {pair: at for pair, at in self._known.items() if now - at < KNOWN_FOR}
        self._known[(account, address)] = now

    @contextmanager
    def attempt(self, name: str, address: str) -> Iterator[Attempt]:
        """Around one password check: raises ``TooManyAttempts`` (nothing checked) when
        a budget it is held to is spent (the account's is not, from an address known for
        it); otherwise the body reports ``failed()`` (counted on both budgets) or
        ``succeeded()`` (the account's count cleared, the address known) on what it is
        given."""
        account = self._account_key(name)
        keys = [("account", self._account, account), ("address", self._address, address or "-")]
        with self._lock:
            held = keys[1:] if self._is_known(account, address, time.time()) else keys
            waits = [w for w in (self._room(k, item, key) for k, item, key in held)
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
                    self._limiter.clear(self._account, "account", account)
                    self._remember(account, address, time.time())
