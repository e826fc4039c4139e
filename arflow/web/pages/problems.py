"""Errors on pages: the same ApiError a route raises, or a workflow's refusal mapped by
``arflow.web.errors.refused``, shown as a page (sign-in for 401). The app hands
``problem_page`` to ``arflow.web.errors.install``."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from arflow.web.errors import wants_page
from arflow.web.pages.render import page

__all__ = ["problem_page", "wants_page"]


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
