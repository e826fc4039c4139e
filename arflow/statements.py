"""The statement maker as every shell builds it: the letterhead and bank accounts from
settings ``mail``, the ageing buckets from ``reports``, interest from the policy."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from arflow.settings import Settings
from ledger.db import Engine
from notifiers.statement import StatementMaker, StatementPdf


def sender(settings: Settings) -> dict[str, Any]:
    """Settings ``mail`` as the statement and the templates read it."""
    mail = settings.mail
    return {**mail.details, "bank_accounts": {
        currency: dataclasses.asdict(account) for currency, account in mail.bank_accounts.items()}}


def maker(settings: Settings, engine: Engine, policy: Any = None) -> StatementMaker:
    """``policy``: the loaded policy, for its interest terms (None: no interest shown)."""
    return StatementMaker(engine=engine, sender=sender(settings),
                          buckets=settings.reports.ageing_buckets,
                          interest_terms=getattr(policy, "interest", None))


@dataclass
class PolicyStatements:
    """A maker for the dispatcher: the policy (for its interest terms) is read when the
    first statement is built, so a run with no ``attach: statement`` never loads it."""

    settings: Settings
    engine: Engine
    _maker: StatementMaker | None = field(default=None, init=False, repr=False)

    def for_customer(self, customer_id: int, as_of: date) -> StatementPdf | None:
        if self._maker is None:
            from arflow.runtime import load_policy_in_force

            self._maker = maker(self.settings, self.engine,
                                load_policy_in_force(self.settings, self.engine))
        return self._maker.for_customer(customer_id, as_of)
