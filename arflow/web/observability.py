"""Health, readiness and Prometheus metrics for the web app: ``/healthz``, ``/readyz``,
``/metrics`` and HTTP latency by route.

``install(app, settings)`` adds them (issue 15)."""

from __future__ import annotations

from fastapi import FastAPI

from arflow.settings import Settings


def install(app: FastAPI, settings: Settings) -> None:
    """Add the probes, the metrics route and the latency middleware (outermost) to ``app``."""
