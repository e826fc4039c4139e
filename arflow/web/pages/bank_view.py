"""What the /bank page shows: the lines of a view (the queue: proposed, then unmatched;
or one status), each with its proposals grouped by option and every reason said in the
reader's language (engine/bank_match.explain over the match's ``{key, params}``).

Formatting only: the lines come from ledger/reads/bank.py (the rows `arflow bank lines`
prints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.bank_match import explain
from ledger.db import Session
from ledger.reads import bank as reads

VIEWS = ("queue", "proposed", "unmatched", "applied")
LIMIT = 50  # lines per status on a page (the API and the CLI page through all of them)


@dataclass(frozen=True)
class MatchView:
    """A match as the page shows it: the read's row and its reason in the reader's
    language."""

    match: reads.MatchRow
    reason: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.match, name)


@dataclass
class Option:
    """Proposals applied together: one transfer paying two invoices is one option."""

    number: int
    matches: list[MatchView]

    @property
    def amount(self) -> Decimal:
        return sum((m.match.amount for m in self.matches), Decimal("0"))

    @property
    def confidence(self) -> Decimal:
        return min(m.match.confidence for m in self.matches)

    @property
    def reason(self) -> str | None:
        """The reason when every proposal of the option gives the same (said once)."""
        reasons = {m.reason for m in self.matches}
        return reasons.pop() if len(reasons) == 1 else None


@dataclass
class LineView:
    line: reads.LineRow
    options: list[Option] = field(default_factory=list)  # the proposals waiting
    applied: list[MatchView] = field(default_factory=list)  # what was applied

    @property
    def id(self) -> int:
        return self.line.id

    @property
    def widest(self) -> int:
        """The most invoices one option pays (the split form shows at least as many rows)."""
        return max((len(o.matches) for o in self.options), default=0)


@dataclass
class Section:
    status: str  # proposed | unmatched | applied
    lines: list[LineView]
    total: int
    offset: int
    limit: int = LIMIT

    @property
    def prev(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset else None

    @property
    def next(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None


@dataclass
class Page:
    sections: list[Section]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)


def reason_in(match: reads.MatchRow, language: str) -> str:
    """The match's reason in ``language``; the stored English one when it has no key (a
    credit a person left, a reason of an older matcher)."""
    if not match.reason_key:
        return match.reason
    try:
        return explain(match.reason_key, match.reason_params, language)
    except (KeyError, ValueError, TypeError, IndexError):  # params of another shape
        return match.reason


def _view(line: reads.LineRow, language: str) -> LineView:
    view = LineView(line=line)
    by_option: dict[int, list[MatchView]] = {}
    for match in line.matches:
        shown = MatchView(match, reason_in(match, language))
        if match.state == "applied":
            view.applied.append(shown)
        elif match.state == "proposed":
            by_option.setdefault(match.option, []).append(shown)
    view.options = [Option(number, matches) for number, matches in sorted(by_option.items())]
    return view


def queue(db: Session, view: str, offset: int, language: str) -> Page:
    """The sections of ``view``: the queue is the proposed lines, then the unmatched ones
    (the first page of each); one status pages from ``offset``."""
    statuses = ("proposed", "unmatched") if view == "queue" else (view,)
    start = 0 if view == "queue" else offset
    sections = []
    for status in statuses:
        rows, total = reads.listing(db, status=status, limit=LIMIT, offset=start)
        sections.append(Section(status=status, lines=[_view(r, language) for r in rows],
                                total=total, offset=start))
    return Page(sections=sections)
