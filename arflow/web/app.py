"""The FastAPI application: ``create_app(settings, engine)``.

The policy is loaded once here and kept on ``app.state.policy``; publishing a new one
from the policy pages replaces that attribute, so it takes effect at once. A policy that does
not load leaves the last good one (the one the last cycle ran with) in force, as the
scheduler does; with neither, the order endpoints answer 503 ``policy_unavailable``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from arflow.auth.passwords import PasswordChecks
from arflow.runtime import Runtime, load_policy_in_force
from arflow.settings import Settings
from arflow.web import (
    api,
    api_docs,
    errors,
    health,
    input_guard,
    observability,
    orders,
    pages,
    security,
)
from arflow.web.pages.problems import problem_page
from arflow.web.paths import API
from arflow.web.responses import MoneyJSONResponse
from arflow.web.signin_throttle import SigninThrottle
from engine import Policy
from ledger.db import Engine

log = logging.getLogger("arflow.web")


def create_app(settings: Settings, engine: Engine, policy: Policy | None = None) -> FastAPI:
    """The app over ``engine``; ``policy`` defaults to the one in ``settings.policy_dir``."""
    app = FastAPI(
        title="arflow",
        summary="Credit control and collections for accounts receivable",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # served by api_docs: from the package, to people signed in
        redoc_url=None,
        default_response_class=MoneyJSONResponse,
    )
    app.state.runtime = Runtime.from_settings(settings, engine, migrated=True)
    app.state.settings = settings
    app.state.engine = engine
    app.state.policy = policy if policy is not None else load_policy_in_force(settings, engine)
    # sign-in: this process's failure budgets and its own pool for password checks
    app.state.signin_throttle = SigninThrottle(settings.web)
    app.state.password_checks = PasswordChecks(settings.web.password_checks)
    errors.install(app, problem_page)
    app.include_router(health.router, prefix=API)
    app.include_router(orders.router, prefix=API)
    app.include_router(api.router, prefix=API)
    app.include_router(api_docs.router, prefix=API)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    input_guard.install(app, settings)  # NUL bytes refused (added first: innermost)
    security.install(app, settings)  # body limits, unauthenticated writes, headers
    observability.install(app, settings)  # probes and metrics (added last: outermost)
    return app
