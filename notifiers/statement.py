"""A customer's statement of account, read and laid out: what the CLI, the web page, the API
and the dispatcher (a reminder step's ``attach: statement``) all call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.db import Engine, session_scope
from ledger.reads import statement as reads
from ledger.reports.buckets import Bucket
from notifiers import statement_pdf
from notifiers.statement_labels import file_name


@dataclass(frozen=True)
class StatementPdf:
    """One built statement: its bytes and the file name it goes by."""

    code: str
    filename: str
    data: bytes


@dataclass(frozen=True)
class StatementMaker:
    """Builds statements with the settings' letterhead and buckets and the policy's
    interest terms (None: the policy charges none)."""

    engine: Engine
    sender: Mapping[str, Any]
    buckets: Sequence[Bucket]
    interest_terms: Any = None

    def for_code(self, code: str, as_of: date) -> StatementPdf | None:
        """Customer ``code``'s statement as of ``as_of``; None if there is no such customer."""
        with session_scope(self.engine) as session:
            found = reads.customer_id(session, code)
        return None if found is None else self.for_customer(found, as_of)

    def for_customer(self, customer_id: int, as_of: date) -> StatementPdf | None:
        with session_scope(self.engine) as session:
            data = reads.statement(session, customer_id, as_of, self.buckets,
                                   self.interest_terms)
        if data is None:
            return None
        pdf = statement_pdf.render(data, self.sender)
        return StatementPdf(data.code, file_name(data.code, as_of, data.language), pdf)
