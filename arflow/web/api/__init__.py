"""The REST API under /api/v1: one router per resource (orders and health live beside it
in arflow/web/ from issue 4)."""

from __future__ import annotations

from fastapi import APIRouter

from arflow.web.api import (
    actions,
    bank,
    contacts,
    customers,
    interest,
    payments,
    promises,
    rates,
    receivables,
    statements,
    tasks,
    warnings,
    writeoffs,
)

router = APIRouter()
for module in (customers, contacts, receivables, payments, tasks, actions, promises, warnings,
               writeoffs, interest, statements, bank, rates):
    router.include_router(module.router)
