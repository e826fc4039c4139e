"""The dates arflow works with: a day from outside (a query, a form, a body, an option)
outside these bounds is refused where it is read, in the shell.

Why: ages, due dates and month ends are computed by adding and subtracting days, and
Python's ``date`` stops at 0001-01-01 and 9999-12-31, so ``as_of=9999-12-31`` was an
OverflowError (a 500) deep in a report. No invoice of a living business is dated outside
these two centuries, and the margin keeps every computation (a year back, a few years
ahead) inside ``date``'s range.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def outside(day: date) -> str | None:
    """Why ``day`` is refused (without the field's name), None when it is in range."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is outside the dates arflow works with ({FIRST_DAY} to {LAST_DAY})"


def _bounded(day: date) -> date:
    """pydantic's check of a ``Day``: a 422 ``invalid_date`` naming the field (errors.py)."""
    reason = outside(day)
    if reason is not None:
        raise PydanticCustomError("invalid_date", "{reason}", {"reason": reason})
    return day


# a day read from a query, a path or a body in the web shell: ``as_of: Day | None = None``
Day = Annotated[date, AfterValidator(_bounded)]
