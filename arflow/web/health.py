"""``GET /api/v1/health``: the process answers (no database round trip)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: Literal["ok"]


@router.get("/health", response_model=Health)
def health() -> dict[str, str]:
    return {"status": "ok"}
