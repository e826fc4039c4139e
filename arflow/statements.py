"""The statement maker as every shell builds it: the letterhead and bank accounts from
settings ``mail``, the ageing buckets from ``reports``, interest from the policy."""

from __future__ import annotations

import dataclasses
from typing import Any

from arflow.settings import Settings
from ledger.db import Engine
from notifiers.statement import StatementMaker


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
