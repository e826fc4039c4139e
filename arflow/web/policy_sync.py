"""Follow policies published by other arflow processes sharing the database.

Publishing replaces ``app.state.policy`` in the process that published; every other
process finds the newer version here, at most ``EVERY`` seconds late, with one indexed
query (cheap enough for a dependency of the order check).
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi import FastAPI

from ledger.db import Session

log = logging.getLogger("arflow.web")
EVERY = 5.0
_lock = threading.Lock()


def follow_published(app: FastAPI) -> None:
    from engine import PolicyError, load_policy_texts
    from ledger.policy_store import last_published

    now = time.monotonic()
    if now - getattr(app.state, "policy_checked_at", 0.0) < EVERY:
        return
    with _lock:
        if now - getattr(app.state, "policy_checked_at", 0.0) < EVERY:
            return
        app.state.policy_checked_at = now
        seen = getattr(app.state, "policy_published_seen", None)
        with Session(app.state.engine) as session:
            found = last_published(session)
        latest = found[0] if found is not None else ""
        app.state.policy_published_seen = latest
        current = app.state.policy
        if seen is None and current is not None:
            return  # first look after start: the files loaded at start stay in force
        if found is None or latest == seen or (current is not None and current.hash == latest):
            return
        try:
            app.state.policy = load_policy_texts(found[1])
            log.info("policy %s published elsewhere: now in force here", found[0][:12])
        except PolicyError as exc:  # an engine that no longer accepts it: keep ours
            log.error("published policy %s does not load here: %s", found[0][:12], exc)
