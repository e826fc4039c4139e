"""The one place that touches durable_rules' internals; everything else goes through here.

Why private API at all: ``durable.engine.Host`` starts timer threads that run pending
actions later (every 0.2 s), so after ``assert_fact`` returns some actions may not have
run yet. We need every action run before the fact is retracted and the results are
returned. So the Host below starts no threads (``_run`` overridden), and after each
assert we drain the ruleset's pending actions synchronously, exactly as
``Ruleset.dispatch`` does (``start_action`` + ``_flush_actions``), until none is left.
durable_rules has no locks of its own: every call into it holds ``LOCK``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException, Ruleset

from engine.errors import EngineError

LOCK = threading.RLock()
_MAX_DRAIN = 100_000  # actions per fact; ours only record, so this is never reached


class _QuietHost(Host):
    """A Host without the background dispatch/timer threads."""

    def _run(self) -> None:
        return None


_host: _QuietHost | None = None


def host() -> Host:
    """The process's single Host (rulesets are registered in it by unique name)."""
    global _host
    with LOCK:
        if _host is None:
            _host = _QuietHost()
        return _host


def register(name: str, definition: dict[str, Any]) -> Ruleset:
    """Register a ruleset under a name that must be new to this process."""
    with LOCK:
        try:
            host().register_rulesets({name: definition})
        except Exception as error:  # durable raises bare Exception / its own error type
            raise EngineError(f"durable_rules refused ruleset {name}: {error}") from error
        return host().get_ruleset(name)


def unregister(name: str) -> None:
    """Drop a ruleset from the Host and free it in the engine."""
    with LOCK:
        current = host()
        ruleset = current._ruleset_directory.pop(name, None)
        if ruleset is None:
            return
        current._ruleset_list.remove(ruleset)
        durable_rules_engine.delete_ruleset(ruleset._handle)


def recorder(fired: list[tuple[int, Any]], index: int) -> Callable[[Any], None]:
    """The action of rule ``index``: append (index, fact id) to ``fired``, nothing else."""

    def record(closure: Any) -> None:  # one parameter: durable runs it synchronously
        fired.append((index, closure._m["m"]["id"]))
    return record


class Runner:
    """Asserts one fact, runs every action it triggered, retracts it. Hold LOCK."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self._failure: BaseException | str | None = None

    def _complete(self, error: BaseException | str | None, state: Any) -> None:
        if error:
            self._failure = error

    def run(self, message: dict[str, Any]) -> None:
        ruleset = self.ruleset
        self._failure = None
        try:
            try:
                ruleset.do_actions(ruleset.assert_fact(message), self._complete)
            except MessageNotHandledException:
                pass  # no rule matched: nothing to run, but still retract below
            self._drain()
            ruleset.retract_fact(message)
        except durable_rules_engine.error as error:
            try:  # leave nothing behind in the engine
                ruleset.retract_fact(message)
            except (durable_rules_engine.error, MessageNotHandledException):
                pass
            raise EngineError(f"durable_rules failed on fact {message.get('id')}: {error}"
                              ) from error
        if self._failure is not None:
            raise EngineError(f"a rule action failed on fact {message.get('id')}: "
                              f"{self._failure}")

    def _drain(self) -> None:
        handle = self.ruleset._handle
        for _ in range(_MAX_DRAIN):
            result = durable_rules_engine.start_action(handle)
            if not result:
                return
            self.ruleset._flush_actions(json.loads(result[0]), {"message": json.loads(result[1])},
                                        result[2], self._complete)
        raise EngineError("durable_rules kept producing actions; giving up")
