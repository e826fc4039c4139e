"""/api/v1 tasks (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["tasks"])
