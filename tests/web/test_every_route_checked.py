"""Every route is checked, not just the links that are shown: walk the app's routes and
call each one as a stranger, and as every role that lacks the permission it declares."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from arflow.auth.roles import GRANTS
from arflow.settings import Settings
from arflow.web import create_app
from tests.people import make_token
from tests.web.conftest import TestClient

OPEN = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("GET", "/api/v1/health"),
        # the probes and the metrics (counts only): for load balancers and Prometheus
        ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


def _walk(routes: list, prefix: str = "") -> list[tuple[str, APIRoute]]:  # type: ignore[type-arg]
    """(full path, route) of every APIRoute, through included routers (FastAPI keeps an
    included router as one entry that points at the original)."""
    found: list[tuple[str, APIRoute]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append((prefix + route.path, route))
        elif hasattr(route, "original_router"):
            found += _walk(route.original_router.routes,
                           prefix + route.include_context.prefix)
    return found


def _routes(app) -> list[tuple[str, str, APIRoute]]:  # type: ignore[no-untyped-def]
    found = []
    for path, route in _walk(app.router.routes):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if (method, path) not in OPEN:
                found.append((method, path, route))
    assert len(found) > 20  # the walk reached the included routers
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _permissions(route: APIRoute) -> set[str]:
    """The permissions a route declares through ``require(...)`` dependencies."""
    names: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        name = getattr(dep.call, "__name__", "")
        if name.startswith("require_"):
            names.add(name.removeprefix("require_"))
        stack.extend(dep.dependencies)
    return names


@pytest.fixture
def app(settings: Settings, db: Engine):  # type: ignore[no-untyped-def]
    return create_app(settings, db)


def test_no_route_answers_a_stranger(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        for method, path, _ in _routes(app):
            response = client.request(method, _concrete(path), follow_redirects=False)
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, path, response.status_code)
            else:  # a page: sent to sign in (GET) or refused (a post)
                assert response.status_code in (303, 401, 403), (method, path)
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/login"), (method, path)


def test_each_role_is_refused_what_its_role_may_not_do(app, db: Engine) -> None:  # type: ignore[no-untyped-def]
    tokens = {role: make_token(db, f"t-{role}", role) for role in GRANTS}
    checked = 0
    with TestClient(app) as client:
        for method, path, route in _routes(app):
            for permission in _permissions(route):
                for role, grants in GRANTS.items():
                    if permission in grants:
                        continue
                    response = client.request(
                        method, _concrete(path), follow_redirects=False,
                        headers={"Authorization": f"Bearer {tokens[role]}"})
                    assert response.status_code == 403, (role, method, path)
                    checked += 1
    assert checked > 0
