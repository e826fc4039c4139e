"""Input the app refuses before any route sees it: NUL bytes in the path, the query, a
form or a JSON body (a 4xx, never a 500 from the database).

``install(app, settings)`` adds it (issue 15)."""

from __future__ import annotations

from fastapi import FastAPI

from arflow.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the input guard to ``app`` (inside the body-size guard)."""
