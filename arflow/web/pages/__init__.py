"""The web app for people: server-rendered pages (Jinja2), one router per area.

Every page route depends on the caller (``arflow.web.auth``): the menu shows only what a
role may use, but each route checks again on its own.
"""

from __future__ import annotations

from fastapi import APIRouter

from arflow.web.pages import (
    admin,
    bank,
    bank_import,
    bulk,
    contacts,
    credit,
    dashboard,
    policy,
    policy_simulate,
    promises,
    receivable,
    session,
    worklist,
    writeoffs,
)

router = APIRouter(include_in_schema=False)
for area in (session, worklist, bulk, receivable, promises, contacts, writeoffs, credit, policy,
             policy_simulate, dashboard, admin, bank, bank_import):
    router.include_router(area.router)
