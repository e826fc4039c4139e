"""A report limited to a set of customers (e.g. the challenger's): one SQL condition that
every query of the report adds, so the figures are computed in the database over that
set alone rather than recomputed in the shell.

The ids are rendered into the SQL as literal integers (``literal_execute``), not bound one
parameter each: a set of 50,000 customers would pass SQLite's parameter limit. A set is
either its ids or every customer but them, so the smaller list is the one written.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class CustomerSet:
    """The customers ``ids`` (or, with ``exclude``, every customer but them)."""

    ids: frozenset[int]
    exclude: bool = False

    @classmethod
    def of(cls, members: Collection[int], others: Collection[int]) -> CustomerSet:
        """``members``, written as whichever list is shorter: them, or all but ``others``."""
        if len(members) <= len(others):
            return cls(frozenset(members))
        return cls(frozenset(others), exclude=True)

    def on(self, column: Any) -> ColumnElement[bool]:
        """The condition that ``column`` (a customer id) is in the set."""
        values = bindparam(None, sorted(self.ids), expanding=True, literal_execute=True)
        return column.not_in(values) if self.exclude else column.in_(values)


def where(customers: CustomerSet | None, column: Any) -> list[ColumnElement[bool]]:
    """No condition for None (every customer), else the set's: for ``.where(*...)``."""
    return [] if customers is None else [customers.on(column)]
