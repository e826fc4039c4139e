"""The refusals every workflow command may answer with, typed, in one place.

A command that cannot do what was asked raises one of these; nothing it began is kept
(the shell's transaction rolls back). Each shell maps them in one place: the CLI to one
line and exit 2 (arflow/cli/context.refusals), the API to ``{"error": {code, message,
field}}`` with the status below and the pages to a message (arflow/web/errors.py).

They subclass the built-in errors the shells caught before (``LookupError`` for a missing
thing, ``ValueError`` for a refusal or bad input, ``PermissionError`` for a right the
person lacks), so older callers keep working while each moves to the typed form.
"""

from __future__ import annotations

__all__ = ["Forbidden", "Invalid", "NotFound", "Refusal", "Refused"]


class Refusal(Exception):
    """A workflow said no; ``code`` is stable (scripts and the API rely on it)."""

    code = "refused"
    status = 409  # the HTTP status the API answers with

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(Refusal, LookupError):
    """No such thing (or none the person may see: the answer is the same)."""

    code = "not_found"
    status = 404


class Refused(Refusal, ValueError):
    """The thing exists but cannot change that way now (a closed task, a paid invoice)."""

    code = "refused"
    status = 409


class Invalid(Refusal, ValueError):
    """The input is wrong; ``field`` names it (a form shows the message beside it)."""

    code = "invalid_input"
    status = 422


class Forbidden(Refusal, PermissionError):
    """The person's role does not allow this."""

    code = "forbidden"
    status = 403
