"""Errors of the engine: a bad policy names file:line, a bad fact names its id.

A policy load collects every problem it can find, so a credit manager fixes a file
in one pass instead of one error per attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """Where something was written: a file and a 1-based line (0: the file as a whole)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


Args = tuple[tuple[str, str], ...]  # a message's named values, e.g. (("stage", "legal"),)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a policy, printed as ``file:line: message``.

    ``message`` is the English text (CLI, logs); ``code`` and ``args``, when set, let the
    web app show the same problem from its own catalog in the user's language.
    """

    file: str
    line: int
    message: str
    code: str | None = None
    args: Args = ()

    @classmethod
    def at(cls, where: Location, message: str, code: str | None = None,
           args: Args = ()) -> Problem:
        return cls(where.file, where.line, message, code, args)

    @property
    def values(self) -> dict[str, str]:
        """``args`` as keyword arguments for a message template."""
        return dict(self.args)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(Exception):
    """A policy that cannot be used; ``problems`` lists everything found, in file order."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        unique = list(dict.fromkeys(problems))
        self.problems: list[Problem] = sorted(unique, key=lambda p: (p.file, p.line))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class FactError(ValueError):
    """A fact dict handed to the engine has a value of the wrong type (a caller's bug)."""


class EngineError(RuntimeError):
    """durable_rules refused an operation; the message says which fact and why."""
