"""The probes: ``GET /api/v1/health`` and ``GET /healthz`` (the process answers, no
database round trip) and ``GET /readyz`` (it can do its work: the database answers, its
schema is at the newest migration, a policy is in force).

No sign-in: a load balancer or an orchestrator asks them. A failed readiness check says
which check failed but not the database's own message (host names and ports stay in the
log, not on an open URL).
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ledger.db import DBAPIError
from ledger.migrate import current_revision, head_revision

log = logging.getLogger("arflow.web.health")
router = APIRouter(tags=["service"])  # under /api/v1 (arflow/web/app.py)
probes = APIRouter(include_in_schema=False)  # at the root (arflow/web/observability.py)
OK = "ok"
NOT_CHECKED = "not checked"  # the migrations, when the database does not answer


class Health(BaseModel):
    status: Literal["ok"]


@router.get("/health", response_model=Health)
def health() -> dict[str, str]:
    return {"status": "ok"}


@probes.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: answered on the event loop itself, not the thread pool, so a pool busy with
    slow requests does not make a live process look dead."""
    return {"status": "ok"}


@probes.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """200 when every check is ``ok``; else 503 naming the failed ones."""
    checks = {"database": OK, "migrations": OK, "policy": OK}
    try:
        revision = current_revision(request.app.state.engine)  # the trivial query
    except (DBAPIError, OSError) as exc:
        log.info("readiness: the database does not answer (%s)",
                    str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
        checks["database"] = "unreachable"
        checks["migrations"] = NOT_CHECKED
    else:
        head = head_revision()
        if revision != head:
            checks["migrations"] = f"at {revision or 'no revision'}, the newest is {head}"
    if getattr(request.app.state, "policy", None) is None:
        checks["policy"] = "no policy loaded"
    failed = [name for name, state in checks.items() if state not in (OK, NOT_CHECKED)]
    return JSONResponse({"status": "unavailable" if failed else "ok", "checks": checks,
                         "failed": failed}, status_code=503 if failed else 200)
