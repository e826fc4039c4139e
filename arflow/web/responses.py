"""JSON responses with money as exact numbers (arflow/jsonout.py, as the CLI's --json)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from arflow.jsonout import dumps


class MoneyJSONResponse(JSONResponse):
    """Decimal written digit for digit as a JSON number; dates as ISO strings."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


class _ExactRequest(Request):
    """A JSON body whose numbers with a fraction are read as Decimal, never as float."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:  # FastAPI answers 422 for a JSONDecodeError
                raise json.JSONDecodeError("the body is not UTF-8", "", exc.start) from None
            self._json = json.loads(text, parse_float=Decimal)
        return self._json


class ExactRoute(APIRoute):
    """Routes that read money: ``{"amount": 90071992547409.93}`` stays exact."""

    def get_route_handler(self):  # type: ignore[no-untyped-def]
        handler = super().get_route_handler()

        async def route(request: Request) -> Any:
            return await handler(_ExactRequest(request.scope, request.receive))

        return route
