"""Health, readiness and Prometheus metrics for the web app: ``/healthz``, ``/readyz``,
``/metrics`` and HTTP latency by route.

``install(app, settings)`` adds them, last of the app's layers, so the latency middleware
is the outermost: a request a guard refused (413, 400) is timed too, as ``unmatched`` when
the router never saw it. The app's
``Metrics`` (arflow/metrics.py) is kept on ``app.state.metrics``; ``arflow serve`` hands
it to the scheduler's jobs, so one ``/metrics`` shows the cycles, the mail and the HTTP.

The latency is labelled by the route's template (``/api/v1/customers/{code}``), never the
raw path: one series per route, whatever codes are asked for. A path no route matches is
``unmatched``; a method arflow does not serve is ``OTHER``.
"""

from __future__ import annotations

from collections.abc import Iterable
from time import perf_counter
from typing import Any

from fastapi import FastAPI, Response
from fastapi.routing import APIRoute
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arflow.metrics import CONTENT_TYPE, Metrics
from arflow.settings import Settings
from arflow.web import health
from ledger.db import Engine, session_scope
from ledger.outbox_store import status_counts

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


def install(app: FastAPI, settings: Settings) -> None:
    """Add the probes, the metrics route and the latency middleware (outermost) to ``app``."""
    engine: Engine = app.state.engine
    metrics = Metrics(outbox=lambda: _outbox_counts(engine))
    app.state.metrics = metrics
    app.include_router(health.probes)

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        """The text exposition format; counts only, so no sign-in (Prometheus scrapes it)."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    app.add_middleware(RequestLatency, metrics=metrics, routes=app)


def _outbox_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return status_counts(session)


class RequestLatency:
    """Times every HTTP request into ``metrics`` by method, route template and status class
    (pure ASGI: the response streams through untouched)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: FastAPI) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began, status = perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.metrics.request(method, self.template(scope), f"{status // 100}xx",
                                 perf_counter() - began)

    def template(self, scope: Scope) -> str:
        """The route template the router chose for ``scope`` (after the app has run)."""
        key = id(scope.get("route") or scope.get("endpoint"))
        if key == id(None):
            return UNMATCHED
        if self._templates is None or key not in self._templates:
            templates = dict(_templates(self.routes.router.routes))  # routes added late
            # not found even so: its own path, remembered, so the walk is not every request
            templates.setdefault(key, getattr(scope.get("route"), "path", UNMATCHED))
            self._templates = templates
        return self._templates[key]


def _templates(routes: Iterable[Any], prefix: str = "") -> Iterable[tuple[int, str]]:
    """(id, full template) of every route, through included routers (FastAPI keeps an
    included router as one entry pointing at the original, whose routes carry only their
    own part of the path); a mount by its app (``/static/{path}``)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield id(route), prefix + route.path
        elif isinstance(route, Mount):
            yield id(route.app), prefix + route.path + "/{path}"
        elif hasattr(route, "original_router"):
            yield from _templates(route.original_router.routes,
                                  prefix + route.include_context.prefix)
        elif hasattr(route, "path"):
            yield id(route), prefix + route.path
