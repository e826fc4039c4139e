"""Errors on pages: the same ApiError a route raises, shown as a page (sign-in for 401)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from arflow.web.pages.render import page


def wants_page(request: Request) -> bool:
    """Everything outside /api/ is a page for people."""
    return not request.url.path.startswith("/api/")


async def problem_page(request: Request, status: int, code: str, message: str) -> Response:
    from arflow.web.auth import optional_principal

    if status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    try:  # the menu, when the caller is known (a 404 route never asked who it was)
        who = request.scope.get("principal") or await optional_principal(request)
    except Exception:  # noqa: BLE001 - bad credentials: the page shows without a menu
        who = None
    return page(request, "error.html", who, status_code=status, status=status, code=code,
                message=message)
