"""/api/v1/warnings (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["warnings"])
