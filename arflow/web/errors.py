"""Errors as JSON: ``{"error": {"code", "message", "field"}}`` with a stable ``code``.

Codes are part of the API contract (clients branch on them, never on the message):

- ``invalid_input``: the body is not what the endpoint takes (FastAPI's own validation)
- ``invalid_amount``, ``invalid_currency``: a value of the right type but not acceptable
- ``unknown_customer``: no customer with that code (404)
- ``conflict``: the order number exists with another body (409)
- ``policy_unavailable``: no policy could be loaded (503)
- ``unauthorized`` (401: no or bad credentials), ``forbidden`` (403: the role may not),
  ``csrf_failed`` (403: a cookie-signed change without the session's CSRF token),
  ``not_found`` (404: also a record of a customer the caller may not see)

Outside /api/ the same errors are shown as pages (a 401 on a page redirects to sign-in).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from arflow.web.responses import MoneyJSONResponse

# codes a validator may raise (PydanticCustomError type): kept as the error's code
VALUE_CODES = frozenset({"invalid_amount", "invalid_currency"})


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(status: int, code: str, message: str, field: str | None = None
                   ) -> MoneyJSONResponse:
    return MoneyJSONResponse(
        {"error": {"code": code, "message": message, "field": field}}, status_code=status
    )


class ApiError(Exception):
    """Raised by a route: becomes the JSON error body with ``status``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def field_path(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "amount")`` -> ``"amount"``; list items as ``items.3.amount``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


async def _answer(request: Request, status: int, code: str, message: str, field: str | None = None
            ) -> Response:
    """JSON under /api/, a page for people everywhere else."""
    from arflow.web.pages.problems import problem_page, wants_page

    if wants_page(request):
        return await problem_page(request, status, code, message)
    return error_response(status, code, message, field)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return await _answer(request, exc.status, exc.code, exc.message, exc.field)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"type": "invalid_input", "loc": (), "msg": "invalid input"}
    code = first["type"] if first["type"] in VALUE_CODES else "invalid_input"
    message = str(first.get("msg", "invalid input"))
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    field = None if first["type"] == "json_invalid" else field_path(first.get("loc", ()))
    return await _answer(request, 422, code, message, field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized",
             403: "forbidden"}
    response = await _answer(request, exc.status_code, codes.get(exc.status_code, "http_error"),
                       str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the error body's schema."""
    return {status: {"model": ErrorBody, "description": "error"} for status in statuses}
