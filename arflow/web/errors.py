"""Errors as JSON: ``{"error": {"code", "message", "field"}}`` with a stable ``code``.

Codes are part of the API contract (clients branch on them, never on the message):

- ``invalid_input``: the body is not what the endpoint takes (FastAPI's own validation)
- ``invalid_amount``, ``invalid_currency``, ``invalid_date`` (a day outside 1900-2199):
  a value of the right type but not acceptable
- ``unknown_customer``: no customer with that code (404)
- ``conflict``: the order number exists with another body (409)
- ``policy_unavailable``: no policy could be loaded (503)
- ``unauthorized`` (401: no or bad credentials), ``forbidden`` (403: the role may not),
  ``csrf_failed`` (403: a cookie-signed change without the session's CSRF token),
  ``not_found`` (404: also a record of a customer the caller may not see)

Outside /api/ the same errors are shown as pages (a 401 on a page redirects to sign-in);
a page form's refusal is shown on the form itself, the page rendered again with the
refusal's status (arflow/web/pages/forms.submit, which runs the form inside ``refused``).

A workflow's refusal (workflows/errors.py) is mapped here, once, for the API and the pages
alike (``refusal_error``): its own status, code, message and field. The pages' renderer
is handed to ``install`` by the app, so this module needs nothing from the pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from arflow.web.responses import MoneyJSONResponse
from workflows.errors import Refusal

# codes a validator may raise (PydanticCustomError type): kept as the error's code
VALUE_CODES = frozenset({"invalid_amount", "invalid_currency", "invalid_date"})


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


# how a page shows an error: (request, status, code, message) -> the page
ProblemPage = Callable[[Request, int, str, str], Awaitable[Response]]
# a plain ValueError (not yet a typed refusal) answers with this (status, code)
PLAIN_VALUE_ERROR = (422, "invalid_input")


def _reason(exc: BaseException) -> str:
    """The message a refusal was raised with (a KeyError's without its quotes)."""
    if isinstance(exc, Refusal):
        return exc.message
    return str(exc.args[0]) if exc.args else type(exc).__name__


def refusal_error(exc: BaseException, plain_value: tuple[int, str] = PLAIN_VALUE_ERROR
                  ) -> ApiError | None:
    """The one mapping of a refusal to an API error (None: not a refusal, a bug).

    A typed ``Refusal`` keeps its status, code and field; the plain built-ins the workflows
    raised before they were typed map as they always did: ``LookupError`` 404 ``not_found``,
    ``PermissionError`` 403 ``forbidden``, ``ValueError`` ``plain_value`` (422
    ``invalid_input`` unless the caller's page said otherwise).
    """
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Refusal):
        return ApiError(exc.status, exc.code, exc.message, exc.field)
    if isinstance(exc, LookupError):
        return ApiError(404, "not_found", _reason(exc))
    if isinstance(exc, PermissionError):
        return ApiError(403, "forbidden", _reason(exc))
    if isinstance(exc, ValueError):
        return ApiError(*plain_value, _reason(exc))
    return None


@contextmanager
def refused(db: Any = None, plain_value: tuple[int, str] = PLAIN_VALUE_ERROR
            ) -> Iterator[None]:
    """Around a workflow command (API route or page form): a refusal rolls ``db`` back
    and becomes the API error (JSON under /api/, the problem page elsewhere)."""
    try:
        yield
    except (ApiError, Refusal, LookupError, PermissionError, ValueError) as exc:
        if db is not None:
            db.rollback()
        error = refusal_error(exc, plain_value)
        if error is exc or error is None:
            raise
        raise error from None


def wants_page(request: Request) -> bool:
    """Everything outside /api/ is a page for people."""
    return not request.url.path.startswith("/api/")


def field_path(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "amount")`` -> ``"amount"``; list items as ``items.3.amount``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


async def _answer(request: Request, status: int, code: str, message: str, field: str | None = None
            ) -> Response:
    """JSON under /api/, a page for people everywhere else."""
    problem_page: ProblemPage | None = getattr(request.app.state, "problem_page", None)
    if problem_page is not None and wants_page(request):
        return await problem_page(request, status, code, message)
    return error_response(status, code, message, field)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return await _answer(request, exc.status, exc.code, exc.message, exc.field)


async def _refusal(request: Request, exc: Exception) -> Response:
    """A typed refusal no route caught: the same answer ``refused`` gives."""
    error = refusal_error(exc)
    assert error is not None
    return await _answer(request, error.status, error.code, error.message, error.field)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"type": "invalid_input", "loc": (), "msg": "invalid input"}
    code = first["type"] if first["type"] in VALUE_CODES else "invalid_input"
    message = str(first.get("msg", "invalid input"))
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more)"
    field = None if first["type"] == "json_invalid" else field_path(first.get("loc", ()))
    if code == "invalid_date" and field:  # a day out of range (arflow/days): say which
        message = f"{field}: {message}"
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


def install(app: FastAPI, problem_page: ProblemPage | None = None) -> None:
    """The error handlers; ``problem_page`` renders errors outside /api/ (JSON without)."""
    app.state.problem_page = problem_page
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(Refusal, _refusal)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the error body's schema."""
    return {status: {"model": ErrorBody, "description": "error"} for status in statuses}
