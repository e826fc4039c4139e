"""/api/v1 actions (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["actions"])
