"""/api/v1/payments (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["payments"])
