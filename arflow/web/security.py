"""The web app's guards that run before any route: body-size limits, unauthenticated
writes refused before their body is read, NUL bytes refused, and the security headers.

``install(app, settings)`` adds them (issue 15)."""

from __future__ import annotations

from fastapi import FastAPI

from arflow.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards to ``app`` (inside the metrics middleware, outside every route)."""
